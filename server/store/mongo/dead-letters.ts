import type { SaleBounds } from '../../../schema/index.ts';
import {
  PosError,
  createUuidV7,
  saleIdempotencyKey,
  saleSchema,
  withSaleV2Defaults,
} from '../../../schema/index.ts';
import type {
  Connection,
  DeadLetter,
  PageArgs,
  RejectedEventFilter,
  TerminalScope,
} from '../cloud-store.ts';
import { bookAccountEntry } from './account-entry.ts';
import type { Customers } from './customers.ts';
import type { AuditLog } from './audit-log.ts';
import type { Collections, DeadLetterDoc } from './collections.ts';
import type { Filter } from 'mongodb';
import { checkPageSize } from '../cursor.ts';
import { decodeIdCursor, encodeIdCursor, pageOf } from './paging.ts';
import type { SaleLedger } from './sale-ledger.ts';

import { deadLetterEventFields, deadLetterIdentity } from '../core/dead-letter-entry.ts';
import type { FiledRefusal, RefusalCode, Refusal } from '../pushed-sale-check.ts';
import {
  checkAcceptedSale,
  hashSaleContent,
  keyAlreadyBooked,
  posIdsOf,
  refusedSaleCopy,
} from '../pushed-sale-check.ts';

export type { Refusal };

/** The dead-letter queue of refused sales and the operator's decisions on it. */
export class DeadLetters {
  readonly #c: Collections;
  readonly #ledger: SaleLedger;
  readonly #customers: Customers;
  readonly #audit: AuditLog;
  readonly #now: () => Date;
  readonly #bounds: SaleBounds;

  constructor(
    collections: Collections,
    ledger: SaleLedger,
    customers: Customers,
    audit: AuditLog,
    now: () => Date,
    bounds: SaleBounds,
  ) {
    this.#c = collections;
    this.#ledger = ledger;
    this.#customers = customers;
    this.#audit = audit;
    this.#now = now;
    this.#bounds = bounds;
  }

