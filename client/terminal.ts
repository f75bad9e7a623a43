import type { Logger } from 'pino';
import type { Observable } from 'rxjs';
import type { Checkpoint, StreamName } from '../replication/index.ts';
import type {
  Customer,
  CustomerCreate,
  CustomerPatch,
  InventoryReason,
  OfflinePolicy,
  Sale,
} from '../schema/index.ts';
import { PosError } from '../schema/index.ts';
import type { RefundInput } from './build-return.ts';
import type { SellInput } from './build-sale.ts';
import type { SettleInput } from './build-settlement.ts';
import { GraphQLCaller, createObservedFetch } from './graphql-client.ts';
import { IdentityConfirmation } from './identity-confirmation.ts';
import { SalesRetention } from './sales-retention.ts';
import type { TerminalDatabase } from './terminal-database.ts';
import type { TerminalIdentity } from './terminal-identity.ts';
import type { ResolvedTerminalOptions } from './terminal-options.ts';
import type { TerminalStatus } from './terminal-status.ts';
import { TerminalCatalog } from './terminal-catalog.ts';
import type { TerminalAccounts } from './terminal-accounts.ts';
import { TerminalCustomers } from './terminal-customers.ts';
import { TerminalInventory } from './terminal-inventory.ts';
import type { ReconcileResult } from './terminal-reconcile.ts';
import { TerminalReconcile } from './terminal-reconcile.ts';
import type { OfflineLimits } from './offline-limits.ts';
import { TerminalSales } from './terminal-sales.ts';
import { TerminalStatusFeed } from './terminal-status-feed.ts';
import { TerminalStreams } from './terminal-streams.ts';
import { TerminalSync } from './terminal-sync.ts';

export type { ReconcileResult } from './terminal-reconcile.ts';

/**
 * A running terminal: the database and one module per responsibility, composed here (see
 * client/README.md, "Layout of the terminal"). Built by `openTerminal`; see there for the lifecycle.
 */
export class Terminal {
  readonly db: TerminalDatabase;
  readonly #identity: IdentityConfirmation;
  readonly #statusFeed: TerminalStatusFeed;
  readonly #streams: TerminalStreams;
  readonly #sync: TerminalSync;
  readonly #catalog: TerminalCatalog;
  readonly #sales: TerminalSales;
  readonly #inventory: TerminalInventory;
  readonly #customers: TerminalCustomers;
  readonly #accounts: TerminalAccounts;
  readonly #reconciler: TerminalReconcile;
  readonly #retention: SalesRetention;
  readonly #stopping = new AbortController();
  readonly #limits: OfflineLimits;
  readonly #caller: GraphQLCaller;
  readonly #policyRefreshMs: number;
  #policyTimer: NodeJS.Timeout | undefined;
  #started = false;
  #closed = false;
  /** `start()`'s identity check, then the sync start; awaited by `awaitInSync` and `close`. */
  #starting: Promise<void> | undefined;

