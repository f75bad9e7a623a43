import type { Statement } from 'better-sqlite3';
import type { Checkpoint } from '../../../replication/index.ts';
import type { Sale } from '../../../schema/index.ts';
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
import type { ReturnCounter } from '../core/return-booking.ts';
import { storedSale } from '../core/return-booking.ts';
import { resolveSalesFilter } from '../core/sales-filter.ts';
import { checkLimit } from '../store-input-checks.ts';
import { checkPageSize, decodeCursor, encodeCursor } from '../cursor.ts';
import { prepareStatements } from './prepare-statements.ts';
import type { StoreContext } from './store-context.ts';

/**
 * The admin filter of every sales read (`ResolvedSalesFilter` as named parameters): one text, so the
 * list, its count and its sums cannot narrow differently. `kind` is a column, 'sale' on bookings made
 * before sales schema version 2.
 */
const SALES_FILTER = `(@branchId IS NULL OR branch_id = @branchId)
      AND (@terminalId IS NULL OR terminal_id = @terminalId)
      AND (@from IS NULL OR created_at >= @from) AND (@to IS NULL OR created_at < @to)
      AND (@invoiceNo IS NULL OR invoice_no = @invoiceNo)
      AND (@eventKey IS NULL OR event_key = @eventKey)
      AND (@kind IS NULL OR kind = @kind)`;