  /**
   * Stores a refused payload. The same payload refused again maps to its open entry, or to the entry
   * an operator discarded: a discard is final.
   */
  async record(scope: TerminalScope, payload: unknown, refusal: Refusal): Promise<FiledRefusal> {
    const { payloadJson, payloadHash, eventKey } = deadLetterIdentity(scope, payload, refusal);
    // Null sorts first: the open entry before a discarded one.
    const [filed] = await this.#c.deadLetters
      .find(
        {
          tenantId: scope.tenantId,
          eventKey,
          payloadHash,
          $or: [{ resolvedAt: null }, { resolution: 'discarded' }],
        },
        { projection: { _id: 1, resolvedAt: 1, resolutionNote: 1 } },
      )
      .sort({ resolvedAt: 1 })
      .limit(1)
      .toArray();
    if (filed) {
      const discardNote = filed.resolvedAt === null ? null : (filed.resolutionNote ?? '');
      return { rejectedEventId: filed._id, discardNote };
    }
    const id = createUuidV7();
    await this.#c.deadLetters.insertOne({
      _id: id,
      tenantId: scope.tenantId,
      ...deadLetterEventFields(scope, payload, refusal),
      eventKey,
      problems: refusal.problems,
      payload: payloadJson,
      payloadHash,
      receivedAt: this.#now().toISOString(),
      resolvedAt: null,
      resolution: null,
      resolutionNote: null,
      resolvedBy: null,
    });
    return { rejectedEventId: id, discardNote: null };
  }

  async list(
    tenantId: string,
    filter: RejectedEventFilter,
    page: PageArgs,
  ): Promise<Connection<DeadLetter>> {
    return pageOf(this.#c.deadLetters, this.#filter(tenantId, filter), page, deadLetterOfDoc);
  }

  async head(tenantId: string): Promise<string | null> {
    const newest = await this.#c.deadLetters.findOne(
      { tenantId },
      { sort: { _id: -1 }, projection: { _id: 1 } },
    );
    return newest ? encodeIdCursor(newest._id) : null;
  }

  async after(
    tenantId: string,
    filter: RejectedEventFilter,
    after: string | null,
    limit: number,
  ): Promise<{ entries: DeadLetter[]; cursor: string | null; more: boolean }> {
    const first = checkPageSize(limit);
    const from = decodeIdCursor(after);
    const query = this.#filter(tenantId, filter);
    const docs = await this.#c.deadLetters
      .find(from === null ? query : { ...query, _id: { $gt: from } }, {
        sort: { _id: 1 },
        limit: first + 1,
      })
      .toArray();
    const kept = docs.slice(0, first);
    return {
      entries: kept.map(deadLetterOfDoc),
      cursor: kept.length > 0 ? encodeIdCursor(kept.at(-1)!._id) : after,
      more: docs.length > first,
    };
  }

  #filter(tenantId: string, filter: RejectedEventFilter): Filter<DeadLetterDoc> {
    const status = filter.status ?? 'open';
    return {
      tenantId,
      ...(filter.branchId === undefined ? {} : { branchId: filter.branchId }),
      ...(filter.terminalId === undefined ? {} : { terminalId: filter.terminalId }),
      ...(filter.code === undefined ? {} : { code: filter.code }),
      ...(filter.id === undefined ? {} : { _id: filter.id }),
      ...(status === 'all'
        ? {}
        : { resolvedAt: status === 'open' ? null : { $type: 'string' as const } }),
    };
  }

  /**
   * Books the refused sale as received, after `checkAcceptedSale`. Exactly once per key: booked like an
   * ingested sale (`acceptedFrom` ''), so the unique key index refuses a second booking even when an
   * ingest of the same key races this accept; a booking of the same content under the key is this
   * sale's (an accept again after a crash, or another dead letter of it) and nothing new is booked.
   */
  async accept(tenantId: string, id: string, note: string, actor: string): Promise<DeadLetter> {
    const entry = await this.#requireOpen(tenantId, id);
    const payload: unknown = JSON.parse(entry.payload);
    const progress = await this.#ledger.highestArrived(
      tenantId,
      entry.terminalId,
      posIdsOf([payload]),
    );
    const sale = checkAcceptedSale(
      {
        payload,
        branchId: entry.branchId,
        terminalId: entry.terminalId,
        receivedAt: entry.receivedAt,
      },
      this.#bounds,
      (posId) => progress.get(posId) ?? 0,
    );
    const key = saleIdempotencyKey(sale);
    const contentHash = hashSaleContent(sale);
    const bookedUnderKey = async () =>
      (await this.#ledger.salesByKeys(tenantId, [key])).get(key) ?? [];
    let stored = await bookedUnderKey();
    let booked = stored.find((d) => d.contentHash === contentHash)?.doc;
    if (!booked && stored.length > 0) throw keyAlreadyBooked(key, stored[0]!.invoiceNo);
    if (!booked) {
      // An accepted return is an exception, but its quantities were returned: later returns count them.
      await this.#ledger.countAcceptedReturn(tenantId, sale);
      const [result] = await this.#ledger.book(tenantId, entry.branchId, [
        { sale, contentHash, acceptedFrom: '' },
      ]);
      if (result && 'booked' in result) booked = result.booked;
      else {
        stored = await bookedUnderKey();
        booked = stored.find((d) => d.contentHash === contentHash)?.doc;
        if (!booked && stored.length > 0) throw keyAlreadyBooked(key, stored[0]!.invoiceNo);
        if (!booked)
          throw new PosError('POS_INPUT_INVALID', `a sale with id ${sale.id} is already booked`);
      }
    }
    // An accepted account booking takes its ledger entry like an ingested one (once: keyed by sale).
    booked = await bookAccountEntry(this.#ledger, this.#customers, tenantId, booked);
    const scope = { tenantId, branchId: entry.branchId, terminalId: entry.terminalId };
    await this.#ledger.acknowledge(tenantId, entry.branchId, [
      { terminalId: scope.terminalId, sale: booked, ingested: true },
    ]);
    await this.#resolve(tenantId, id, 'accepted', note, actor);
    await this.#audit.record(tenantId, actor, 'acceptRejectedSale', id, {
      note,
      saleId: sale.id,
      eventKey: key,
      invoiceNo: booked.invoiceNo,
      kind: sale.kind,
      code: entry.code,
    });
    return deadLetterOfDoc((await this.#c.deadLetters.findOne({ tenantId, _id: id }))!);
  }

  /** Closes the entry; a readable sale goes back to its terminal marked as discarded. */
  async discard(tenantId: string, id: string, note: string, actor: string): Promise<DeadLetter> {
    const entry = await this.#requireOpen(tenantId, id);
    const parsed = saleSchema.safeParse(withSaleV2Defaults(JSON.parse(entry.payload)));
    if (parsed.success) {
      await this.#ledger.acknowledge(tenantId, entry.branchId, [
        {
          terminalId: entry.terminalId,
          ingested: false,
          sale: refusedSaleCopy(parsed.data, entry.message, note, entry.code as RefusalCode),
        },
      ]);
    }
    await this.#resolve(tenantId, id, 'discarded', note, actor);
    await this.#audit.record(tenantId, actor, 'discardRejectedSale', id, { note });
    return deadLetterOfDoc((await this.#c.deadLetters.findOne({ tenantId, _id: id }))!);
  }

  async #requireOpen(tenantId: string, id: string): Promise<DeadLetterDoc> {
    const entry = await this.#c.deadLetters.findOne({ tenantId, _id: id });
    if (!entry) throw new PosError('POS_NOT_FOUND', `rejected event ${id} does not exist`);
    if (entry.resolvedAt !== null) {
      throw new PosError(
        'POS_INPUT_INVALID',
        `rejected event ${id} is already ${entry.resolution}`,
      );
    }
    return entry;
  }

  async #resolve(
    tenantId: string,
    id: string,
    resolution: 'accepted' | 'discarded',
    note: string,
    actor: string,
  ): Promise<void> {
    await this.#c.deadLetters.updateOne(
      { tenantId, _id: id, resolvedAt: null },
      {
        $set: {
          resolvedAt: this.#now().toISOString(),
          resolution,
          resolutionNote: note.slice(0, 2000),
          resolvedBy: actor,
        },
      },
    );
  }
}

function deadLetterOfDoc(doc: DeadLetterDoc): DeadLetter {
  return {
    id: doc._id,
    tenantId: doc.tenantId,
    branchId: doc.branchId,
    terminalId: doc.terminalId,
    eventKey: doc.eventKey,
    eventId: doc.eventId,
    kind: 'sale',
    code: doc.code,
    message: doc.message,
    problems: doc.problems,
    payload: JSON.parse(doc.payload) as unknown,
    receivedAt: doc.receivedAt,
    resolvedAt: doc.resolvedAt,
    resolution: doc.resolution,
    resolutionNote: doc.resolutionNote,
    resolvedBy: doc.resolvedBy,
  };
}
