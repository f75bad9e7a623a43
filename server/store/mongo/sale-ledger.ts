import { canonicalJson } from '../../../replication/index.ts';
import type { Sale } from '../../../schema/index.ts';
import { PosError, saleIdempotencyKey } from '../../../schema/index.ts';
import type { BookedEntry } from '../core/account-booking.ts';
import type { ReturnCounter } from '../core/return-booking.ts';
import {
  countReturn,
  emptyReturnCounter,
  returnOriginalId,
  storedSale,
} from '../core/return-booking.ts';
import type { Collections, SaleAckDoc, SaleDoc } from './collections.ts';
import type { StoreLogger, StreamSeq } from './stream-seq.ts';
import { ALLOCATION_ATTEMPTS, collisionPause, duplicateKeyOf } from './stream-seq.ts';

/**
 * A sale to book. `acceptedFrom` is '' for every new booking, an operator's accept included, so that the
 * unique key index admits one booking per key; rows written before may carry a dead letter id.
 */
export type Booking = { sale: Sale; contentHash: string; acceptedFrom: string };

/** What booking one sale came to: the ingested copy, or the unique index that refused it. */
export type BookingResult = { booked: Sale } | { refusedBy: 'event_key' | 'sale_id' };

/** An acknowledgement for the terminal's sales stream. */
export type Ack = { terminalId: string; sale: Sale; ingested: boolean };

/**
 * The write side of sales without transactions: every step is a single-document write guarded by a
 * unique index, ordered so that a crash between steps is repaired by the terminal's redelivery:
 * 1. book (unique idempotency key, unique invoice number per branch, unique sale id);
 * 2. acknowledge (the branch's sales stream, seq by `StreamSeq`) — a redelivered duplicate whose
 *    acknowledgement is missing gets it written then;
 * 3. lost-sale progress (`$max`, idempotent).
 */
export class SaleLedger {
  readonly #c: Collections;
  readonly #seq: StreamSeq;
  readonly #log: StoreLogger;
  readonly #now: () => Date;

  constructor(collections: Collections, seq: StreamSeq, log: StoreLogger, now: () => Date) {
    this.#c = collections;
    this.#seq = seq;
    this.#log = log;
    this.#now = now;
  }

  async salesByKeys(tenantId: string, keys: string[]): Promise<Map<string, SaleDoc[]>> {
    const docs = await this.#c.sales
      .find({ tenantId, eventKey: { $in: keys } }, { projection: { _id: 0 } })
      .toArray();
    const byKey = new Map<string, SaleDoc[]>();
    for (const doc of docs) byKey.set(doc.eventKey, [...(byKey.get(doc.eventKey) ?? []), doc]);
    return byKey;
  }

  /** A booked sale by id, read as a version-2 sale. */
  async saleById(tenantId: string, id: string): Promise<Sale | null> {
    const doc = await this.#c.sales.findOne({ tenantId, id }, { projection: { _id: 0, doc: 1 } });
    return doc ? storedSale(doc.doc) : null;
  }

  /**
   * Changes the return counter of `saleId` without a transaction: reads it, and `alongside` at the same
   * time (what `decide` needs besides); `decide` answers the counter to write (null: nothing to write),
   * written only if the stored one is still the one read. When another ingest, maybe on another
   * instance, changed it first, reads and decides again.
   */
  async updateReturnCounter<A, T>(
    tenantId: string,
    saleId: string,
    alongside: () => Promise<A>,
    decide: (counter: ReturnCounter, read: A) => { write: ReturnCounter | null; answer: T },
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const [counter, read] = await Promise.all([
        this.#returnCounter(tenantId, saleId),
        alongside(),
      ]);
      const { write, answer } = decide(counter, read);
      if (write === null || (await this.#replaceReturnCounter(tenantId, write, counter.version))) {
        return answer;
      }
      if (attempt >= ALLOCATION_ATTEMPTS) {
        throw new PosError('POS_SYNC_STORAGE_FAILED', 'return counter kept changing; retry', {
          saleId,
          attempts: attempt,
        });
      }
      await collisionPause(attempt);
    }
  }