  constructor(init: {
    db: TerminalDatabase;
    options: ResolvedTerminalOptions;
    /** The logger without the terminal's bindings (they follow the identity). */
    baseLogger: Logger;
    identity: TerminalIdentity;
    /** Whether the identity comes straight from the cloud (first run). */
    identityConfirmed: boolean;
    nextLocalEventId: number;
    /** The sales read at open: what was returned of each original, the offline exposure. */
    sales: readonly Sale[];
    limits: OfflineLimits;
    /** This terminal's account events, read at open. */
    accounts: TerminalAccounts;
  }) {
    this.db = init.db;
    this.#limits = init.limits;
    this.#accounts = init.accounts;
    const identity = init.identity;
    const fetch = createObservedFetch(
      {
        onReachable: () => {
          const reconnected = !this.#sync.online;
          this.#limits.contacted();
          this.#sync.onCloudAnswered();
          if (reconnected && this.#started) void this.#limits.refresh(caller);
        },
        onUnreachable: () => this.#sync.setOnline(false),
        onErrorCode: (code, operation) => this.#sync.onErrorCode(code, operation),
      },
      30_000,
      (request) => this.#sync.request(request),
    );
    const caller = new GraphQLCaller(init.options.serverUrl, init.options.token, fetch);
    this.#caller = caller;
    this.#policyRefreshMs = init.options.offlinePolicyRefreshMs;
    this.#identity = new IdentityConfirmation({
      identity,
      confirmed: init.identityConfirmed,
      db: this.db,
      caller,
      baseLogger: init.baseLogger,
      backoff: { baseMs: init.options.backoffBaseMs, capMs: init.options.backoffCapMs },
      signal: this.#stopping.signal,
      exclusive: (task) => this.#sales.exclusive(task),
      closed: () => this.#closed,
      halted: () => this.#sync.halted !== null,
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
        onCustomersPushed: (pushed, refused) => this.#customers.onPushed(pushed, refused),
      },
      logger: () => this.#logger,
    });
    this.#inventory = new TerminalInventory({
      db: this.db,
      identity,
      logger: () => this.#logger,
      onChange: () => this.#statusFeed.refresh(),
    });
    this.#customers = new TerminalCustomers({
      db: this.db,
      identity,
      logger: () => this.#logger,
      onChange: () => this.#statusFeed.refresh(),
    });
    this.#catalog = new TerminalCatalog({
      db: this.db,
      caller,
      identity,
      streams: this.#streams,
      logger: () => this.#logger,
      closed: () => this.#closed,
      halted: () => this.#sync.halted,
      onChange: () => this.#statusFeed.refresh(),
      onDeltaSync: () => this.#statusFeed.count('delta_sync_runs'),
    });
    this.#reconciler = new TerminalReconcile({
      db: this.db,
      caller,
      logger: () => this.#logger,
      onReconciled: () => {
        this.#statusFeed.count('reconcile_runs');
        this.#statusFeed.refresh();
      },
    });
    this.#sync = new TerminalSync({
      db: this.db,
      caller,
      options: init.options,
      streams: this.#streams,
      logger: () => this.#logger,
      closed: () => this.#closed,
      events: {
        startCatalog: (stream) => this.#catalog.start(stream),
        resnapshot: (stream) => this.#catalog.resnapshot(stream),
        onHalted: () => this.#catalog.notify(),
        onPushed: (at) => {
          this.#statusFeed.pushedAt(at);
          this.#statusFeed.refresh();
        },
        onChange: () => this.#statusFeed.refresh(),
      },
    });
    this.#statusFeed = new TerminalStatusFeed({
      db: this.db,
      parts: () => ({
        terminalId: identity.terminalId,
        branchId: identity.branchId,
        posId: identity.posId,
        online: this.#sync.online,
        halted: this.#sync.halted,
        catalog: this.#catalog.status(this.#started),
        lastReconcile: this.#reconciler.last,
        inventoryRefused: this.#inventory.refused,
        customersRefused: this.#customers.refused,
        overLimitCharges: this.#accounts.overLimitCharges,
      }),
      logger: () => this.#logger,
    });
    this.#sales = new TerminalSales({
      db: this.db,
      sales: init.sales,
      caller,
      contact: () => this.#limits.state(this.#sync.online),
      limits: this.#limits,
      restock: (productId, quantity) => this.#inventory.adjust(productId, quantity, 'return'),
      identity,
      currency: init.options.currency,
      nextLocalEventId: init.nextLocalEventId,
      accounts: init.accounts,
      customers: this.#customers,
      push: {
        wake: (resetBackoff) => this.#sync.wakePush(resetBackoff),
        acknowledge: (saleId) => this.#sync.acknowledge(saleId),
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

  /**
   * The offline limits in force as this terminal last pulled them (kept in its file): pulled at
   * start, on reconnect and every `offlinePolicyRefreshMs` while online.
   */
  get offlinePolicy(): Readonly<OfflinePolicy> {
    return this.#limits.policy;
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
        if (!this.#closed && !this.#sync.halted) this.#sync.start();
        void this.#limits.refresh(this.#caller);
        this.#policyTimer = setInterval(() => {
          if (this.#sync.online && !this.#closed) void this.#limits.refresh(this.#caller);
        }, this.#policyRefreshMs);
        this.#policyTimer.unref();
      })
      .catch((error: unknown) => {
        if (!this.#closed) this.#logger.error({ err: error }, 'could not start syncing');
      });
  }

  /** The logger bound to the current identity. */
  get #logger(): Logger {
    return this.#identity.logger;
  }

  #onPulled(stream: StreamName, checkpoint: Checkpoint | null, documents: number): void {
    this.#statusFeed.pulledAt(new Date());
    this.#catalog.onPulled(stream, checkpoint, documents);
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
   *
   * With `customerId` the sale names a customer (followed to the one it was merged into); an
   * `account` payment charges their account after the offline credit check: available = credit
   * limit − last synced balance − this terminal's unsynced charges + its unsynced settlements
   * (docs/design.md#accounts). Beyond it: `POS_CREDIT_LIMIT_EXCEEDED` unless `override` names that
   * code (recorded on the sale, audited by the cloud); an account on hold or closed:
   * `POS_ACCOUNT_NOT_ACTIVE`. The check's figures are recorded as `accountCheck`.
   */
  sell(input: SellInput): Promise<Sale> {
    return this.#sales.sell(input);
  }

  /**
   * Returns goods of a sale (docs/design.md#returns): writes a sale document of kind `return` that
   * points at the original and its lines, priced from the original lines pro rata (never from today's
   * catalog), through the same queue, `localEventId` and push as `sell()`. Restocked lines go back
   * into branch inventory (a CRDT `$inc` with reason `return`). A sale this terminal holds is returned
   * offline too, checked against the returns it holds; another terminal's sale is fetched from the
   * cloud while online, or returned from its `receipt` offline (`source: 'unverified'`, verified by
   * the cloud at ingest). Throws `POS_RETURN_EXCEEDS_SOLD`, `POS_RETURN_ORIGINAL_UNKNOWN`,
   * `POS_SYNC_OFFLINE` (another terminal's sale offline without its receipt) or `POS_INPUT_INVALID`.
   */
  refund(input: RefundInput): Promise<Sale> {
    return this.#sales.refund(input);
  }

  /**
   * Records a customer paying down their account (a `settlement`: no lines, payments by any method
   * but `account`, cash beyond `amountMinor` handed back), through the same queue, counter and push
   * as sales. The customer is followed to the one it was merged into; any account status is accepted.
   */
  settle(input: SettleInput): Promise<Sale> {
    return this.#sales.settle(input);
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
   * Creates a customer here, online or not: a UUIDv7 id, the fields given (`name` required; checked,
   * `POS_INPUT_INVALID`), every field stamped with this installation's hybrid logical clock. Pushed
   * to the cloud and every terminal of the tenant; the cloud flags likely duplicates for an operator.
   */
  createCustomer(input: CustomerCreate): Promise<Customer> {
    return this.#customers.create(input);
  }

  /**
   * Changes fields of a customer (followed to the customer it was merged into), each stamped with a
   * clock later than any this terminal saw for the customer. Edits of other fields elsewhere are
   * kept; of the same field, the later clock wins.
   */
  updateCustomer(id: string, patch: CustomerPatch): Promise<Customer> {
    return this.#customers.update(id, patch);
  }

  /** A customer as this terminal holds it, followed to the customer it was merged into. */
  customer(id: string): Promise<Customer> {
    return this.#customers.resolve(id);
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
    if (this.#sync.halted)
      throw new PosError('POS_SYNC_UNAUTHORIZED', `syncing halted: ${this.#sync.halted}`);
    await this.#starting;
    if (this.#sync.halted)
      throw new PosError('POS_SYNC_UNAUTHORIZED', `syncing halted: ${this.#sync.halted}`);
    await this.#catalog.awaitSnapshots();
    await this.#streams.awaitPulled();
    this.#sync.wakePush(true);
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
    clearInterval(this.#policyTimer);
    this.#stopping.abort();
    this.#statusFeed.stop();
    this.#sales.unsubscribe();
    this.#accounts.unsubscribe();
    this.#streams.unsubscribe();
    await this.#retention.close();
    // `#starting` is not awaited: an identity check stuck on a silent network finds `#closed` set.
    await this.#sync.close();
    await this.#catalog.settle();
    await this.#streams.close();
    this.#statusFeed.complete();
    this.#catalog.endEvents();
    await this.db.close();
  }
}
