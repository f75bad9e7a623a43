import { z } from 'zod';

/**
 * An amount of money in minor units (cents, pence…) of the document's currency. Integers only: floating
 * point cannot represent most decimal fractions, and sums of them drift.
 */
export const minorAmountSchema = z.int().nonnegative();

/** ISO 4217 alphabetic currency code, three upper-case letters. */
export const currencySchema = z.string().regex(/^[A-Z]{3}$/, 'currency must be an ISO 4217 code');

/** A tax rate in basis points: 1 bps = 0.01 %, so 10000 = 100 %. */
export const taxRateBpsSchema = z.int().min(0).max(10_000);

export { BPS_PER_UNIT, computeLineTaxMinor, multiplyMinor } from './money-arithmetic.ts';
