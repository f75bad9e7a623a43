import type { Filter } from 'mongodb';
import type { Checkpoint } from '../../../replication/index.ts';
import type { Sale } from '../../../schema/index.ts';
import { PosError } from '../../../schema/index.ts';
import type {
  Connection,
  PageArgs,
  PosGaps,
  PullResult,
  SaleForReturn,
  SaleLookup,
  SalesFilter,
  SalesGroup,
  TerminalScope,
} from '../cloud-store.ts';
import { storedSale } from '../core/return-booking.ts';
import type { ResolvedSalesFilter } from '../core/sales-filter.ts';
import { resolveSalesFilter } from '../core/sales-filter.ts';
import { checkPageSize } from '../cursor.ts';
import { checkLimit } from '../store-input-checks.ts';
import type { Collections, PosProgressDoc, SaleDoc } from './collections.ts';
import type { StreamSeq } from './stream-seq.ts';

/**
 * The stored sales a filter selects, one condition per field of `ResolvedSalesFilter` (the fields
 * SQLite's `SALES_FILTER` tests), so the list, its count and its sums narrow alike.
 */
function salesFilterOf(tenantId: string, filter: SalesFilter): Filter<SaleDoc> {
  const f = resolveSalesFilter(filter);
  const conditions: Record<keyof ResolvedSalesFilter, Filter<SaleDoc> | null> = {
    branchId: f.branchId === null ? null : { branchId: f.branchId },
    terminalId: f.terminalId === null ? null : { terminalId: f.terminalId },
    from: f.from === null ? null : { createdAt: { $gte: f.from } },
    to: f.to === null ? null : { createdAt: { $lt: f.to } },
    invoiceNo: f.invoiceNo === null ? null : { invoiceNo: f.invoiceNo },
    eventKey: f.eventKey === null ? null : { eventKey: f.eventKey },
    kind: f.kind === null ? null : kindFilter(f.kind),
  };
  const all = Object.values(conditions).filter((c) => c !== null);
  return all.length === 0 ? { tenantId } : { tenantId, $and: all };
}

type SalePosition = { ingestedAt: string; branchId: string; invoiceNo: number };

/** Cursors are opaque; inside they are the sale's admin-order position, which never changes. */
function encodeSaleCursor(p: SalePosition): string {
  return Buffer.from(JSON.stringify([p.ingestedAt, p.branchId, p.invoiceNo]), 'utf8').toString(
    'base64url',
  );
}

function decodeSaleCursor(cursor: string | null | undefined): SalePosition | null {
  if (cursor === null || cursor === undefined || cursor === '') return null;
  try {
    const [ingestedAt, branchId, invoiceNo] = JSON.parse(
      Buffer.from(cursor, 'base64url').toString('utf8'),
    ) as unknown[];
    if (
      typeof ingestedAt === 'string' &&
      typeof branchId === 'string' &&
      Number.isInteger(invoiceNo)
    ) {
      return { ingestedAt, branchId, invoiceNo: invoiceNo as number };
    }
  } catch {
    // fall through: any unreadable cursor is the caller's mistake
  }
  throw new PosError('POS_INPUT_INVALID', 'invalid cursor', { cursor });
}

/** Bookings made before sales schema version 2 carry no `kind`: they are sales. */
function kindFilter(kind: Sale['kind']): Filter<SaleDoc> {
  return kind === 'sale' ? { kind: { $nin: ['return', 'settlement'] } } : { kind };
}

/** The kind of a stored booking in an aggregation: absent (before sales schema version 2) is a sale. */
const KIND_OF_BOOKING = { $ifNull: ['$kind', 'sale'] };

/** Reads of sales: the terminal's acknowledgements stream, the admin sales list, lost-sale gaps. */
export class SalesQueries {
  readonly #c: Collections;
  readonly #seq: StreamSeq;

  constructor(collections: Collections, seq: StreamSeq) {
    this.#c = collections;
    this.#seq = seq;
  }

