import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeReturn, makeSale, makeSaleLine } from './fixtures.ts';
import type { ReturnedLine } from './return-pricing.ts';
import {
  NOTHING_RETURNED,
  addReturned,
  checkReturnAgainstOriginal,
  priceReturnQuantity,
} from './return-pricing.ts';
import { validateSale } from './validate-sale.ts';

const lineArb = fc
  .record({
    quantity: fc.integer({ min: 1, max: 12 }),
    unitPriceMinor: fc.integer({ min: 0, max: 5_000 }),
    taxRateBps: fc.integer({ min: 0, max: 10_000 }),
    discountShare: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map(({ quantity, unitPriceMinor, taxRateBps, discountShare }) =>
    makeSaleLine({
      quantity,
      unitPriceMinor,
      taxRateBps,
      discountMinor: Math.floor(quantity * unitPriceMinor * discountShare),
    }),
  );

/** A split of `total` into parts of at least 1. */
const partsOf = (total: number) =>
  fc.array(fc.integer({ min: 1, max: total }), { minLength: 1, maxLength: total }).map((cuts) => {
    const parts: number[] = [];
    let left = total;
    for (const cut of cuts) {
      if (left === 0) break;
      const part = Math.min(cut, left);
      parts.push(part);
      left -= part;
    }
    if (left > 0) parts.push(left);
    return parts;
  });

describe('return pricing', () => {
  it('refunds a whole line returned at once exactly', () => {
    fc.assert(
      fc.property(lineArb, (line) => {
        const amounts = priceReturnQuantity(line, line.quantity, NOTHING_RETURNED)!;
        expect(amounts.lineTotalMinor).toBe(line.lineTotalMinor);
        expect(amounts.taxMinor).toBe(line.taxMinor);
        expect(amounts.discountMinor).toBe(line.discountMinor);
      }),
    );
  });

  it('never refunds more than the line in parts, and exactly the line when the discount allows', () => {
    fc.assert(
      fc.property(
        lineArb.chain((line) => fc.tuple(fc.constant(line), partsOf(line.quantity))),
        ([line, parts]) => {
          let returned: ReturnedLine = NOTHING_RETURNED;
          let refunded = 0;
          for (const q of parts) {
            const amounts = priceReturnQuantity(line, q, returned)!;
            expect(amounts.discountMinor).toBeGreaterThanOrEqual(0);
            expect(amounts.discountMinor).toBeLessThanOrEqual(q * line.unitPriceMinor);
            refunded += amounts.lineTotalMinor;
            returned = {
              quantity: returned.quantity + q,
              discountMinor: returned.discountMinor + amounts.discountMinor,
              taxMinor: returned.taxMinor + amounts.taxMinor,
            };
          }
          expect(refunded).toBeLessThanOrEqual(line.lineTotalMinor);
          if (returned.discountMinor <= line.discountMinor + 0) {
            expect(refunded).toBe(line.lineTotalMinor);
          }
        },
      ),
    );
  });

  it('never refunds more than the line when terminals priced parts with stale views', () => {
    fc.assert(
      fc.property(
        lineArb.chain((line) => fc.tuple(fc.constant(line), partsOf(line.quantity))),
        ([line, parts]) => {
          // Every part priced as if nothing else had been returned (two tills offline), then checked
          // by the cloud in arrival order: what the cloud accepts never exceeds the line.
          const sale = makeSale({ lines: [line], invoiceNo: 1 });
          const returned: ReturnedLine[] = [];
          let refunded = 0;
          for (const q of parts) {
            const ret = makeReturn(sale, [{ line: 0, quantity: q }]);
            if (checkReturnAgainstOriginal(ret, sale, returned).length > 0) continue;
            refunded += ret.totals.totalMinor;
            addReturned(returned, ret);
          }
          expect(refunded).toBeLessThanOrEqual(line.lineTotalMinor);
        },
      ),
    );
  });

  it('accepts what an honest terminal computed, whichever earlier returns it knew of', () => {
    const line = makeSaleLine({ quantity: 3, unitPriceMinor: 333, discountMinor: 100 });
    const sale = makeSale({ lines: [line], invoiceNo: 7 });
    const first = makeReturn(sale, [{ line: 0, quantity: 1 }]);
    const booked = addReturned([], first);
    // A till that knew of the first return prices the completing part with the remainder ...
    const knowing = makeReturn(sale, [{ line: 0, quantity: 2 }], { returned: booked });
    // ... one that did not, the partial amounts; both fit the cloud's count.
    const unaware = makeReturn(sale, [{ line: 0, quantity: 2 }]);
    expect(checkReturnAgainstOriginal(knowing, sale, booked)).toEqual([]);
    expect(checkReturnAgainstOriginal(unaware, sale, booked)).toEqual([]);
    expect(first.totals.totalMinor + knowing.totals.totalMinor).toBe(line.lineTotalMinor);
    expect(validateSale(knowing).problems).toEqual([]);
  });

  it('refuses more than was sold, an unknown original line and forged amounts with their codes', () => {
    const sale = makeSale({ lines: [makeSaleLine({ quantity: 2 })], invoiceNo: 1 });
    const whole = makeReturn(sale, [{ line: 0, quantity: 2 }]);
    const booked = addReturned([], makeReturn(sale, [{ line: 0, quantity: 1 }]));
    const codes = (ret: typeof whole, returned: ReturnedLine[] = []) =>
      checkReturnAgainstOriginal(ret, sale, returned).map((p) => p.code);
    expect(codes(whole, booked)).toEqual(['POS_RETURN_EXCEEDS_SOLD']);
    expect(codes({ ...whole, lines: [{ ...whole.lines[0]!, originalLine: 5 }] })).toEqual([
      'POS_RETURN_AMOUNT_MISMATCH',
    ]);
    const richer = { ...whole.lines[0]!, taxMinor: whole.lines[0]!.taxMinor + 1 };
    richer.lineTotalMinor += 1;
    expect(codes({ ...whole, lines: [richer] })).toEqual(['POS_RETURN_AMOUNT_MISMATCH']);
    expect(checkReturnAgainstOriginal(whole, null, []).map((p) => p.code)).toEqual([
      'POS_RETURN_ORIGINAL_UNKNOWN',
    ]);
    expect(codes({ ...whole, branchId: 'b-other' })).toEqual(['POS_RETURN_ORIGINAL_UNKNOWN']);
  });

  it('validates a return on its own: lines point at the original, tenders pay out the total', () => {
    const sale = makeSale({ lines: [makeSaleLine({ quantity: 2 })], invoiceNo: 1 });
    const ret = makeReturn(sale, [{ line: 0, quantity: 1 }]);
    expect(validateSale(ret).problems).toEqual([]);
    const rules = (input: unknown) => validateSale(input).problems.map((p) => p.rule);
    expect(rules({ ...ret, returnOf: null })).toEqual(['kind_fields']);
    expect(rules({ ...ret, lines: [{ ...ret.lines[0]!, restock: null }] })).toEqual([
      'kind_fields',
    ]);
    expect(rules({ ...ret, lines: [ret.lines[0], ret.lines[0]], totals: ret.totals })).toEqual([
      'return_line_repeated',
      'totals_mismatch',
      'totals_mismatch',
      'totals_mismatch',
      'refund_payments_mismatch',
    ]);
    expect(rules({ ...ret, payments: [{ method: 'cash', amountMinor: 1 }] })).toEqual([
      'refund_payments_mismatch',
    ]);
  });
});