  /** What was returned of `saleId` so far (read on the primary: the conditional update's base). */
  async #returnCounter(tenantId: string, saleId: string): Promise<ReturnCounter> {
    const doc = await this.#c.returnCounters.findOne(
      { tenantId, saleId },
      { projection: { _id: 0, tenantId: 0 }, readConcern: { level: 'local' } },
    );
    return doc ?? emptyReturnCounter(saleId);
  }

  /**
   * Writes `counter` if the stored one is still at `baseVersion` (0: none stored yet): false when
   * another ingest changed it first.
   */
  async #replaceReturnCounter(
    tenantId: string,
    counter: ReturnCounter,
    baseVersion: number,
  ): Promise<boolean> {
    if (baseVersion === 0) {
      try {
        await this.#c.returnCounters.insertOne({ tenantId, ...counter });
        return true;
      } catch (error) {
        if (duplicateKeyOf(error)) return false;
        throw error;
      }
    }
    const result = await this.#c.returnCounters.updateOne(
      { tenantId, saleId: counter.saleId, version: baseVersion },
      { $set: { version: counter.version, returned: counter.returned, applied: counter.applied } },
    );
    return result.matchedCount === 1;
  }

  /**
   * Counts a return an operator accepts (an exception: no bound is checked), idempotent by its id;
   * before its booking, like an ingest, so a crash in between is repaired by accepting again.
   */
  async countAcceptedReturn(tenantId: string, ret: Sale): Promise<void> {
    const originalId = returnOriginalId(ret);
    if (originalId === null) return;
    await this.updateReturnCounter(
      tenantId,
      originalId,
      async () => null,
      (counter) => {
        const next = countReturn(counter, ret);
        return { write: next === counter ? null : next, answer: undefined };
      },
    );
  }

  async saleIdsBooked(tenantId: string, ids: string[]): Promise<Set<string>> {
    const docs = await this.#c.sales
      .find({ tenantId, id: { $in: ids } }, { projection: { _id: 0, id: 1 } })
      .toArray();
    return new Set(docs.map((d) => d.id));
  }

  /** Lost-sale progress: the highest `localEventId` that arrived from each of these installations. */
  async highestArrived(
    tenantId: string,
    terminalId: string,
    posIds: string[],
  ): Promise<Map<string, number>> {
    if (posIds.length === 0) return new Map();
    const docs = await this.#c.posProgress
      .find(
        { tenantId, terminalId, posId: { $in: posIds } },
        { projection: { _id: 0, posId: 1, highestSeen: 1 } },
      )
      .toArray();
    return new Map(docs.map((d) => [d.posId, d.highestSeen]));
  }

  /** Records a booking's account entry (its position, a charge's verification) on its stored copy. */
  async setAccountEntry(tenantId: string, saleId: string, entry: BookedEntry): Promise<void> {
    await this.#c.sales.updateOne(
      { tenantId, id: saleId },
      {
        $set: {
          'doc.accountVerification': entry.verification,
          'doc.accountLedgerSeq': entry.ledgerSeq,
        },
      },
    );
  }

  /**
   * Books sales with the branch's next invoice numbers: read the highest, insert in one ordered
   * `insertMany` with highest+1, +2, …; a duplicate on the invoice index means a concurrent ingest (maybe
   * on another server instance) took the number, so the rest goes again with a fresh highest. Numbers
   * stay unique, increasing and gap-free per branch in ingest order. `ingestedAt` never goes backwards
   * within a branch (instance clocks differ), so the admin order (ingestedAt, branch, invoiceNo) is the
   * ingest order.
   */
  async book(tenantId: string, branchId: string, bookings: Booking[]): Promise<BookingResult[]> {
    const results: BookingResult[] = new Array(bookings.length);
    let pending = bookings.map((booking, i) => ({ booking, i }));
    for (let attempt = 1; pending.length > 0; attempt++) {
      const [top] = await this.#c.sales
        .find(
          { tenantId, branchId },
          {
            sort: { invoiceNo: -1 },
            limit: 1,
            projection: { _id: 0, invoiceNo: 1, ingestedAt: 1 },
            readConcern: { level: 'local' },
          },
        )
        .toArray();
      const now = this.#now().toISOString();
      const ingestedAt = top && top.ingestedAt > now ? top.ingestedAt : now;
      const next = (top?.invoiceNo ?? 0) + 1;
      const docs = pending.map(({ booking }, k) =>
        saleDocOf(tenantId, branchId, booking, next + k, ingestedAt),
      );
      try {
        await this.#c.sales.insertMany(docs, { ordered: true });
        pending.forEach(({ i }, k) => (results[i] = { booked: docs[k]!.doc }));
        return results;
      } catch (error) {
        const duplicate = duplicateKeyOf(error);
        if (!duplicate) throw error;
        pending.slice(0, duplicate.index).forEach(({ i }, k) => {
          results[i] = { booked: docs[k]!.doc };
        });
        const failed = pending[duplicate.index]!;
        const rest = pending.slice(duplicate.index + 1);
        if (duplicate.indexName === 'sale_invoice_no') {
          pending = [failed, ...rest];
        } else {
          // Booked concurrently under the same key, or the id is taken: the caller decides.
          results[failed.i] = {
            refusedBy: duplicate.indexName === 'sale_id' ? 'sale_id' : 'event_key',
          };
          pending = rest;
        }
        if (attempt >= ALLOCATION_ATTEMPTS) {
          throw new PosError('POS_SYNC_STORAGE_FAILED', 'invoice numbering kept colliding; retry', {
            branchId,
            attempts: attempt,
          });
        }
        if (duplicate.indexName === 'sale_invoice_no') {
          this.#log.warn({ tenantId, branchId, attempt }, 'invoice number taken, retrying');
          await collisionPause(attempt);
        }
      }
    }
    return results;
  }

  async acksBySaleId(
    tenantId: string,
    branchId: string,
    saleIds: string[],
  ): Promise<Map<string, SaleAckDoc>> {
    const docs = await this.#c.saleAcks
      .find({ tenantId, branchId, saleId: { $in: saleIds } }, { projection: { _id: 0 } })
      .toArray();
    return new Map(docs.map((d) => [d.saleId, d]));
  }

  /**
   * Writes acknowledgements with new seqs of the branch's sales stream, skipping those already there:
   * an ingested copy already acknowledged, or a refusal when the stream holds the ingested copy of
   * that sale id (the booked copy wins) or the same refusal.
   */
  async acknowledge(tenantId: string, branchId: string, acks: Ack[]): Promise<void> {
    const unique = new Map<string, Ack>();
    for (const ack of acks) {
      const seen = unique.get(ack.sale.id);
      if (!seen || (!seen.ingested && ack.ingested)) unique.set(ack.sale.id, ack);
    }
    const stored = await this.acksBySaleId(tenantId, branchId, [...unique.keys()]);
    const toWrite = [...unique.values()].filter((ack) => {
      const existing = stored.get(ack.sale.id);
      if (!existing) return true;
      if (ack.ingested) return !existing.ingested;
      return !existing.ingested && canonicalJson(existing.doc) !== canonicalJson(ack.sale);
    });
    await this.#seq.write(
      { tenantId, stream: 'sales', scope: branchId },
      this.#c.saleAcks,
      { tenantId, branchId },
      'sale_ack_seq',
      toWrite,
      (ack, seq) => ({
        updateOne: {
          // A refusal never overwrites an ingested copy: its filter does not match one, the upsert
          // then hits the unique sale index and the refusal is dropped.
          filter: {
            tenantId,
            branchId,
            saleId: ack.sale.id,
            ...(ack.ingested ? {} : { ingested: false }),
          },
          update: {
            $set: { terminalId: ack.terminalId, seq, ingested: ack.ingested, doc: ack.sale },
          },
          upsert: true,
        },
      }),
      // The sale's acknowledgement exists and the filter did not match it: an ingested copy a
      // refusal must not overwrite (drop the refusal), or a seq race lost (`withSeqSlot`: again).
      async (ack) => {
        if (ack.ingested) return true;
        const existing = (await this.acksBySaleId(tenantId, branchId, [ack.sale.id])).get(
          ack.sale.id,
        );
        return existing !== undefined && !existing.ingested;
      },
    );
  }

  /** Lost-sale detection: these localEventIds arrived (booked or dead-lettered). */
  async noteEvents(
    tenantId: string,
    branchId: string,
    events: { terminalId: string; posId: string; localEventId: number }[],
  ): Promise<void> {
    const highest = new Map<string, { terminalId: string; posId: string; seen: number }>();
    for (const e of events) {
      const key = `${e.terminalId}\u0000${e.posId}`;
      const prev = highest.get(key);
      highest.set(key, { ...e, seen: Math.max(prev?.seen ?? 0, e.localEventId) });
    }
    if (highest.size === 0) return;
    await this.#c.posProgress.bulkWrite(
      [...highest.values()].map((p) => ({
        updateOne: {
          filter: { tenantId, terminalId: p.terminalId, posId: p.posId },
          update: {
            $max: { highestSeen: p.seen },
            $set: { branchId },
            $setOnInsert: { highestContiguous: 0 },
          },
          upsert: true,
        },
      })),
      { ordered: false },
    );
  }
}

function saleDocOf(
  tenantId: string,
  branchId: string,
  booking: Booking,
  invoiceNo: number,
  ingestedAt: string,
): SaleDoc {
  const { sale } = booking;
  const ingested: Sale = {
    ...sale,
    invoiceNo,
    ingestedAt,
    // Cloud fields: what a terminal sent in them is not the cloud's word (set with the entry).
    accountVerification: null,
    accountLedgerSeq: null,
    syncState: 'synced',
    lastError: null,
    syncAttempts: 0,
  };
  return {
    tenantId,
    id: sale.id,
    branchId,
    terminalId: sale.terminalId,
    posId: sale.posId,
    localEventId: sale.localEventId,
    eventKey: saleIdempotencyKey(sale),
    acceptedFrom: booking.acceptedFrom,
    contentHash: booking.contentHash,
    invoiceNo,
    createdAt: sale.createdAt,
    ingestedAt,
    doc: ingested,
    kind: sale.kind,
    returnOf: returnOriginalId(sale),
  };
}
