import { computeLineTaxMinor, multiplyMinor } from './money-arithmetic.ts';
import type { SaleLine, SaleTotals } from './sale.ts';

/** The inputs that determine a line's amounts. */
export type SaleLinePricing = Pick<
  SaleLine,
  'quantity' | 'unitPriceMinor' | 'discountMinor' | 'taxRateBps'
>;

/** The computed amounts of one line. */
export type SaleLineAmounts = {
  grossMinor: number;
  netMinor: number;
  taxMinor: number;
  lineTotalMinor: number;
};

/**
 * Computes one line: `gross = quantity * unitPrice`, `net = gross - discount`,
 * `tax = computeLineTaxMinor(net, taxRateBps)` (round half up, per line), `total = net + tax`.
 * Throws a `RangeError` when the discount exceeds the gross amount or an amount leaves the safe-integer
 * range; `validateSale` checks those first and reports them as problems instead.
 */
export function computeSaleLineAmounts(line: SaleLinePricing): SaleLineAmounts {
  const grossMinor = multiplyMinor(line.quantity, line.unitPriceMinor);
  if (grossMinor === null) throw new RangeError('quantity * unitPriceMinor is not a safe integer');
  const netMinor = grossMinor - line.discountMinor;
  if (netMinor < 0) throw new RangeError('discountMinor exceeds the line amount');
  const taxMinor = computeLineTaxMinor(netMinor, line.taxRateBps);
  return { grossMinor, netMinor, taxMinor, lineTotalMinor: netMinor + taxMinor };
}

/**
 * Builds a complete sale line from its identity and pricing, computing tax and total. `originalLine`
 * and `restock` default to null (a line of a sale, not of a return).
 */
export function computeSaleLine(
  line: Omit<SaleLine, 'taxMinor' | 'lineTotalMinor' | 'originalLine' | 'restock'> &
    Partial<Pick<SaleLine, 'originalLine' | 'restock'>>,
): SaleLine {
  const { taxMinor, lineTotalMinor } = computeSaleLineAmounts(line);
  return { originalLine: null, restock: null, ...line, taxMinor, lineTotalMinor };
}

/**
 * Totals of a sale, recomputed from each line's pricing (a line's stored `taxMinor` is not trusted):
 * `subtotal = Σ gross`, `discount = Σ discount`, `tax = Σ per-line tax`, `total = subtotal - discount + tax`.
 * The terminal uses it to build a sale, the server to check one.
 */
export function computeSaleTotals(lines: readonly SaleLinePricing[]): SaleTotals {
  let subtotalMinor = 0;
  let discountMinor = 0;
  let taxMinor = 0;
  for (const line of lines) {
    const amounts = computeSaleLineAmounts(line);
    subtotalMinor += amounts.grossMinor;
    discountMinor += line.discountMinor;
    taxMinor += amounts.taxMinor;
  }
  const totalMinor = subtotalMinor - discountMinor + taxMinor;
  if (!Number.isSafeInteger(subtotalMinor) || !Number.isSafeInteger(totalMinor)) {
    throw new RangeError('sale totals are not safe integers');
  }
  return { subtotalMinor, discountMinor, taxMinor, totalMinor };
}
