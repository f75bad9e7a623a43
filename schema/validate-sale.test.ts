import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeSale, makeSaleLine } from './fixtures.ts';
import type { SaleLine } from './sale.ts';
import { computeSaleLine, computeSaleTotals } from './sale-totals.ts';
import { validateSale } from './validate-sale.ts';

function rulesOf(input: unknown, options = {}): string[] {
  const result = validateSale(input, options);
  return result.problems.map((p) => p.rule);
}

describe('computeSaleTotals', () => {
  it('sums gross, discount and per-line tax, and totals them', () => {
    const lines = [
      makeSaleLine({ quantity: 3, unitPriceMinor: 333, discountMinor: 99, taxRateBps: 1900 }),
      makeSaleLine({ quantity: 1, unitPriceMinor: 5, taxRateBps: 1000 }),
    ];
    // line 1: gross 999, net 900, tax 171; line 2: gross 5, net 5, tax 0.5 -> 1
    expect(computeSaleTotals(lines)).toEqual({
      subtotalMinor: 1004,
      discountMinor: 99,
      taxMinor: 172,
      totalMinor: 1077,
    });
  });

  it('keeps total equal to the sum of line totals for any lines', () => {
    const lineArb = fc
      .record({
        quantity: fc.integer({ min: 1, max: 1000 }),
        unitPriceMinor: fc.integer({ min: 0, max: 1_000_000 }),
        taxRateBps: fc.integer({ min: 0, max: 10_000 }),
        discountPermille: fc.integer({ min: 0, max: 1000 }),
      })
      .map(({ discountPermille, ...l }) =>
        makeSaleLine({
          ...l,
          discountMinor: Math.floor((l.quantity * l.unitPriceMinor * discountPermille) / 1000),
        }),
      );
    fc.assert(
      fc.property(fc.array(lineArb, { minLength: 1, maxLength: 30 }), (lines) => {
        const totals = computeSaleTotals(lines);
        expect(totals.totalMinor).toBe(lines.reduce((s, l) => s + l.lineTotalMinor, 0));
        expect(totals.totalMinor).toBe(
          totals.subtotalMinor - totals.discountMinor + totals.taxMinor,
        );
        expect(validateSale(makeSale({ lines })).ok).toBe(true);
      }),
    );
  });
});

describe('validateSale', () => {
  it('accepts a consistent sale and returns it parsed', () => {
    const sale = makeSale();
    const result = validateSale(sale);
    expect(result).toEqual({ ok: true, sale, problems: [] });
  });

  it('accepts overpayment in cash when the change is recorded', () => {
    const sale = makeSale({ payments: [{ method: 'cash', amountMinor: 5000 }] });
    expect(sale.changeMinor).toBeGreaterThan(0);
    expect(validateSale(sale).ok).toBe(true);
  });

  it('reports totals that do not add up, for each total', () => {
    const sale = makeSale();
    const broken = { ...sale, totals: { ...sale.totals, taxMinor: 0, totalMinor: 1 } };
    // Payments are checked against the recomputed total, so the exact cash payment still matches.
    expect(rulesOf(broken)).toEqual(['totals_mismatch', 'totals_mismatch']);
  });

  it('reports a line whose tax or total was computed differently', () => {
    const line: SaleLine = { ...makeSaleLine(), taxMinor: 90, lineTotalMinor: 2688 };
    const sale = makeSale({ lines: [line] });
    expect(rulesOf(sale)).toContain('line_tax_mismatch');
    expect(rulesOf(sale)).toContain('line_total_mismatch');
  });

  it('reports payments that do not cover the total', () => {
    const sale = makeSale({ payments: [{ method: 'card', amountMinor: 100 }] });
    expect(rulesOf(sale)).toEqual(['payments_short']);
  });

  it('refuses change when nothing was paid in cash', () => {
    const sale = makeSale({ payments: [{ method: 'card', amountMinor: 10_000 }] });
    expect(rulesOf(sale)).toEqual(['change_without_cash']);
  });

  it('reports an unknown payment method and negative numbers as shape problems', () => {
    const sale = makeSale();
    const result = validateSale({
      ...sale,
      payments: [{ method: 'bitcoin', amountMinor: sale.totals.totalMinor }],
      changeMinor: -1,
    });
    expect(result.ok).toBe(false);
    expect(result.problems.map((p) => p.path).sort()).toEqual(['changeMinor', 'payments.0.method']);
    expect(result.problems.every((p) => p.rule === 'shape')).toBe(true);
  });

  it('refuses floats for money', () => {
    const sale = makeSale();
    expect(rulesOf({ ...sale, changeMinor: 0.5 })).toEqual(['shape']);
  });

  it('reports a sale without lines', () => {
    expect(rulesOf(makeSale({ lines: [], payments: [] }))).toEqual(['empty_lines']);
  });

  it('reports a discount above the line amount without computing on it', () => {
    const line = { ...makeSaleLine({ quantity: 1, unitPriceMinor: 100 }), discountMinor: 101 };
    expect(rulesOf({ ...makeSale(), lines: [line] })).toEqual(['line_discount_exceeds_amount']);
  });

  it('reports a currency and scope mismatch against the expected context', () => {
    const sale = makeSale({ currency: 'USD' });
    expect(
      rulesOf(sale, {
        expectedCurrency: 'EUR',
        expectedBranchId: 'b-2',
        expectedTerminalId: 't-1',
      }),
    ).toEqual(['currency_mismatch', 'scope_mismatch']);
  });

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expect(validateSale(value).ok).toBe(false);
      }),
    );
    const sale = makeSale();
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(sale)), fc.anything(), (key, value) => {
        expect(() => validateSale({ ...sale, [key]: value })).not.toThrow();
      }),
    );
  });
});

describe('computeSaleLine', () => {
  it('refuses a discount above the line amount', () => {
    expect(() =>
      computeSaleLine({ ...makeSaleLine({ quantity: 1, unitPriceMinor: 10 }), discountMinor: 11 }),
    ).toThrow(RangeError);
  });
});
