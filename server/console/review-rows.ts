import { diffFields } from './diff-fields.ts';

/** A refused sale's review as the console reads it from `rejectedEventReview`. */
export type ReviewAnswer = {
  event: { payload: unknown; branchId: string };
  computedLines: {
    index: number;
    taxMinor: number | null;
    lineTotalMinor: number | null;
    problem: string | null;
  }[];
  computedTotals: Record<string, number> | null;
  bookedSale: Record<string, unknown> | null;
  catalog: {
    productId: string;
    found: boolean;
    priceMinor: number | null;
    taxRateBps: number | null;
    changedSinceSale: boolean;
  }[];
};

/** Where a value of the cloud column comes from. */
export type ReviewSource = 'computed' | 'catalog' | 'catalogChanged' | 'booked';

/** One row of the side-by-side view. */
export type ReviewRow = {
  field: string;
  pushed: unknown;
  cloud: unknown;
  source: ReviewSource;
  differs: boolean;
  /** Money fields are shown in the sale's currency. */
  money: boolean;
};

/** The content fields a booked copy is compared on (the cloud adds invoiceNo and ingestedAt). */
const BOOKED_FIELDS = [
  'id',
  'terminalId',
  'posId',
  'localEventId',
  'branchId',
  'cashierId',
  'createdAt',
  'currency',
  'lines',
  'totals',
  'payments',
  'changeMinor',
] as const;

const MONEY = /Minor$/;

/**
 * The rows of the side-by-side view: the pushed totals and line amounts against the cloud's
 * recomputation, each line's price and tax rate against the catalog now, and, when a sale is booked
 * under the same key, every content field against the booked copy. `differs` marks exactly the
 * fields whose values are not equal.
 */
export function reviewRows(review: ReviewAnswer): ReviewRow[] {
  const payload = (review.event.payload ?? {}) as Record<string, any>;
  const rows: ReviewRow[] = [];
  const add = (field: string, pushed: unknown, cloud: unknown, source: ReviewSource) =>
    rows.push({
      field,
      pushed,
      cloud,
      source,
      differs: diffFields(pushed, cloud).length > 0,
      money: MONEY.test(field),
    });
  const totals = (payload['totals'] ?? {}) as Record<string, unknown>;
  for (const key of ['subtotalMinor', 'discountMinor', 'taxMinor', 'totalMinor']) {
    add(`totals.${key}`, totals[key], review.computedTotals?.[key] ?? null, 'computed');
  }
  const lines = Array.isArray(payload['lines']) ? (payload['lines'] as Record<string, any>[]) : [];
  const catalog = new Map(review.catalog.map((c) => [c.productId, c]));
  lines.forEach((line, i) => {
    const computed = review.computedLines[i];
    add(`lines.${i}.taxMinor`, line?.['taxMinor'], computed?.taxMinor ?? null, 'computed');
    add(
      `lines.${i}.lineTotalMinor`,
      line?.['lineTotalMinor'],
      computed?.lineTotalMinor ?? null,
      'computed',
    );
    const product = catalog.get(line?.['productId']);
    if (product) {
      const source = product.changedSinceSale ? 'catalogChanged' : 'catalog';
      add(
        `lines.${i}.unitPriceMinor`,
        line?.['unitPriceMinor'],
        product.found ? product.priceMinor : null,
        source,
      );
      add(
        `lines.${i}.taxRateBps`,
        line?.['taxRateBps'],
        product.found ? product.taxRateBps : null,
        source,
      );
    }
  });
  if (review.bookedSale) {
    const booked = review.bookedSale;
    for (const key of BOOKED_FIELDS) {
      const pushedValue = payload[key];
      const bookedValue = booked[key];
      if (key === 'lines' || key === 'totals' || key === 'payments') {
        // One row per differing leaf, and one for the whole when they agree.
        const differences = diffFields(pushedValue, bookedValue);
        if (differences.length === 0) add(key, pushedValue, bookedValue, 'booked');
        for (const d of differences) add(`${key}.${d.path}`, d.left, d.right, 'booked');
      } else {
        add(key, pushedValue, bookedValue, 'booked');
      }
    }
  }
  return rows;
}
