import type { Logger } from 'pino';
import type { StreamName } from '../replication/index.ts';
import type { CatalogStream } from './catalog-reconcile.ts';
import type { GraphQLBody, GraphQLCaller, GraphQLRequestBody } from './graphql-client.ts';
import { isAuthLoss } from './graphql-client.ts';
import { SalesPushWorker } from './sales-push-worker.ts';
import { StreamWakeups } from './stream-wakeups.ts';
import type { TerminalDatabase } from './terminal-database.ts';
import type { ResolvedTerminalOptions } from './terminal-options.ts';
import { toWebSocketUrl } from './terminal-options.ts';
import type { SyncHalt } from './terminal-status.ts';
import type { TerminalStreams } from './terminal-streams.ts';

const STREAM_ORDER: StreamName[] = ['categories', 'products', 'inventory', 'sales', 'customers'];

/** What the sync link asks of the rest of the terminal. */
export type TerminalSyncEvents = {
  /** Starts a catalog stream (from its snapshot, or with one). */
  startCatalog(stream: CatalogStream): void;
  /** The cloud asked for a new snapshot of a catalog stream. */
  resnapshot(stream: CatalogStream): void;
  /** Syncing halted (the token stopped working). */
  onHalted(): void;
  onPushed(at: Date): void;
  /** `online` or `halted` changed. */
  onChange(): void;
};

/**
 * The terminal's link to the cloud once its identity is confirmed: the stream replications, the
 * wake-ups and the sales push worker, whether the cloud answers, and the halt when the token stops
 * working.
 */
export class TerminalSync {
  readonly #db: TerminalDatabase;
  readonly #caller: GraphQLCaller;
  readonly #options: ResolvedTerminalOptions;
  readonly #streams: TerminalStreams;
  readonly #logger: () => Logger;
  readonly #closed: () => boolean;
  readonly #events: TerminalSyncEvents;
  /** Made by `start()` once the identity is confirmed: a sale is pushed under the right scope only. */
  #worker: SalesPushWorker | undefined;
  #wakeups: StreamWakeups | undefined;
  #online = false;
  #halted: SyncHalt = null;

  constructor(init: {
    db: TerminalDatabase;
    caller: GraphQLCaller;
    options: ResolvedTerminalOptions;
    streams: TerminalStreams;
    logger: () => Logger;
    closed: () => boolean;
    events: TerminalSyncEvents;
  }) {
    this.#db = init.db;
    this.#caller = init.caller;
    this.#options = init.options;
    this.#streams = init.streams;
    this.#logger = init.logger;
    this.#closed = init.closed;
    this.#events = init.events;
  }

  /** The cloud answered the last call (any answer, even an error). */
  get online(): boolean {
    return this.#online;
  }

  /** Set when a token problem stopped syncing. */
  get halted(): SyncHalt {
    return this.#halted;
  }

  /** Backoff of the stream reconnects. */
  get #backoff(): { baseMs: number; capMs: number } {
    return { baseMs: this.#options.backoffBaseMs, capMs: this.#options.backoffCapMs };
  }

  /** Starts the stream replications, the wake-ups and the push worker. */
  start(): void {
    this.#worker = new SalesPushWorker({
      sales: this.#db.sales,
      caller: this.#caller,
      logger: this.#logger().child({ component: 'push' }),
      settings: {
        batchSize: this.#options.pushBatchSize,
        concurrency: this.#options.pushConcurrency,
        maxServerAttempts: this.#options.maxServerAttempts,
        backoffBaseMs: this.#options.backoffBaseMs,
        backoffCapMs: this.#options.backoffCapMs,
      },
      events: {
        onPushed: (at) => this.#events.onPushed(at),
        onBooked: () => this.#streams.reSync('sales'),
        onAuthLoss: (code) => this.halt(code),
      },
    });
    for (const stream of STREAM_ORDER) {
      if (stream !== 'products' && stream !== 'categories') this.#streams.start(stream);
      else this.#events.startCatalog(stream);
    }
    this.#wakeups = new StreamWakeups({
      wsUrl: toWebSocketUrl(this.#options.serverUrl),
      token: this.#options.token,
      streams: STREAM_ORDER,
      logger: this.#logger().child({ component: 'stream' }),
      backoff: this.#backoff,
      events: {
        onHint: (stream) => this.#streams.reSync(stream),
        onConnected: () => {
          this.#streams.reSyncAll();
          this.setOnline(true);
        },
        onDisconnected: () => this.setOnline(false),
        onErrorCode: (code) => this.onErrorCode(code, 'subscription'),
      },
    });
    this.#worker.start();
  }

  /** Sends a query over the wake-ups' connection while it is open (see `createObservedFetch`). */
  request(body: GraphQLRequestBody): Promise<GraphQLBody> | undefined {
    return this.#wakeups?.request(body);
  }

  /** Pushes now (with `resetBackoff`: without waiting out a grown backoff). */
  wakePush(resetBackoff?: boolean): void {
    this.#worker?.wake(resetBackoff);
  }

  /** The cloud answered for this sale: the push worker stops tracking it. */
  acknowledge(saleId: string): void {
    this.#worker?.acknowledge(saleId);
  }

  /**
   * Any answer of the cloud (over HTTP while the stream is down). After an outage, the stream's
   * reconnect backoff may have grown to its cap: reconnect and pull every stream now.
   */
  onCloudAnswered(): void {
    const wasOffline = !this.#online;
    this.setOnline(true);
    if (!wasOffline || !this.#wakeups || this.#wakeups.connected) return;
    this.#wakeups.reconnectNow();
    this.#streams.reSyncAll();
  }

  setOnline(online: boolean): void {
    if (online === this.#online) return;
    this.#online = online;
    this.#logger().info({ online }, online ? 'cloud reachable' : 'cloud unreachable');
    // Back online: push now instead of waiting out a backoff grown while offline.
    if (online) this.#worker?.wake(true);
    this.#events.onChange();
  }

  /** An error code in an answer of the cloud (any operation, or the subscription). */
  onErrorCode(code: string, operation: string): void {
    if (isAuthLoss(code)) {
      this.halt(code);
      return;
    }
    if (code === 'POS_CATALOG_RESNAPSHOT_REQUIRED') {
      const stream = operation === 'pullCategories' ? 'categories' : 'products';
      if (operation === 'pullProducts' || operation === 'pullCategories') {
        this.#events.resnapshot(stream);
      }
    }
  }

  /**
   * The token stopped working (revoked, or replaced by a re-registration): stop every replication and
   * the push worker so the terminal does not hammer the cloud; selling goes on, sales stay queued.
   */
  halt(code: string): void {
    if (this.#halted || this.#closed()) return;
    this.#halted = code === 'POS_TERMINAL_REVOKED' ? 'revoked' : 'unauthorized';
    this.#logger().error({ errorCode: code }, 'token refused: syncing stopped, selling continues');
    this.#streams.cancelAll();
    void this.#wakeups?.close();
    void this.#worker?.close();
    this.#events.onHalted();
    this.#events.onChange();
  }

  /** Stops the push worker, then the wake-ups. */
  async close(): Promise<void> {
    await this.#worker?.close();
    await this.#wakeups?.close();
  }
}
