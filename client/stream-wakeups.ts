import { createClient } from 'graphql-ws/client';
import type { Client } from 'graphql-ws/client';
import type { Logger } from 'pino';
import { WebSocket } from 'ws';
import type { Backoff, StreamName } from '../replication/index.ts';
import type { GraphQLBody, GraphQLRequestBody } from './graphql-client.ts';
import { STREAM_DOCUMENTS, createBackoff, streamOperationName } from '../replication/index.ts';

/** What the wake-up subscriptions report. */
export type StreamWakeupEvents = {
  /** A hint for one stream: pull it from our own checkpoint. */
  onHint(stream: StreamName): void;
  /** (Re)connected: anything may have changed while we were away, pull every stream. */
  onConnected(): void;
  onDisconnected(): void;
  /** A subscription was refused with this code (an auth problem, usually). */
  onErrorCode(code: string): void;
};

/**
 * The `streamX` subscriptions of one terminal over one graphql-ws connection: hints that wake the
 * pull, never data. Run here rather than through `replicateGraphQL`'s `url.ws` because RxDB keeps one
 * WebSocket client per URL for the whole process (the first caller's token for everyone), forces its
 * retry policy, and turns a subscription error into an error of its pull stream nobody handles (an
 * unhandled error in a daemon). Here a dropped connection reconnects forever with exponential backoff
 * and full jitter, each reconnect triggers a full RESYNC, and a refused subscription is retried later.
 */
export class StreamWakeups {
  readonly #client: Client;
  readonly #events: StreamWakeupEvents;
  readonly #logger: Logger;
  readonly #backoff: Backoff;
  readonly #unsubscribe = new Map<StreamName, () => void>();
  /** Pending reconnect and resubscribe waits, by timer: `reconnectNow` ends them early. */
  readonly #waits = new Map<NodeJS.Timeout, () => void>();
  #closed = false;
  #connected = false;

  constructor(options: {
    wsUrl: string;
    token: string;
    streams: readonly StreamName[];
    events: StreamWakeupEvents;
    logger: Logger;
    backoff: { baseMs: number; capMs: number };
  }) {
    this.#events = options.events;
    this.#logger = options.logger;
    this.#backoff = createBackoff(options.backoff);
    this.#client = createClient({
      url: options.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { headers: { Authorization: `Bearer ${options.token}` } },
      lazy: false,
      keepAlive: 10_000,
      retryAttempts: Number.POSITIVE_INFINITY,
      shouldRetry: () => true,
      retryWait: (retries) => this.#sleep(this.#backoff(retries + 1)),
      on: {
        connected: () => {
          this.#connected = true;
          this.#events.onConnected();
        },
        closed: () => {
          this.#connected = false;
          if (!this.#closed) this.#events.onDisconnected();
        },
        // Connection errors are retried; they are reported by `closed` and the HTTP calls.
        error: () => undefined,
      },
    });
    for (const stream of options.streams) this.#subscribe(stream, 1);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waits.delete(timer);
        resolve();
      }, ms);
      this.#waits.set(timer, resolve);
    });
  }

  /** Whether the connection is open. */
  get connected(): boolean {
    return this.#connected;
  }

  /**
   * The cloud answered another request while the connection is down: reconnect and resubscribe now
   * instead of waiting out a backoff grown during the outage (up to `capMs`). The backoff itself is
   * kept, so a cloud whose HTTP works while its WebSocket does not is retried once per such answer.
   */
  reconnectNow(): void {
    if (this.#connected || this.#closed) return;
    for (const [timer, resolve] of this.#waits) {
      clearTimeout(timer);
      resolve();
    }
    this.#waits.clear();
  }

  #subscribe(stream: StreamName, attempt: number): void {
    if (this.#closed) return;
    const unsubscribe = this.#client.subscribe(
      { query: STREAM_DOCUMENTS[stream], operationName: streamOperationName(stream) },
      {
        next: () => this.#events.onHint(stream),
        error: (error: unknown) => {
          const code = Array.isArray(error)
            ? (error[0] as { extensions?: { code?: string } })?.extensions?.code
            : undefined;
          if (code) this.#events.onErrorCode(code);
          this.#logger.debug({ stream, errorCode: code }, 'stream subscription failed');
          this.#retry(stream, attempt + 1);
        },
        complete: () => this.#retry(stream, 1),
      },
    );
    this.#unsubscribe.set(stream, unsubscribe);
  }

  #retry(stream: StreamName, attempt: number): void {
    if (this.#closed) return;
    void this.#sleep(this.#backoff(attempt)).then(() => this.#subscribe(stream, attempt));
  }

  /**
   * Runs one query or mutation over the connection when it is open (`undefined` otherwise): the token
   * is the connection's, and the cloud checks it and the rate limit per operation as over HTTP. GraphQL
   * errors resolve as an answer; a socket that closes or stays silent for `timeoutMs` rejects, and the
   * caller sends the request over HTTP instead.
   */
  request(body: GraphQLRequestBody, timeoutMs = 30_000): Promise<GraphQLBody> | undefined {
    if (!this.#connected || this.#closed) return undefined;
    return new Promise<GraphQLBody>((resolve, reject) => {
      let result: GraphQLBody | undefined;
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        outcome();
      };
      const timer = setTimeout(() => {
        settle(() => reject(new Error(`no answer over the WebSocket in ${timeoutMs} ms`)));
        unsubscribe();
      }, timeoutMs);
      const unsubscribe = this.#client.subscribe<Record<string, unknown>>(body, {
        next: (value) => (result = value as GraphQLBody),
        error: (error: unknown) =>
          settle(() =>
            Array.isArray(error)
              ? resolve({ errors: error as NonNullable<GraphQLBody['errors']> })
              : reject(error instanceof Error ? error : new Error('WebSocket closed')),
          ),
        complete: () =>
          settle(() =>
            result
              ? resolve(result)
              : reject(new Error('WebSocket operation ended without an answer')),
          ),
      });
    });
  }

  /** Ends the subscriptions and the connection. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#waits.keys()) clearTimeout(timer);
    for (const unsubscribe of this.#unsubscribe.values()) unsubscribe();
    // graphql-ws's dispose waits for a pending connection attempt, which never ends while the cloud is
    // down and retries are parked on our cleared timers: do not let an outage block shutdown.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.resolve(this.#client.dispose()).catch(() => undefined),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, 200))),
    ]);
    clearTimeout(timer);
  }
}
