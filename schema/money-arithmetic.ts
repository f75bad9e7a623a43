/*
 * Money arithmetic without zod: `sale-totals.ts` (and through it the cashier page) uses these, and the
 * page's bundle stays free of zod.
 */

/** Basis points in a whole (100 %). */
export const BPS_PER_UNIT = 10_000;

/**
 * Tax on one line's net amount: `round_half_up(netMinor * taxRateBps / 10000)`.
 *
 * The rounding rule of the whole project, in one place:
 * - Line prices are tax-exclusive; tax is computed per line, then summed. Per-line rounding is what a
 *   receipt shows, so a customer or auditor can recompute every printed line.
 * - Half-up (ties away from zero; amounts are never negative) rather than banker's rounding, because it is
 *   the "commercial rounding" tax authorities and receipts use, and a cashier checking by hand expects it.
 *   The bias of half-up (at most half a minor unit per line, only on exact ties) is accepted for that.
 * - Integer arithmetic only, in BigInt: `netMinor * taxRateBps` can exceed 2^53 for large amounts, and a
 *   float division could round a quotient just below an integer up to it.
 */
export function computeLineTaxMinor(netMinor: number, taxRateBps: number): number {
  if (!Number.isSafeInteger(netMinor) || netMinor < 0) {
    throw new RangeError(`netMinor must be a non-negative safe integer, got ${netMinor}`);
  }
  if (!Number.isInteger(taxRateBps) || taxRateBps < 0 || taxRateBps > BPS_PER_UNIT) {
    throw new RangeError(`taxRateBps must be an integer in 0..10000, got ${taxRateBps}`);
  }
  const scaled = BigInt(netMinor) * BigInt(taxRateBps);
  const divisor = BigInt(BPS_PER_UNIT);
  return Number((scaled * 2n + divisor) / (divisor * 2n));
}

/**
 * Exact product of two non-negative safe integers, or `null` when it is not a safe integer. Used for
 * `quantity * unitPriceMinor`, where an overflow must be reported as bad data rather than rounded.
 */
export function multiplyMinor(a: number, b: number): number | null {
  const product = BigInt(a) * BigInt(b);
  return product <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(product) : null;
}
