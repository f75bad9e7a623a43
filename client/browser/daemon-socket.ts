import { BehaviorSubject, Subject } from 'rxjs';
import { PosError } from '../../schema/pos-error.ts';
import type { DaemonFrame, PageFrame } from './protocol.ts';
import {
  UI_HEARTBEAT_MS,
  UI_PROTOCOL_VERSION,
  UI_SESSION_PATH,
  UI_SOCKET_PATH,
} from './protocol.ts';

/** Where the page stands with the daemon. */
export type DaemonSocketState = 'connecting' | 'open' | 'lost' | 'refused' | 'closed';

/** The daemon's greeting on a new socket. */
export type DaemonHello = Extract<DaemonFrame, { t: 'hello' }>;

export type DaemonSocketOptions = {
  /** The daemon's UI address: `http://127.0.0.1:4100` (or `ws://…`). */
  url: string;
  token: string;
  /** WebSocket and fetch implementations (default: the globals of the page). */
  WebSocket?: typeof globalThis.WebSocket;
  fetch?: typeof globalThis.fetch;
  /** Longest wait between two reconnect attempts (default 2 s). */
  reconnectCapMs?: number;
};

/**
 * The page's socket to the daemon: one plain WebSocket at a time, reopened after a loss. A loss shows
 * at once (`state$` becomes `lost` on the close event, or after three missed heartbeats for a hung
 * daemon); each reopened socket is a new `generation`, greeted by a new `hello`. A refused token stops
 * the retries (`refused`): the page must not knock forever with a wrong token.
 */
export class DaemonSocket {
  readonly frames$ = new Subject<DaemonFrame>();
  readonly state$ = new BehaviorSubject<DaemonSocketState>('connecting');
  /** Emits the greeting of each new socket: the first one, then one per reconnect. */
  readonly hello$ = new Subject<DaemonHello>();
  readonly #http: string;
  readonly #ws: string;
  readonly #options: DaemonSocketOptions;
  #socket: WebSocket | undefined;
  #generation = 0;
  #heartbeat: ReturnType<typeof setTimeout> | undefined;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #attempt = 0;
  #closed = false;

  constructor(options: DaemonSocketOptions) {
    this.#options = options;
    const base = new URL(options.url);
    base.protocol = base.protocol === 'wss:' || base.protocol === 'https:' ? 'https:' : 'http:';
    const query = `?token=${encodeURIComponent(options.token)}`;
    this.#http = `${base.origin}${UI_SESSION_PATH}${query}`;
    this.#ws = `${base.origin.replace(/^http/, 'ws')}${UI_SOCKET_PATH}${query}`;
  }

  /** The number of the socket that is open (or was last open); bumps on every reconnect. */
  get generation(): number {
    return this.#generation;
  }

  /** Opens the first socket; rejects with a `PosError` when the token is refused or the daemon is down. */
  async open(): Promise<DaemonHello> {
    const hello = await this.#connect();
    this.#attempt = 0;
    return hello;
  }

  /** Sends a frame on the open socket; false when there is none (the caller answers for it). */
  send(frame: PageFrame): boolean {
    const socket = this.#socket;
    if (!socket || socket.readyState !== 1 || this.state$.value !== 'open') return false;
    socket.send(JSON.stringify(frame));
    return true;
  }

  /** Closes the socket for good. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#retry);
    clearTimeout(this.#heartbeat);
    this.#socket?.close(1000, 'page closed');
    this.#socket = undefined;
    this.state$.next('closed');
    this.state$.complete();
    this.frames$.complete();
    this.hello$.complete();
  }

  async #connect(): Promise<DaemonHello> {
    // A refused WebSocket upgrade looks like any network failure in a browser (close code 1006), so a
    // plain request first tells a wrong token from a daemon that is down.
    const fetchImpl = this.#options.fetch ?? globalThis.fetch.bind(globalThis);
    let response: Response;
    try {
      response = await fetchImpl(this.#http);
    } catch (error) {
      throw new PosError('POS_TERMINAL_UNREACHABLE', 'the terminal daemon could not be reached', {
        cause: String(error),
      });
    }
    if (response.status === 401 || response.status === 403) {
      throw new PosError(
        'POS_LOCAL_UNAUTHORIZED',
        response.status === 401
          ? "the terminal refused this page's token: open the URL the daemon printed at start"
          : 'the terminal refused this page (its Origin is not allowed)',
      );
    }
    if (!response.ok) {
      throw new PosError('POS_TERMINAL_UNREACHABLE', `the terminal answered ${response.status}`);
    }
    const WebSocketImpl = this.#options.WebSocket ?? globalThis.WebSocket;
    const socket = new WebSocketImpl(this.#ws);
    this.#socket = socket;
    return new Promise<DaemonHello>((resolve, reject) => {
      let greeted = false;
      // A socket that opens but never greets (not a pos daemon, or a hung one) counts as down.
      const greeting = setTimeout(() => socket.close(4000, 'no greeting'), UI_HEARTBEAT_MS * 3);
      socket.onmessage = (event) => {
        this.#armHeartbeat(socket);
        const frame = JSON.parse(String(event.data)) as DaemonFrame;
        if (frame.t === 'hello' && !greeted && frame.protocol !== UI_PROTOCOL_VERSION) {
          // A renderer that bundles its own client may be older or newer than the daemon.
          clearTimeout(greeting);
          clearTimeout(this.#heartbeat);
          this.#socket = undefined;
          socket.close(1000, 'protocol mismatch');
          this.state$.next('refused');
          reject(
            new PosError(
              'POS_PROTOCOL_MISMATCH',
              `the terminal speaks UI protocol ${frame.protocol}, this page ${UI_PROTOCOL_VERSION}`,
            ),
          );
          return;
        }
        if (frame.t === 'hello' && !greeted) {
          greeted = true;
          clearTimeout(greeting);
          this.#generation += 1;
          this.state$.next('open');
          this.hello$.next(frame);
          resolve(frame);
          return;
        }
        if (frame.t !== 'ping') this.frames$.next(frame);
      };
      socket.onclose = () => {
        if (this.#socket !== socket) return;
        this.#socket = undefined;
        clearTimeout(this.#heartbeat);
        clearTimeout(greeting);
        if (!greeted) {
          reject(new PosError('POS_TERMINAL_UNREACHABLE', 'the terminal daemon closed the socket'));
        }
        if (greeted && !this.#closed) this.#lost();
      };
    });
  }

  /** A daemon that stops answering without closing (hung, laptop asleep) counts as lost too. */
  #armHeartbeat(socket: WebSocket): void {
    clearTimeout(this.#heartbeat);
    this.#heartbeat = setTimeout(() => socket.close(4000, 'heartbeat missed'), UI_HEARTBEAT_MS * 3);
  }

  #lost(): void {
    if (this.#closed) return;
    if (this.state$.value !== 'lost') this.state$.next('lost');
    this.#attempt += 1;
    const delay = Math.min(this.#options.reconnectCapMs ?? 2_000, 100 * 2 ** this.#attempt);
    this.#retry = setTimeout(() => {
      this.#connect().then(
        () => {
          this.#attempt = 0;
        },
        (error: unknown) => {
          if (this.#closed) return;
          const final = ['POS_LOCAL_UNAUTHORIZED', 'POS_PROTOCOL_MISMATCH'];
          if (error instanceof PosError && final.includes(error.code)) {
            this.state$.next('refused');
            return;
          }
          this.#lost();
        },
      );
    }, delay);
  }
}
