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
  SalesSummary,
  SalesTotals,
  TerminalScope,
} from '../cloud-store.ts';
import { storedSale } from '../core/return-booking.ts';
import type { SummaryRow } from '../core/sales-summary.ts';
import { summarize } from '../core/sales-summary.ts';
import { checkPageSize } from '../cursor.ts';
import { checkLimit } from '../store-input-checks.ts';
import type { Collections, PosProgressDoc, SaleDoc } from './collections.ts';
import type { StreamSeq } from './stream-seq.ts';

/** The stored sales a filter selects (the same fields SQLite filters on). */
function salesFilterOf(tenantId: string, filter: SalesFilter): Filter<SaleDoc> {
  const created =
    filter.from === undefined && filter.to === undefined
      ? {}
      : {
          createdAt: {
            ...(filter.from === undefined ? {} : { $gte: filter.from }),
            ...(filter.to === undefined ? {} : { $lt: filter.to }),
          },
        };
  return {
    tenantId,
    ...(filter.branchId === undefined ? {} : { branchId: filter.branchId }),
    ...(filter.terminalId === undefined ? {} : { terminalId: filter.terminalId }),
    ...(filter.invoiceNo === undefined ? {} : { invoiceNo: filter.invoiceNo }),
    ...(filter.eventKey === undefined ? {} : { eventKey: filter.eventKey }),
    ...created,
    ...kindFilter(filter.kind),
  };
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
function kindFilter(kind: Sale['kind'] | undefined): Filter<SaleDoc> {
  if (kind === undefined) return {};
  return kind === 'sale' ? { kind: { $nin: ['return', 'settlement'] } } : { kind };
}

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

  async summarizeSales(tenantId: string, filter: SalesFilter): Promise<SalesTotals> {
    const groups = await this.#c.sales
      .aggregate<{ _id: unknown } & Omit<SalesTotals['currencies'][number], 'currency'>>([
        { $match: salesFilterOf(tenantId, filter) },
        {
          $group: {
            _id: '$doc.currency',
            count: { $sum: 1 },
            subtotalMinor: { $sum: '$doc.totals.subtotalMinor' },
            discountMinor: { $sum: '$doc.totals.discountMinor' },
            taxMinor: { $sum: '$doc.totals.taxMinor' },
            totalMinor: { $sum: '$doc.totals.totalMinor' },
          },
        },
      ])
      .toArray();
    const currencies = groups
      .map((c) => ({
        currency: String(c._id),
        count: c.count,
        subtotalMinor: c.subtotalMinor,
        discountMinor: c.discountMinor,
        taxMinor: c.taxMinor,
        totalMinor: c.totalMinor,
      }))
      .sort((a, b) => (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0));
    return { count: currencies.reduce((n, c) => n + c.count, 0), currencies };
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

  async salesSummary(tenantId: string, filter: SalesFilter): Promise<SalesSummary[]> {
    const groups = await this.#c.sales
      .aggregate<{
        _id: { currency: string; kind: Sale['kind'] | null };
        c: number;
        total: number;
      }>([
        // `kind` is what the summary breaks down by, not a filter of it.
        { $match: salesFilterOf(tenantId, { ...filter, kind: undefined }) },
        {
          $group: {
            _id: { currency: '$doc.currency', kind: '$kind' },
            c: { $sum: 1 },
            total: { $sum: '$doc.totals.totalMinor' },
          },
        },
      ])
      .toArray();
    // Bookings made before sales schema version 2 carry no kind: they are sales.
    const rows: SummaryRow[] = groups.map((g) => ({
      currency: g._id.currency,
      kind: g._id.kind ?? 'sale',
      c: g.c,
      total: g.total,
    }));
    return summarize(rows);
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
