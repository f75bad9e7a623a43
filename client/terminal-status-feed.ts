import type { Logger } from 'pino';
import type { Observable } from 'rxjs';
import { BehaviorSubject } from 'rxjs';
import type { SaleSyncState } from '../schema/index.ts';
import type { TerminalDatabase } from './terminal-database.ts';
import type { TerminalStatus } from './terminal-status.ts';

/** What the other parts of the terminal contribute to its status: all but counts and counters. */
export type StatusParts = Pick<
  TerminalStatus,
  | 'terminalId'
  | 'branchId'
  | 'posId'
  | 'online'
  | 'halted'
  | 'lastReconcile'
  | 'inventoryRefused'
  | 'customersRefused'
  | 'overLimitCharges'
> & { catalog: Omit<TerminalStatus['catalog'], 'products' | 'categories'> };

type SaleCounts = Pick<TerminalStatus, 'queued' | 'synced' | 'needsAttention' | 'discarded'>;

/** The status counters, as `status().counters` shows them. */
export type StatusCounter = keyof TerminalStatus['counters'];

/**
 * The terminal's status: its counters and sync times, the counts read from the collections, and
 * `status$`, refreshed at most every 250 ms.
 */
export class TerminalStatusFeed {
  readonly #db: TerminalDatabase;
  readonly #parts: () => StatusParts;
  readonly #logger: () => Logger;
  readonly #status$: BehaviorSubject<TerminalStatus>;
  readonly #counters: TerminalStatus['counters'] = {
    queued_events: 0,
    synced_events: 0,
    reconcile_runs: 0,
    delta_sync_runs: 0,
    pruned_events: 0,
  };
  #queueDepth = 0;
  #lastPullAt: string | null = null;
  #lastPushAt: string | null = null;
  #timer: NodeJS.Timeout | undefined;
  #lastRefreshAt = 0;
  #stopped = false;

  constructor(init: {
    db: TerminalDatabase;
    /** Read at every refresh. */
    parts: () => StatusParts;
    /** The terminal's current logger (it follows the identity). */
    logger: () => Logger;
  }) {
    this.#db = init.db;
    this.#parts = init.parts;
    this.#logger = init.logger;
    this.#status$ = new BehaviorSubject<TerminalStatus>(
      this.#compose({ queued: 0, synced: 0, needsAttention: 0, discarded: 0 }, 0, 0),
    );
  }

  get status$(): Observable<TerminalStatus> {
    return this.#status$.asObservable();
  }

  /** Queued sales at the last count: sent with every pull, for the cloud's lag view. */
  get queueDepth(): number {
    return this.#queueDepth;
  }

  count(counter: StatusCounter, by = 1): void {
    this.#counters[counter] += by;
  }

  pulledAt(at: Date): void {
    this.#lastPullAt = at.toISOString();
  }

  pushedAt(at: Date): void {
    this.#lastPushAt = at.toISOString();
  }

  /** The current status, with counts read now. */
  async read(): Promise<TerminalStatus> {
    const countOf = (syncState: SaleSyncState) =>
      this.#db.sales.count({ selector: { syncState } }).exec();
    const [queued, synced, needsAttention, discarded, products, categories] = await Promise.all([
      countOf('queued'),
      countOf('synced'),
      countOf('needs_attention'),
      countOf('discarded'),
      this.#db.products.count().exec(),
      this.#db.categories.count().exec(),
    ]);
    this.#queueDepth = queued;
    return this.#compose({ queued, synced, needsAttention, discarded }, products, categories);
  }

  #compose(sales: SaleCounts, products: number, categories: number): TerminalStatus {
    const parts = this.#parts();
    return {
      terminalId: parts.terminalId,
      branchId: parts.branchId,
      posId: parts.posId,
      online: parts.online,
      halted: parts.halted,
      ...sales,
      lastPullAt: this.#lastPullAt,
      lastPushAt: this.#lastPushAt,
      catalog: { products, categories, ...parts.catalog },
      lastReconcile: parts.lastReconcile,
      inventoryRefused: parts.inventoryRefused,
      customersRefused: parts.customersRefused,
      overLimitCharges: parts.overLimitCharges,
      counters: { ...this.#counters },
    };
  }

  /**
   * Refreshes `status$` at most every 250 ms: counts are queries, and a burst of events (a snapshot,
   * a flush of thousands of sales) must not turn into a query storm on the cashier's event loop.
   */
  refresh(): void {
    if (this.#timer || this.#stopped) return;
    // The first change after a quiet spell shows within 25 ms (after the burst it belongs to, not in
    // the middle of it), later ones 250 ms apart.
    const wait = Math.max(25, this.#lastRefreshAt + 250 - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#stopped) return;
      this.#lastRefreshAt = Date.now();
      this.read()
        .then((status) => this.#status$.next(status))
        .catch((error: unknown) => this.#logger().warn({ err: error }, 'status refresh failed'));
    }, wait);
  }

  /** No refresh from now on (the terminal is closing). */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
  }

  /** Ends `status$` (the terminal closed). */
  complete(): void {
    this.#status$.complete();
  }
}
