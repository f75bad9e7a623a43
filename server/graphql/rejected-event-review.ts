import type { Sale, SaleTotals } from '../../schema/index.ts';
import {
  PosError,
  computeSaleLineAmounts,
  computeSaleTotals,
  idSchema,
  saleLineSchema,
  toBranchProduct,
} from '../../schema/index.ts';
import type { CloudStore, DeadLetter } from '../store/index.ts';

/** One line of the pushed sale as the cloud computes it from the line's own pricing. */
export type ComputedLine = {
  index: number;
  taxMinor: number | null;
  lineTotalMinor: number | null;
  /** Why the line cannot be computed (a shape problem), else null. */
  problem: string | null;
};

/** The catalog's product for a line: the current record, with the branch price applied. */
export type CatalogPrice = {
  productId: string;
  found: boolean;
  sku: string | null;
  name: string | null;
  priceMinor: number | null;
  currency: string | null;
  taxRateBps: number | null;
  updatedAt: string | null;
  /**
   * The product changed after the sale was made: the price shown is today's, not the one at the time
   * of the sale (the cloud keeps no price history).
   */
  changedSinceSale: boolean;
};

/** What an operator compares a refused sale with. */
export type RejectedEventReview = {
  event: DeadLetter;
  computedLines: ComputedLine[];
  /** Totals recomputed from the lines' pricing; null when a line cannot be computed. */
  computedTotals: SaleTotals | null;
  /** The sale booked under the same idempotency key, if any. */
  bookedSale: Sale | null;
  catalog: CatalogPrice[];
};

/** Most lines whose products are looked up (a sale holds at most 1,000). */
const LINES_MAX = 1000;

/**
 * Recomputes what the cloud would compute for a refused sale, from the payload as received (which
 * may be any JSON), and gathers what the cloud holds for it: the booked copy under the same key and
 * the catalog records of its products.
 */
export async function reviewRejectedEvent(
  store: CloudStore,
  tenantId: string,
  id: string,
): Promise<RejectedEventReview> {
  const [event] = (
    await store.listRejectedEvents(tenantId, { id, status: 'all' }, { first: 1 })
  ).edges.map((e) => e.node);
  if (!event) throw new PosError('POS_NOT_FOUND', `no rejected event ${id}`);
  const payload = (event.payload ?? {}) as Record<string, unknown>;
  const rawLines = Array.isArray(payload['lines']) ? payload['lines'].slice(0, LINES_MAX) : [];
  const computedLines = rawLines.map((raw, index) => computeLine(raw, index));
  const computedTotals = computedLines.every((l) => l.problem === null)
    ? totalsOf(rawLines as Sale['lines'])
    : null;
  const booked = await store.querySales(tenantId, { eventKey: event.eventKey }, { first: 1 });
  const productIds = [
    ...new Set(
      rawLines
        .map((l) => (l as Record<string, unknown> | null)?.['productId'])
        .filter((v): v is string => idSchema.safeParse(v).success),
    ),
  ];
  const products = productIds.length > 0 ? await store.getProducts(tenantId, productIds) : [];
  const byId = new Map(products.map((p) => [p.id, p]));
  const createdAt = typeof payload['createdAt'] === 'string' ? payload['createdAt'] : null;
  const catalog = productIds.map((productId): CatalogPrice => {
    const product = byId.get(productId);
    const view = product ? toBranchProduct(product, event.branchId) : null;
    const shown = view ?? product;
    return {
      productId,
      found: product !== undefined,
      sku: shown?.sku ?? null,
      name: shown?.name ?? null,
      priceMinor: shown?.priceMinor ?? null,
      currency: shown?.currency ?? null,
      taxRateBps: shown?.taxRateBps ?? null,
      updatedAt: shown?.updatedAt ?? null,
      changedSinceSale:
        shown !== undefined && createdAt !== null ? shown.updatedAt > createdAt : false,
    };
  });
  return {
    event,
    computedLines,
    computedTotals,
    bookedSale: booked.edges[0]?.node ?? null,
    catalog,
  };
}

function computeLine(raw: unknown, index: number): ComputedLine {
  const parsed = saleLineSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      index,
      taxMinor: null,
      lineTotalMinor: null,
      problem: `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid line'}`,
    };
  }
  try {
    const amounts = computeSaleLineAmounts(parsed.data);
    return {
      index,
      taxMinor: amounts.taxMinor,
      lineTotalMinor: amounts.lineTotalMinor,
      problem: null,
    };
  } catch (error) {
    return { index, taxMinor: null, lineTotalMinor: null, problem: (error as Error).message };
  }
}

function totalsOf(lines: Sale['lines']): SaleTotals | null {
  try {
    return computeSaleTotals(lines);
  } catch {
    return null;
  }
}
