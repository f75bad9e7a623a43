import type { Logger } from 'pino';
import type { Observable } from 'rxjs';
import type { Checkpoint, StreamName } from '../replication/index.ts';
import type { InventoryReason, Sale } from '../schema/index.ts';
import { PosError } from '../schema/index.ts';
import type { SellInput } from './build-sale.ts';
import { GraphQLCaller, createObservedFetch, isAuthLoss } from './graphql-client.ts';
import { IdentityConfirmation } from './identity-confirmation.ts';
import { SalesPushWorker } from './sales-push-worker.ts';
import { SalesRetention } from './sales-retention.ts';
import { StreamWakeups } from './stream-wakeups.ts';
import type { TerminalDatabase } from './terminal-database.ts';
import type { TerminalIdentity } from './terminal-identity.ts';
import type { ResolvedTerminalOptions } from './terminal-options.ts';
import { toWebSocketUrl } from './terminal-options.ts';
import type { SyncHalt, TerminalStatus } from './terminal-status.ts';
import { TerminalCatalog } from './terminal-catalog.ts';
import { TerminalInventory } from './terminal-inventory.ts';
import type { ReconcileResult } from './terminal-reconcile.ts';
import { TerminalReconcile } from './terminal-reconcile.ts';
import { TerminalSales } from './terminal-sales.ts';
import { TerminalStatusFeed } from './terminal-status-feed.ts';
import { TerminalStreams } from './terminal-streams.ts';

export type { ReconcileResult } from './terminal-reconcile.ts';

const STREAM_ORDER: StreamName[] = ['categories', 'products', 'inventory', 'sales'];

/**
 * A running terminal: the database, the stream replications, the sales push worker and the status.
 * Built by `openTerminal`; see there for the lifecycle.
 */
export class Terminal {
  readonly db: TerminalDatabase;
  readonly #options: ResolvedTerminalOptions;
  readonly #identity: IdentityConfirmation;
  /** `start()`'s identity check, then the sync start; awaited by `awaitInSync` and `close`. */
  #starting: Promise<void> | undefined;
  readonly #stopping = new AbortController();
  readonly #caller: GraphQLCaller;
  readonly #sales: TerminalSales;
  readonly #streams: TerminalStreams;
  /** Made by `start()` once the identity is confirmed: a sale is pushed under the right scope only. */
  #worker: SalesPushWorker | undefined;
  readonly #statusFeed: TerminalStatusFeed;
  readonly #retention: SalesRetention;
  #online = false;
  #halted: SyncHalt = null;
  #started = false;
  #wakeups: StreamWakeups | undefined;
  #closed = false;
  readonly #catalog: TerminalCatalog;
  readonly #reconciler: TerminalReconcile;
  readonly #inventory: TerminalInventory;

