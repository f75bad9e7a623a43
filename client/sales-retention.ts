import type { Logger } from 'pino';
import type { Sale } from '../schema/index.ts';
import type { TerminalDatabase } from './terminal-database.ts';

/** RxDB local document holding the largest `localEventId` of every sale the retention pruned. */
const HIGH_WATER_KEY = 'sales-high-water';

type HighWater = { localEventId: number };

/** The largest `localEventId` the retention ever pruned (0 when it pruned nothing). */
async function readHighWater(db: TerminalDatabase): Promise<number> {
  const stored = await db.getLocal<HighWater>(HIGH_WATER_KEY);
  return stored ? (stored.toJSON().data as HighWater).localEventId : 0;
}

/**
 * The next `localEventId`: one more than any stored sale's and than the high-water mark the
 * retention left for the sales it pruned, so a number is never used twice, even when the sale that
 * held the largest one was pruned.
 */
export async function nextLocalEventId(db: TerminalDatabase): Promise<number> {
  return (await readSalesAtOpen(db)).nextLocalEventId;
}

/**
 * The one scan of the stored sales at open: the next `localEventId` (see `nextLocalEventId`) and
 * the sales themselves, from which the terminal derives what it returned of each original and its
 * offline exposure (docs/design.md#selling), so neither is a second counter a crash could skew.
 */
export async function readSalesAtOpen(
  db: TerminalDatabase,
): Promise<{ nextLocalEventId: number; sales: Sale[] }> {
  let max = await readHighWater(db);
  const sales = (await db.sales.find().exec()).map((doc) => doc.toJSON() as Sale);
  for (const sale of sales) max = Math.max(max, sale.localEventId);
  return { nextLocalEventId: max + 1, sales };
}

/**
 * One batch of the retention: up to `batchSize` settled sales (synced, with the cloud's invoice
 * number) created before `before`, oldest first. Queued, refused (`needs_attention`) and discarded
 * sales are never pruned. The high-water mark is written (FULL durability) before the sales go; the
 * sales are removed with the revisions read, so one that changed meanwhile stays. Returns how many
 * sales were pruned and whether more may be left; `purgePrunedSales` then frees their rows.
 */
export async function pruneSalesBatch(
  db: TerminalDatabase,
  before: Date,
  batchSize: number,
): Promise<{ pruned: number; more: boolean }> {
  const settled = await db.sales
    .find({
      selector: {
        syncState: 'synced',
        createdAt: { $lt: before.toISOString() },
        invoiceNo: { $ne: null },
      },
      sort: [{ createdAt: 'asc' }],
      limit: batchSize,
    })
    .exec();
  let pruned = 0;
  if (settled.length > 0) {
    const highest = Math.max(...settled.map((doc) => (doc.toJSON() as Sale).localEventId));
    const highWater = await readHighWater(db);
    if (highest > highWater) {
      await db.upsertLocal<HighWater>(HIGH_WATER_KEY, { localEventId: highest });
    }
    // A sale changed since it was read is left alone (its removal conflicts) and read again next time.
    pruned = (await db.sales.bulkRemove(settled)).success.length;
  }
  return { pruned, more: settled.length === batchSize };
}

/**
 * Purges the tombstones the retention left from the file (RxDB keeps a removed document until a
 * cleanup). Immediately: the sales stream is pull-only, so no deletion is ever pushed and nothing
 * waits for them. One scan of the table, so once per pass rather than per batch.
 */
export async function purgePrunedSales(db: TerminalDatabase): Promise<void> {
  await db.sales.storageInstance.cleanup(0);
}

/** Settings of the sales retention (see `terminalOptionsSchema`). */
export type SalesRetentionSettings = {
  /** Settled sales older than this are pruned; 0 keeps every sale. */
  retentionMs: number;
  batchSize: number;
  intervalMs: number;
};

/**
 * Prunes settled sales older than the retention in the background: a pass at start and every
 * `intervalMs`, in batches of `batchSize` with the event loop free between them, so `sell()` is
 * never held up by more than one batch's write.
 */
export class SalesRetention {
  readonly #db: TerminalDatabase;
  readonly #settings: SalesRetentionSettings;
  readonly #logger: Logger;
  readonly #onPruned: (count: number) => void;
  #timer: NodeJS.Timeout | undefined;
  #pass: Promise<void> | undefined;
  #closed = false;
  #passes = 0;

  constructor(init: {
    db: TerminalDatabase;
    settings: SalesRetentionSettings;
    logger: Logger;
    onPruned: (count: number) => void;
  }) {
    this.#db = init.db;
    this.#settings = init.settings;
    this.#logger = init.logger;
    this.#onPruned = init.onPruned;
  }

  /** Schedules the first pass now and the next ones every `intervalMs`. */
  start(): void {
    if (this.#settings.retentionMs === 0 || this.#closed) return;
    this.#schedule(0);
  }

  #schedule(delayMs: number): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#pass = this.#runPass().finally(() => {
        this.#pass = undefined;
        this.#schedule(this.#settings.intervalMs);
      });
    }, delayMs);
  }

  async #runPass(): Promise<void> {
    const before = new Date(Date.now() - this.#settings.retentionMs);
    let total = 0;
    try {
      for (;;) {
        if (this.#closed) break;
        const { pruned, more } = await pruneSalesBatch(this.#db, before, this.#settings.batchSize);
        total += pruned;
        if (pruned > 0) this.#onPruned(pruned);
        if (!more) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      // The first pass also purges tombstones a crash left between a removal and its purge.
      if (!this.#closed && (total > 0 || this.#passes === 0)) await purgePrunedSales(this.#db);
    } catch (error) {
      if (!this.#closed) this.#logger.warn({ err: error }, 'sales retention pass failed');
    }
    this.#passes += 1;
    if (total > 0) this.#logger.info({ pruned: total, before }, 'settled sales pruned');
  }

  /** Stops the schedule and waits for a pass under way (it stops after its current batch). */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#pass;
  }
}