  async pullSales(
    scope: TerminalScope,
    checkpoint: Checkpoint | null,
    limit: number,
  ): Promise<PullResult<Sale>> {
    checkLimit(limit);
    const { tenantId, branchId, terminalId } = scope;
    const { rows, checkpoint: next } = await this.#seq.pull(
      { tenantId, stream: 'sales', scope: branchId },
      checkpoint,
      limit,
      // A range scan of (tenantId, branchId, terminalId, seq).
      (after, n) =>
        this.#c.saleAcks
          .find(
            { tenantId, branchId, terminalId, seq: { $gt: after } },
            { sort: { seq: 1 }, limit: n, projection: { _id: 0, seq: 1, doc: 1 } },
          )
          .toArray(),
      this.#c.saleAcks,
      { tenantId, branchId },
    );
    return {
      documents: rows.map((row) => ({ ...row.doc, _deleted: false })),
      checkpoint: next,
    };
  }

  /** The seq of the terminal's newest acknowledgement: the head of its filtered view of the stream. */
  async terminalAckHead(scope: TerminalScope): Promise<number> {
    const [top] = await this.#c.saleAcks
      .find(
        { tenantId: scope.tenantId, branchId: scope.branchId, terminalId: scope.terminalId },
        { sort: { seq: -1 }, limit: 1, projection: { _id: 0, seq: 1 } },
      )
      .toArray();
    return top?.seq ?? 0;
  }

  /** Booked sales in ingest order: (ingestedAt, branchId, invoiceNo), see `SaleLedger.book`. */
  async querySales(
    tenantId: string,
    filter: SalesFilter,
    page: PageArgs,
  ): Promise<Connection<Sale>> {
    const first = checkPageSize(page.first);
    const after = decodeSaleCursor(page.after);
    const base = salesFilterOf(tenantId, filter);
    const position: Filter<SaleDoc> =
      after === null
        ? {}
        : {
            $or: [
              { ingestedAt: { $gt: after.ingestedAt } },
              { ingestedAt: after.ingestedAt, branchId: { $gt: after.branchId } },
              {
                ingestedAt: after.ingestedAt,
                branchId: after.branchId,
                invoiceNo: { $gt: after.invoiceNo },
              },
            ],
          };
    const [rows, totalCount] = await Promise.all([
      this.#c.sales
        .find(
          { ...base, ...position },
          {
            sort: { ingestedAt: 1, branchId: 1, invoiceNo: 1 },
            limit: first + 1,
            projection: { _id: 0, ingestedAt: 1, branchId: 1, invoiceNo: 1, doc: 1 },
          },
        )
        .toArray(),
      this.#c.sales.countDocuments(base),
    ]);
    const edges = rows
      .slice(0, first)
      .map((row) => ({ cursor: encodeSaleCursor(row), node: row.doc }));
    return {
      totalCount,
      edges,
      pageInfo: { endCursor: edges.at(-1)?.cursor ?? null, hasNextPage: rows.length > first },
    };
  }

  async summarizeSales(tenantId: string, filter: SalesFilter): Promise<SalesGroup[]> {
    const groups = await this.#c.sales
      .aggregate<
        { _id: { currency: string; kind: Sale['kind'] } } & Omit<SalesGroup, 'currency' | 'kind'>
      >([
        { $match: salesFilterOf(tenantId, filter) },
        {
          $group: {
            _id: { currency: '$doc.currency', kind: KIND_OF_BOOKING },
            count: { $sum: 1 },
            subtotalMinor: { $sum: '$doc.totals.subtotalMinor' },
            discountMinor: { $sum: '$doc.totals.discountMinor' },
            taxMinor: { $sum: '$doc.totals.taxMinor' },
            totalMinor: { $sum: '$doc.totals.totalMinor' },
            // Only settlements read their payments, as on SQLite (see `SalesGroup.settledMinor`).
            settledMinor: {
              $sum: {
                $cond: [
                  { $eq: ['$kind', 'settlement'] },
                  { $subtract: [{ $sum: '$doc.payments.amountMinor' }, '$doc.changeMinor'] },
                  0,
                ],
              },
            },
          },
        },
      ])
      .toArray();
    return groups.map(({ _id, ...sums }) => ({ currency: _id.currency, kind: _id.kind, ...sums }));
  }

  async saleForReturn(scope: TerminalScope, by: SaleLookup): Promise<SaleForReturn | null> {
    const found = await this.#c.sales.findOne(
      'saleId' in by
        ? { tenantId: scope.tenantId, id: by.saleId }
        : { tenantId: scope.tenantId, branchId: scope.branchId, invoiceNo: by.invoiceNo },
      { projection: { _id: 0, doc: 1 } },
    );
    const sale = found ? storedSale(found.doc) : null;
    if (!sale || sale.kind !== 'sale' || sale.branchId !== scope.branchId) return null;
    const counter = await this.#c.returnCounters.findOne(
      { tenantId: scope.tenantId, saleId: sale.id },
      { projection: { _id: 0, returned: 1 } },
    );
    return { sale, returned: counter?.returned ?? [] };
  }

  async returnsOf(tenantId: string, saleIds: string[]): Promise<Map<string, Sale[]>> {
    const byOriginal = new Map<string, Sale[]>(saleIds.map((id) => [id, []]));
    const docs = await this.#c.sales
      .find(
        { tenantId, returnOf: { $in: saleIds } },
        {
          sort: { ingestedAt: 1, branchId: 1, invoiceNo: 1 },
          projection: { _id: 0, returnOf: 1, doc: 1 },
        },
      )
      .toArray();
    for (const d of docs) byOriginal.get(d.returnOf!)?.push(d.doc);
    return byOriginal;
  }

  async saleGaps(
    tenantId: string,
    filter: { branchId?: string; terminalId?: string },
  ): Promise<PosGaps[]> {
    const rows = await this.#c.posProgress
      .find(
        {
          tenantId,
          ...(filter.branchId === undefined ? {} : { branchId: filter.branchId }),
          ...(filter.terminalId === undefined ? {} : { terminalId: filter.terminalId }),
        },
        { sort: { terminalId: 1, posId: 1 }, projection: { _id: 0 } },
      )
      .toArray();
    return Promise.all(rows.map((row) => this.#gapsOf(row)));
  }

  /**
   * Only the tail above the stored contiguous prefix is read; the prefix found is stored back with
   * `$max`, so the next call reads less (ingest only raises `highestSeen`, without a transaction it
   * cannot maintain the prefix exactly).
   */
  async #gapsOf(row: PosProgressDoc): Promise<PosGaps> {
    const filter = {
      tenantId: row.tenantId,
      terminalId: row.terminalId,
      posId: row.posId,
      localEventId: { $gt: row.highestContiguous },
    };
    const options = { projection: { _id: 0, localEventId: 1 }, sort: { localEventId: 1 } } as const;
    const [booked, refused] = await Promise.all([
      this.#c.sales.find(filter, options).toArray(),
      this.#c.deadLetters.find(filter, options).toArray(),
    ]);
    const arrived = [...new Set([...booked, ...refused].map((d) => d.localEventId as number))].sort(
      (a, b) => a - b,
    );
    const gaps: { from: number; to: number }[] = [];
    let expected = row.highestContiguous + 1;
    let contiguous = row.highestContiguous;
    for (const id of arrived) {
      if (id > expected) gaps.push({ from: expected, to: id - 1 });
      else if (gaps.length === 0) contiguous = id;
      expected = id + 1;
    }
    if (contiguous > row.highestContiguous) {
      await this.#c.posProgress.updateOne(
        { tenantId: row.tenantId, terminalId: row.terminalId, posId: row.posId },
        { $max: { highestContiguous: contiguous } },
      );
    }
    return {
      tenantId: row.tenantId,
      branchId: row.branchId,
      terminalId: row.terminalId,
      posId: row.posId,
      highestContiguous: contiguous,
      highestSeen: row.highestSeen,
      gaps,
    };
  }
}
