import type { Server, Socket } from 'node:net';
import { connect, createServer } from 'node:net';

/**
 * What the proxy does with a terminal's connections:
 * - `pass`: forwards both ways;
 * - `drop`: closes every open connection and refuses new ones at once (a cable pulled, a refused
 *   route: the terminal sees connection errors);
 * - `stall`: accepts and holds connections but forwards nothing either way (a black hole: the
 *   terminal sees requests that never answer); healing closes the held connections;
 * - `lose-replies`: forwards requests to the cloud but drops its answers and closes the connection
 *   after them (the cloud books a push the terminal never hears of, so the terminal delivers it again);
 * - `hold-replies`: forwards requests to the cloud but holds its answers on open connections (the cloud
 *   booked a push the terminal still waits for, for as long as the test needs); healing closes them.
 */
export type ProxyMode = 'pass' | 'drop' | 'stall' | 'lose-replies' | 'hold-replies';

/**
 * A loopback TCP proxy between one terminal and the cloud, so a test can cut that terminal off
 * (`setMode`) while the others go on. Listens on 127.0.0.1 only; the target is the cloud's port.
 */
export class FaultProxy {
  readonly port: number;
  #server: Server;
  #targetPort: number;
  #mode: ProxyMode = 'pass';
  #sockets = new Set<Socket>();
  /** Connections accepted since the start. */
  accepted = 0;
  /** Bytes a stall or hold held back, or a loss dropped, since the start. */
  withheldBytes = 0;
  /** Who waits for withheld bytes holding a text (`whenWithheld`). */
  #watchers: { text: string; resolve: () => void }[] = [];
  /** The end of what each connection had withheld, for a text that spans two chunks. */
  #tails = new WeakMap<Socket, string>();

  private constructor(server: Server, port: number, targetPort: number) {
    this.#server = server;
    this.port = port;
    this.#targetPort = targetPort;
  }

  /** Starts a proxy on a free loopback port forwarding to `targetPort` on loopback. */
  static async start(targetPort: number): Promise<FaultProxy> {
    const accept = { to: (socket: Socket): void => void socket.destroy() };
    const server = createServer((socket) => accept.to(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const proxy = new FaultProxy(server, (server.address() as { port: number }).port, targetPort);
    accept.to = (socket) => proxy.#accept(socket);
    return proxy;
  }

  get mode(): ProxyMode {
    return this.#mode;
  }

  /** The GraphQL URL through this proxy. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/graphql`;
  }

  /**
   * Resolves once a connection's withheld bytes hold `text` (an operation name: a request a stall
   * holds, an answer a hold or a loss keeps from the terminal); fails after `timeoutMs`.
   */
  whenWithheld(text: string, timeoutMs = 30_000): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#watchers = this.#watchers.filter((w) => w !== watcher);
        reject(new Error(`the proxy withheld nothing holding ${text} in ${timeoutMs} ms`));
      }, timeoutMs);
      const watcher = {
        text,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.#watchers.push(watcher);
    });
  }

  /** Changes the mode; `drop`, and leaving `stall` or `*-replies`, close the open connections. */
  setMode(mode: ProxyMode): void {
    const previous = this.#mode;
    this.#mode = mode;
    if (mode === 'drop' || (previous !== 'pass' && mode === 'pass') || mode === 'lose-replies') {
      this.#closeAll();
    }
  }

  #closeAll(): void {
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }

  #accept(client: Socket): void {
    this.accepted++;
    this.#track(client);
    if (this.#mode === 'drop') {
      client.destroy();
      return;
    }
    if (this.#mode === 'stall') {
      client.on('data', (chunk) => this.#withhold(client, chunk));
      return;
    }
    const mode = this.#mode;
    const upstream = connect(this.#targetPort, '127.0.0.1');
    this.#track(upstream);
    client.on('data', (chunk) => {
      if (this.#mode === 'stall') this.#withhold(client, chunk);
      else upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (this.#mode === 'stall' || this.#mode === 'hold-replies') {
        this.#withhold(upstream, chunk);
        return;
      }
      if (mode === 'lose-replies' || this.#mode === 'lose-replies') {
        this.#withhold(upstream, chunk);
        // The request reached the cloud; its answer is lost with the connection.
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.once('close', end);
    upstream.once('close', end);
  }

  #withhold(from: Socket, chunk: Buffer): void {
    this.withheldBytes += chunk.length;
    if (this.#watchers.length === 0) return;
    const seen = (this.#tails.get(from) ?? '') + chunk.toString('latin1');
    for (const watcher of this.#watchers.filter((w) => seen.includes(w.text))) {
      this.#watchers = this.#watchers.filter((w) => w !== watcher);
      watcher.resolve();
    }
    this.#tails.set(from, seen.slice(-256));
  }

  /** Closes every connection and stops listening. */
  async close(): Promise<void> {
    this.#closeAll();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