  constructor(init: {
    db: TerminalDatabase;
    options: ResolvedTerminalOptions;
    /** The logger without the terminal's bindings (they follow the identity). */
    baseLogger: Logger;
    identity: TerminalIdentity;
    /** Whether the identity comes straight from the cloud (first run). */
    identityConfirmed: boolean;
    nextLocalEventId: number;
  }) {
    this.db = init.db;
    this.#options = init.options;
    const identity = init.identity;
    const fetch = createObservedFetch(
      {
        onReachable: () => this.#onCloudAnswered(),
        onUnreachable: () => this.#setOnline(false),
        onErrorCode: (code, operation) => this.#onErrorCode(code, operation),
      },
      30_000,
      (request) => this.#wakeups?.request(request),
    );
    this.#caller = new GraphQLCaller(init.options.serverUrl, init.options.token, fetch);
    this.#identity = new IdentityConfirmation({
      identity,
      confirmed: init.identityConfirmed,
      db: this.db,
      caller: this.#caller,
      baseLogger: init.baseLogger,
      backoff: this.#backoff,
      signal: this.#stopping.signal,
      exclusive: (task) => this.#sales.exclusive(task),
      closed: () => this.#closed,
      halted: () => this.#halted !== null,
      onBranchChanged: () => this.#catalog.branchChanged(),
    });
    this.#streams = new TerminalStreams({
      db: this.db,
      identity,
      context: {
        httpUrl: init.options.serverUrl,
        token: init.options.token,
        fetch,
        batchSize: init.options.pullBatchSize,
        backoffBaseMs: init.options.backoffBaseMs,
        getQueueDepth: () => this.#statusFeed.queueDepth,
        onPulled: (s, checkpoint, documents) => this.#onPulled(s, checkpoint, documents),
        onInventoryPushed: (pushed, refused) => this.#inventory.onPushed(pushed, refused),
      },
      logger: () => this.#logger,
    });
    this.#inventory = new TerminalInventory({
      db: this.db,
      identity,
      logger: () => this.#logger,
      onChange: () => this.#statusFeed.refresh(),
    });
    this.#catalog = new TerminalCatalog({
      db: this.db,
      caller: this.#caller,
      identity,
      streams: this.#streams,
      logger: () => this.#logger,
      closed: () => this.#closed,
      halted: () => this.#halted,
      onChange: () => this.#statusFeed.refresh(),
      onDeltaSync: () => this.#statusFeed.count('delta_sync_runs'),
    });
    this.#reconciler = new TerminalReconcile({
      db: this.db,
      caller: this.#caller,
      logger: () => this.#logger,
      onReconciled: () => {
        this.#statusFeed.count('reconcile_runs');
        this.#statusFeed.refresh();
      },
    });
    this.#statusFeed = new TerminalStatusFeed({
      db: this.db,
      parts: () => ({
        terminalId: identity.terminalId,
        branchId: identity.branchId,
        posId: identity.posId,
        online: this.#online,
        halted: this.#halted,
        catalog: this.#catalog.status(this.#started),
        lastReconcile: this.#reconciler.last,
        inventoryRefused: this.#inventory.refused,
      }),
      logger: () => this.#logger,
    });
    this.#sales = new TerminalSales({
      db: this.db,
      identity,
      currency: init.options.currency,
      nextLocalEventId: init.nextLocalEventId,
      push: {
        wake: (resetBackoff) => this.#worker?.wake(resetBackoff),
        acknowledge: (saleId) => this.#worker?.acknowledge(saleId),
      },
      logger: () => this.#logger,
      closed: () => this.#closed,
      events: {
        onSold: () => this.#statusFeed.count('queued_events'),
        onSynced: () => this.#statusFeed.count('synced_events'),
        onChange: () => this.#statusFeed.refresh(),
      },
    });
    // Local housekeeping: runs offline and before `start()` too.
    this.#retention = new SalesRetention({
      db: this.db,
      settings: {
        retentionMs: init.options.salesRetentionMs,
        batchSize: init.options.salesPruneBatchSize,
        intervalMs: init.options.salesPruneIntervalMs,
      },
      logger: this.#logger.child({ component: 'retention' }),
      onPruned: (count) => {
        this.#statusFeed.count('pruned_events', count);
        this.#statusFeed.refresh();
      },
    });
    this.#retention.start();
  }

  /** The terminal's identity: `terminalId`, `branchId` and this installation's `posId`. */
  get identity(): Readonly<TerminalIdentity> {
    return this.#identity.identity;
  }

  /** Status updates: within 25 ms after a quiet spell, then at most every 250 ms. */
  get status$(): Observable<TerminalStatus> {
    return this.#statusFeed.status$;
  }

  /**
   * Starts syncing (done by `openTerminal` unless `autoStart: false`): checks the stored identity
   * against the cloud's `currentTerminal` first (retrying while the cloud is unreachable; selling
   * goes on meanwhile), then starts the stream replications, the wake-ups and the push worker.
   */
  start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    this.#starting = this.#identity
      .confirm()
      .then((confirmed) => {
        if (!confirmed) return;
        this.#statusFeed.refresh();
        if (!this.#closed && !this.#halted) this.#startSync();
      })
      .catch((error: unknown) => {
        if (!this.#closed) this.#logger.error({ err: error }, 'could not start syncing');
      });
  }

  /** The logger bound to the current identity. */
  get #logger(): Logger {
    return this.#identity.logger;
  }

  get #backoff(): { baseMs: number; capMs: number } {
    return { baseMs: this.#options.backoffBaseMs, capMs: this.#options.backoffCapMs };
  }

  #startSync(): void {
    this.#worker = new SalesPushWorker({
      sales: this.db.sales,
      caller: this.#caller,
      logger: this.#logger.child({ component: 'push' }),
      settings: {
        batchSize: this.#options.pushBatchSize,
        concurrency: this.#options.pushConcurrency,
        maxServerAttempts: this.#options.maxServerAttempts,
        backoffBaseMs: this.#options.backoffBaseMs,
        backoffCapMs: this.#options.backoffCapMs,
      },
      events: {
        onPushed: (at) => {
          this.#statusFeed.pushedAt(at);
          this.#statusFeed.refresh();
        },
        onBooked: () => this.#streams.reSync('sales'),
        onAuthLoss: (code) => this.#halt(code),
      },
    });
    for (const stream of STREAM_ORDER) {
      if (stream !== 'products' && stream !== 'categories') this.#streams.start(stream);
      else this.#catalog.start(stream);
    }
    this.#wakeups = new StreamWakeups({
      wsUrl: toWebSocketUrl(this.#options.serverUrl),
      token: this.#options.token,
      streams: STREAM_ORDER,
      logger: this.#logger.child({ component: 'stream' }),
      backoff: this.#backoff,
      events: {
        onHint: (stream) => this.#streams.reSync(stream),
        onConnected: () => {
          this.#streams.reSyncAll();
          this.#setOnline(true);
        },
        onDisconnected: () => this.#setOnline(false),
        onErrorCode: (code) => this.#onErrorCode(code, 'subscription'),
      },
    });
    this.#worker.start();
  }

  #onPulled(stream: StreamName, checkpoint: Checkpoint | null, documents: number): void {
    this.#statusFeed.pulledAt(new Date());
    this.#catalog.onPulled(stream, checkpoint, documents);
    this.#statusFeed.refresh();
  }

  /**
   * Any answer of the cloud (over HTTP while the stream is down). After an outage, the stream's
   * reconnect backoff may have grown to its cap: reconnect and pull every stream now.
   */
  #onCloudAnswered(): void {
    const wasOffline = !this.#online;
    this.#setOnline(true);
    if (!wasOffline || !this.#wakeups || this.#wakeups.connected) return;
    this.#wakeups.reconnectNow();
    this.#streams.reSyncAll();
  }

  #setOnline(online: boolean): void {
    if (online === this.#online) return;
    this.#online = online;
    this.#logger.info({ online }, online ? 'cloud reachable' : 'cloud unreachable');
    // Back online: push now instead of waiting out a backoff grown while offline.
    if (online) this.#worker?.wake(true);
    this.#statusFeed.refresh();
  }

  #onErrorCode(code: string, operation: string): void {
    if (isAuthLoss(code)) {
      this.#halt(code);
      return;
    }
    if (code === 'POS_CATALOG_RESNAPSHOT_REQUIRED') {
      const stream = operation === 'pullCategories' ? 'categories' : 'products';
      if (operation === 'pullProducts' || operation === 'pullCategories') {
        this.#catalog.resnapshot(stream);
      }
    }
  }

  /**
   * The token stopped working (revoked, or replaced by a re-registration): stop every replication and
   * the push worker so the terminal does not hammer the cloud; selling goes on, sales stay queued.
   */
  #halt(code: string): void {
    if (this.#halted || this.#closed) return;
    this.#halted = code === 'POS_TERMINAL_REVOKED' ? 'revoked' : 'unauthorized';
    this.#logger.error({ errorCode: code }, 'token refused: syncing stopped, selling continues');
    this.#streams.cancelAll();
    void this.#wakeups?.close();
    void this.#worker?.close();
    this.#catalog.notify();
    this.#statusFeed.refresh();
  }

  /**
   * Resolves once the local catalog is complete, so `sell()` finds every product the branch sells:
   * at once on a data dir that holds a catalog (online or not), after the first snapshot on a first
   * run (or after a branch change). A cashier front end shows "loading catalog" until then; selling
   * itself never waits for the network. Rejects with `POS_SYNC_UNAUTHORIZED` when syncing halted
   * (token refused) and with `POS_INPUT_INVALID` when the terminal closed before; with
   * `autoStart: false` it waits for `start()`. Also shown as `status().catalog.ready`.
   */
  catalogReady(): Promise<void> {
    return this.#catalog.ready();
  }

  /**
   * Sells from the local catalog and queues the sale for push. Never touches the network.
   *
   * Atomicity of "the sale and the next localEventId": the counter is derived from the sales
   * collection itself (the largest stored `localEventId` + 1, read once at open; the retention writes
   * a high-water mark before it prunes a sale, see `nextLocalEventId`), so the insert of the sale is
   * the only write: one SQLite transaction with FULL durability. Calls run one at a time through a
   * queue, so two sales cannot take the same number, and the number only advances after the insert
   * committed.
   */
  sell(input: SellInput): Promise<Sale> {
    return this.#sales.sell(input);
  }

  /**
   * Adds `delta` to the branch's on-hand stock of a product (a CRDT `$inc`, merged across terminals).
   * Every argument is checked first (`POS_INPUT_INVALID`): the cloud refuses a row carrying a bad
   * operation, and the operation stays in the row's log.
   */
  adjustInventory(productId: string, delta: number, reason: InventoryReason): Promise<number> {
    return this.#inventory.adjust(productId, delta, reason);
  }

  /**
   * Records a stock count: stored as the difference to the on-hand value this terminal sees, so
   * adjustments made elsewhere meanwhile are kept on top of the count. Arguments checked as above.
   */
  countInventory(productId: string, counted: number): Promise<number> {
    return this.#inventory.count(productId, counted);
  }

  /**
   * An operator's retry of sales the terminal gave up on: a `needs_attention` sale whose error is
   * retryable (the cloud never refused it; it kept failing to store it until `maxServerAttempts`) goes
   * back to the queue with its attempts reset. Sales the cloud refused stay as they are: an operator
   * resolves those in the admin API (accept or discard), which reaches the terminal by pull.
   * Returns the ids requeued (of `saleIds`, or of every sale when omitted).
   */
  requeue(saleIds?: readonly string[]): Promise<string[]> {
    return this.#sales.requeue(saleIds);
  }

  /** Runs the bucket-digest reconcile of both catalog streams and applies the plan. */
  reconcile(): Promise<ReconcileResult> {
    return this.#reconciler.run();
  }

  /**
   * Resolves when the cloud has answered every queued sale (synced, needs_attention, discarded) and
   * every stream has pulled up to the cloud's state at the time of the call. Waits as long as the
   * cloud is unreachable or fails to store sales; a sale the cloud keeps failing to store while nothing
   * else is sold keeps it waiting too (its failures count toward `needs_attention` only beside sales
   * that go through). Race it with a timeout where that matters.
   */
  async awaitInSync(): Promise<void> {
    if (this.#halted)
      throw new PosError('POS_SYNC_UNAUTHORIZED', `syncing halted: ${this.#halted}`);
    await this.#starting;
    if (this.#halted)
      throw new PosError('POS_SYNC_UNAUTHORIZED', `syncing halted: ${this.#halted}`);
    await this.#catalog.awaitSnapshots();
    await this.#streams.awaitPulled();
    this.#worker?.wake(true);
    await this.#sales.awaitNoneQueued();
    await this.#streams.awaitPulled();
  }

  /** The current status, with counts read now. */
  status(): Promise<TerminalStatus> {
    return this.#statusFeed.read();
  }

  /** Stops syncing and closes the database; sales already returned by `sell()` are on disk. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#sales.drain();
    this.#closed = true;
    this.#stopping.abort();
    this.#statusFeed.stop();
    this.#sales.unsubscribe();
    this.#streams.unsubscribe();
    await this.#retention.close();
    // `#starting` is not awaited: an identity check stuck on a silent network finds `#closed` set.
    await this.#worker?.close();
    await this.#wakeups?.close();
    await this.#catalog.settle();
    await this.#streams.close();
    this.#statusFeed.complete();
    this.#catalog.endEvents();
    await this.db.close();
  }
}
