import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeLineTaxMinor, currencySchema, multiplyMinor } from './money.ts';

describe('computeLineTaxMinor', () => {
  it('rounds exact halves up', () => {
    // 50 * 10% = 5.0; 5 * 10% = 0.5 -> 1; 15 * 10% = 1.5 -> 2; 25 * 10% = 2.5 -> 3 (banker's would give 2)
    expect(computeLineTaxMinor(50, 1000)).toBe(5);
    expect(computeLineTaxMinor(5, 1000)).toBe(1);
    expect(computeLineTaxMinor(15, 1000)).toBe(2);
    expect(computeLineTaxMinor(25, 1000)).toBe(3);
  });

  it('rounds below a half down', () => {
    expect(computeLineTaxMinor(1299, 700)).toBe(91); // 90.93
    expect(computeLineTaxMinor(1, 4999)).toBe(0); // 0.4999
  });

  it('stays exact beyond the range of float multiplication', () => {
    const net = Number.MAX_SAFE_INTEGER;
    expect(computeLineTaxMinor(net, 10_000)).toBe(net);
    expect(computeLineTaxMinor(net, 5000)).toBe(Number((BigInt(net) + 1n) / 2n));
  });

  it('refuses fractional or negative inputs instead of guessing', () => {
    expect(() => computeLineTaxMinor(1.5, 700)).toThrow(RangeError);
    expect(() => computeLineTaxMinor(-1, 700)).toThrow(RangeError);
    expect(() => computeLineTaxMinor(100, 10_001)).toThrow(RangeError);
  });

  it('matches round-half-up of the exact rational for every amount and rate', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10 ** 12 }),
        fc.integer({ min: 0, max: 10_000 }),
        (net, bps) => {
          const tax = BigInt(computeLineTaxMinor(net, bps));
          const exactTimes10000 = BigInt(net) * BigInt(bps);
          // tax - 0.5 <= exact < tax + 0.5, in units of 1/20000
          expect(tax * 20_000n - 10_000n <= exactTimes10000 * 2n).toBe(true);
          expect(exactTimes10000 * 2n < tax * 20_000n + 10_000n).toBe(true);
        },
      ),
    );
  });
});

describe('multiplyMinor', () => {
  it('returns null instead of an inexact product', () => {
    expect(multiplyMinor(3, 1299)).toBe(3897);
    expect(multiplyMinor(Number.MAX_SAFE_INTEGER, 2)).toBeNull();
  });
});

describe('currencySchema', () => {
  it('accepts ISO 4217 codes only', () => {
    expect(currencySchema.safeParse('EUR').success).toBe(true);
    expect(currencySchema.safeParse('eur').success).toBe(false);
    expect(currencySchema.safeParse('EURO').success).toBe(false);
  });
});
