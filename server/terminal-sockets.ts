import type { WebSocket } from 'ws';
import type { CloudStore } from './store/index.ts';

/**
 * Close code of a socket whose terminal lost its token (revoked, reassigned) or that never presented a
 * valid one: graphql-ws's `Unauthorized`.
 */
export const CLOSE_UNAUTHORIZED = 4401;
/** Close code of a connection over the per-terminal cap: WebSocket's "try again later". */
export const CLOSE_TRY_AGAIN_LATER = 1013;

type TerminalSocket = {
  socket: WebSocket;
  tenantId: string;
  branchId: string;
  terminalId: string;
  token: string;
};

/**
 * The open WebSocket connections of terminals on this instance, by terminal. A terminal holds at most
 * `maxPerTerminal` of them; `close` ends them when the terminal is revoked or reassigned through this
 * instance, `recheck` when that happened through another instance on the same store.
 */
export class TerminalSockets {
  readonly #byTerminal = new Map<string, Set<TerminalSocket>>();
  readonly #maxPerTerminal: number;

  constructor(options: { maxPerTerminal: number }) {
    this.#maxPerTerminal = options.maxPerTerminal;
  }

  /** Registers an authenticated socket; false (and nothing registered) when the terminal is at its cap. */
  add(entry: TerminalSocket): boolean {
    const key = `${entry.tenantId}/${entry.terminalId}`;
    let sockets = this.#byTerminal.get(key);
    if (sockets && sockets.size >= this.#maxPerTerminal) return false;
    if (!sockets) this.#byTerminal.set(key, (sockets = new Set()));
    sockets.add(entry);
    entry.socket.once('close', () => {
      sockets.delete(entry);
      if (sockets.size === 0 && this.#byTerminal.get(key) === sockets) this.#byTerminal.delete(key);
    });
    return true;
  }

  /** Closes every socket of the terminal (its subscriptions end with them); the number closed. */
  close(tenantId: string, terminalId: string): number {
    const sockets = this.#byTerminal.get(`${tenantId}/${terminalId}`);
    if (!sockets) return 0;
    this.#byTerminal.delete(`${tenantId}/${terminalId}`);
    for (const { socket } of sockets) socket.close(CLOSE_UNAUTHORIZED, 'terminal token revoked');
    return sockets.size;
  }

  /**
   * Checks the tokens of the connected terminals against the store and closes the sockets whose token
   * no longer resolves to the same, unrevoked terminal and branch: a revoke or reassign made through
   * another instance. One token lookup per distinct token.
   */
  async recheck(store: CloudStore): Promise<number> {
    const byToken = new Map<string, TerminalSocket[]>();
    for (const sockets of this.#byTerminal.values()) {
      for (const entry of sockets) {
        const same = byToken.get(entry.token);
        if (same) same.push(entry);
        else byToken.set(entry.token, [entry]);
      }
    }
    let closed = 0;
    for (const [token, entries] of byToken) {
      const identity = await store.verifyTerminalToken(token);
      for (const entry of entries) {
        const valid =
          identity !== null &&
          !identity.revoked &&
          identity.tenantId === entry.tenantId &&
          identity.terminalId === entry.terminalId &&
          identity.branchId === entry.branchId;
        if (valid) continue;
        entry.socket.close(CLOSE_UNAUTHORIZED, 'terminal token revoked');
        closed += 1;
      }
    }
    return closed;
  }

  /** Open terminal sockets, for tests and metrics. */
  get size(): number {
    let size = 0;
    for (const sockets of this.#byTerminal.values()) size += sockets.size;
    return size;
  }
}