const SALES_QUERY_SQL = {
  // The per-terminal pull: a range scan of (tenant_id, branch_id, terminal_id, seq).
  selectAcksAfterSeq: `SELECT seq, doc FROM sale_acks
    WHERE tenant_id = ? AND branch_id = ? AND terminal_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
  selectTerminalAckHead: `SELECT max(seq) AS head FROM sale_acks
    WHERE tenant_id = ? AND branch_id = ? AND terminal_id = ?`,
  // Walks the primary key (n) from the cursor and stops at the page's end. `+tenant_id` keeps the
  // planner off the (tenant_id, id) index, whose use meant sorting every sale of the tenant for
  // each page: an export of 100,000 sales sorted them 200 times.
  selectSalesPage: `SELECT n, doc FROM sales WHERE +tenant_id = @tenantId AND ${SALES_FILTER}
      AND n > @after ORDER BY n LIMIT @limit`,
  // Without a filter the count is a scan of the (tenant_id, id) index alone, not of the rows.
  countTenantSales: `SELECT count(*) AS c FROM sales WHERE tenant_id = @tenantId`,
  countSales: `SELECT count(*) AS c FROM sales WHERE tenant_id = @tenantId AND ${SALES_FILTER}`,
  // Only settlements read their payments: the other kinds' payments less change are their totals,
  // and reading every sale's payments costs the sums half again.
  summarizeSales: `SELECT json_extract(doc, '$.currency') AS currency, kind, count(*) AS count,
        sum(json_extract(doc, '$.totals.subtotalMinor')) AS subtotalMinor,
        sum(json_extract(doc, '$.totals.discountMinor')) AS discountMinor,
        sum(json_extract(doc, '$.totals.taxMinor')) AS taxMinor,
        sum(json_extract(doc, '$.totals.totalMinor')) AS totalMinor,
        sum(CASE kind WHEN 'settlement' THEN
          (SELECT coalesce(sum(json_extract(p.value, '$.amountMinor')), 0)
            FROM json_each(doc, '$.payments') AS p) - json_extract(doc, '$.changeMinor')
          ELSE 0 END) AS settledMinor
      FROM sales WHERE tenant_id = @tenantId AND ${SALES_FILTER}
    GROUP BY 1, 2`,
  selectSaleDocById: `SELECT doc FROM sales WHERE tenant_id = ? AND id = ?`,
  selectSaleDocByInvoice: `SELECT doc FROM sales WHERE tenant_id = ? AND branch_id = ? AND invoice_no = ?`,
  selectReturnCounterDoc: `SELECT doc FROM return_counters WHERE tenant_id = ? AND sale_id = ?`,
  selectReturnsOf: `SELECT return_of, doc FROM sales
    WHERE tenant_id = ? AND return_of IN (SELECT value FROM json_each(?)) ORDER BY n`,
  selectPosProgress: `SELECT * FROM pos_progress WHERE tenant_id = @tenantId
      AND (@branchId IS NULL OR branch_id = @branchId)
      AND (@terminalId IS NULL OR terminal_id = @terminalId)
    ORDER BY terminal_id, pos_id`,
  // Only the out-of-order tail above the contiguous prefix is read.
  selectArrivedAbove: `SELECT local_event_id AS id FROM sales
      WHERE tenant_id = @tenantId AND terminal_id = @terminalId AND pos_id = @posId
        AND local_event_id > @above
    UNION SELECT local_event_id FROM dead_letters
      WHERE tenant_id = @tenantId AND terminal_id = @terminalId AND pos_id = @posId
        AND local_event_id > @above
    ORDER BY 1`,
} as const;

/** The named parameters of `SALES_FILTER`. */
function salesFilterParams(tenantId: string, filter: SalesFilter) {
  return { tenantId, ...resolveSalesFilter(filter) };
}

type ProgressRow = {
  tenant_id: string;
  terminal_id: string;
  pos_id: string;
  branch_id: string;
  highest_contiguous: number;
  highest_seen: number;
};

/** Reads of sales: the terminal's acknowledgements stream, the admin sales list, lost-sale gaps. */
export class SalesQueries {
  readonly #ctx: StoreContext;
  readonly #s: Record<keyof typeof SALES_QUERY_SQL, Statement>;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
    this.#s = prepareStatements(ctx.db, SALES_QUERY_SQL);
  }

  pullSales(scope: TerminalScope, checkpoint: Checkpoint | null, limit: number): PullResult<Sale> {
    checkLimit(limit);
    return this.#ctx.db.transaction(() => {
      const key = { tenantId: scope.tenantId, stream: 'sales' as const, scope: scope.branchId };
      const after = this.#ctx.seq.pullBound(key, checkpoint);
      const read = this.#s.selectAcksAfterSeq.all(
        scope.tenantId,
        scope.branchId,
        scope.terminalId,
        after,
        limit + 1,
      ) as { seq: number; doc: string }[];
      const { rows, checkpoint: next } = this.#ctx.seq.page(key, after, read, limit);
      return {
        documents: rows.map((row) => ({ ...(JSON.parse(row.doc) as Sale), _deleted: false })),
        checkpoint: next,
      };
    })();
  }

  /** The seq of the terminal's newest acknowledgement: the head of its filtered view of the stream. */
  terminalAckHead(scope: TerminalScope): number {
    const row = this.#s.selectTerminalAckHead.get(
      scope.tenantId,
      scope.branchId,
      scope.terminalId,
    ) as { head: number | null };
    return row.head ?? 0;
  }

  querySales(tenantId: string, filter: SalesFilter, page: PageArgs): Connection<Sale> {
    const first = checkPageSize(page.first);
    const params = salesFilterParams(tenantId, filter);
    return this.#ctx.db.transaction(() => {
      const rows = this.#s.selectSalesPage.all({
        ...params,
        after: decodeCursor(page.after),
        limit: first + 1,
      }) as { n: number; doc: string }[];
      const unfiltered = Object.entries(params).every(([k, v]) => k === 'tenantId' || v === null);
      const { c } = (
        unfiltered ? this.#s.countTenantSales.get({ tenantId }) : this.#s.countSales.get(params)
      ) as { c: number };
      const edges = rows
        .slice(0, first)
        .map((row) => ({ cursor: encodeCursor(row.n), node: JSON.parse(row.doc) as Sale }));
      return {
        totalCount: c,
        edges,
        pageInfo: { endCursor: edges.at(-1)?.cursor ?? null, hasNextPage: rows.length > first },
      };
    })();
  }

  summarizeSales(tenantId: string, filter: SalesFilter): SalesGroup[] {
    return this.#s.summarizeSales.all(salesFilterParams(tenantId, filter)) as SalesGroup[];
  }

  saleForReturn(scope: TerminalScope, by: SaleLookup): SaleForReturn | null {
    return this.#ctx.db.transaction(() => {
      const row = (
        'saleId' in by
          ? this.#s.selectSaleDocById.get(scope.tenantId, by.saleId)
          : this.#s.selectSaleDocByInvoice.get(scope.tenantId, scope.branchId, by.invoiceNo)
      ) as { doc: string } | undefined;
      const sale = row ? storedSale(JSON.parse(row.doc) as Sale) : null;
      if (!sale || sale.kind !== 'sale' || sale.branchId !== scope.branchId) return null;
      const counter = this.#s.selectReturnCounterDoc.get(scope.tenantId, sale.id) as
        { doc: string } | undefined;
      const returned = counter ? (JSON.parse(counter.doc) as ReturnCounter).returned : [];
      return { sale, returned };
    })();
  }

  returnsOf(tenantId: string, saleIds: string[]): Map<string, Sale[]> {
    const byOriginal = new Map<string, Sale[]>(saleIds.map((id) => [id, []]));
    const rows = this.#s.selectReturnsOf.all(tenantId, JSON.stringify(saleIds)) as {
      return_of: string;
      doc: string;
    }[];
    for (const row of rows) byOriginal.get(row.return_of)?.push(JSON.parse(row.doc) as Sale);
    return byOriginal;
  }

  saleGaps(tenantId: string, filter: { branchId?: string; terminalId?: string }): PosGaps[] {
    const rows = this.#s.selectPosProgress.all({
      tenantId,
      branchId: filter.branchId ?? null,
      terminalId: filter.terminalId ?? null,
    }) as ProgressRow[];
    return rows.map((row) => ({
      tenantId: row.tenant_id,
      branchId: row.branch_id,
      terminalId: row.terminal_id,
      posId: row.pos_id,
      highestContiguous: row.highest_contiguous,
      highestSeen: row.highest_seen,
      gaps: row.highest_seen > row.highest_contiguous ? this.#gapsOf(row) : [],
    }));
  }

  #gapsOf(row: ProgressRow): { from: number; to: number }[] {
    const arrived = (
      this.#s.selectArrivedAbove.all({
        tenantId: row.tenant_id,
        terminalId: row.terminal_id,
        posId: row.pos_id,
        above: row.highest_contiguous,
      }) as { id: number }[]
    ).map((r) => r.id);
    const gaps: { from: number; to: number }[] = [];
    let expected = row.highest_contiguous + 1;
    for (const id of arrived) {
      if (id > expected) gaps.push({ from: expected, to: id - 1 });
      expected = id + 1;
    }
    return gaps;
  }
}
