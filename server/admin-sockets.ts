import type { WebSocket } from 'ws';
import { CLOSE_UNAUTHORIZED } from './terminal-sockets.ts';

/**
 * The open WebSocket connections of admins (the console's live feeds) on this instance, by actor
 * (`root`, `admin:<tokenId>`). An actor holds at most `maxPerActor`; `close` ends a tenant token's
 * sockets when it is revoked through this instance. Elsewhere the admin subscriptions check the token
 * again on every delivery, so a revoked or expired token stops receiving.
 */
export class AdminSockets {
  readonly #byActor = new Map<string, Set<WebSocket>>();
  readonly #maxPerActor: number;

  constructor(options: { maxPerActor: number }) {
    this.#maxPerActor = options.maxPerActor;
  }

  /** Registers an authenticated socket; false (and nothing registered) when the actor is at its cap. */
  add(actor: string, socket: WebSocket): boolean {
    let sockets = this.#byActor.get(actor);
    if (sockets && sockets.size >= this.#maxPerActor) return false;
    if (!sockets) this.#byActor.set(actor, (sockets = new Set()));
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      if (sockets.size === 0 && this.#byActor.get(actor) === sockets) this.#byActor.delete(actor);
    });
    return true;
  }

  /** Closes every socket of the actor; the number closed. */
  close(actor: string): number {
    const sockets = this.#byActor.get(actor);
    if (!sockets) return 0;
    this.#byActor.delete(actor);
    for (const socket of sockets) socket.close(CLOSE_UNAUTHORIZED, 'admin token revoked');
    return sockets.size;
  }
}
