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

  it('refuses an account payment without a customer, and takes it with one', () => {
    const total = makeSale().totals.totalMinor;
    const payments = [{ method: 'account' as const, amountMinor: total }];
    expect(rulesOf(makeSale({ payments }))).toEqual(['account_without_customer']);
    expect(rulesOf(makeSale({ payments, customerId: 'cust-1' }))).toEqual([]);
  });

  it('refuses return fields on a plain sale', () => {
    const sale = makeSale({ reason: 'broken' });
    const line = { ...sale.lines[0]!, restock: true };
    expect(rulesOf({ ...sale, lines: [line] })).toEqual(['kind_fields', 'kind_fields']);
  });

  it('reads a sale without the version-2 fields as invalid: the cloud defaults them first', () => {
    const { kind: _kind, offline: _offline, ...v1 } = makeSale();
    expect(rulesOf(v1)).toEqual(['shape', 'shape']);
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

describe('validateSale bounds', () => {
  const now = new Date('2026-06-01T12:00:00.000Z');
  const DAY = 86_400_000;
  const at = (offsetMs: number) => new Date(now.getTime() + offsetMs).toISOString();

  it.each([
    ['a sale made right now', at(0), []],
    ['a sale made offline 300 days ago', at(-300 * DAY), []],
    ['a clock 36 hours fast', at(36 * 3_600_000), []],
    ['year 0001', '0001-01-01T00:00:00.000Z', ['created_at_out_of_window']],
    ['year 9999', '9999-12-31T23:59:59.999Z', ['created_at_out_of_window']],
    ['a clock reset to 1970', '1970-01-01T00:00:00.000Z', ['created_at_out_of_window']],
    ['401 days ago', at(-401 * DAY), ['created_at_out_of_window']],
    ['3 days ahead', at(3 * DAY), ['created_at_out_of_window']],
  ])('createdAt: %s', (_name, createdAt, rules) => {
    expect(rulesOf(makeSale({ createdAt }), { now })).toEqual(rules);
  });

  it.each([
    ['the first sale of an installation', 1, 0, []],
    ['the next sale', 43, 42, []],
    ['a million beyond the highest arrived', 1_000_042, 42, []],
    ['one more', 1_000_043, 42, ['local_event_id_jump']],
    ['2^53 - 1', 2 ** 53 - 1, 42, ['local_event_id_jump']],
  ])('localEventId: %s', (_name, localEventId, highestArrivedEventId, rules) => {
    expect(rulesOf(makeSale({ localEventId }), { highestArrivedEventId })).toEqual(rules);
  });

  it('takes other bounds when given, and skips the checks without their context', () => {
    const bounds = { maxAgeMs: 800 * DAY, maxAheadMs: DAY, maxEventIdJump: 10 };
    expect(rulesOf(makeSale({ createdAt: at(-500 * DAY) }), { now, bounds })).toEqual([]);
    expect(rulesOf(makeSale({ localEventId: 12 }), { highestArrivedEventId: 1, bounds })).toEqual([
      'local_event_id_jump',
    ]);
    expect(rulesOf(makeSale({ createdAt: '0001-01-01T00:00:00.000Z' }))).toEqual([]);
  });
});
