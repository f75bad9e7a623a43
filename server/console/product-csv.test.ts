import { describe, expect, it } from 'vitest';
import { decimalToMinor, minorToDecimal } from './money-text.ts';
import { diffFields } from './diff-fields.ts';
import { checkProductFile } from './product-import.ts';

describe('decimal prices', () => {
  it('converts decimals exactly to minor units and back, without floating point', () => {
    expect(decimalToMinor('12.99', 2)).toBe(1299);
    expect(decimalToMinor('0.1', 2)).toBe(10);
    expect(decimalToMinor('7', 2)).toBe(700);
    expect(decimalToMinor('1.005', 3)).toBe(1005);
    expect(decimalToMinor('90071992547409.91', 2)).toBe(9007199254740991);
    expect(decimalToMinor('90071992547409.92', 2)).toBeNull();
    for (const bad of ['1.999', '-1', '1e3', '1,5', '', ' . ', '0x10', '١٢']) {
      expect(decimalToMinor(bad, 2)).toBeNull();
    }
    expect(decimalToMinor('12.5', 0)).toBeNull();
    expect(minorToDecimal(1299, 2)).toBe('12.99');
    expect(minorToDecimal(5, 2)).toBe('0.05');
    expect(minorToDecimal(500, 0)).toBe('500');
  });
});

describe('product CSV check', () => {
  it('reports every bad row by its line, with multi-line quoted fields counted', async () => {
    const file = [
      'id,sku,name,price,tax_rate,barcode,active',
      'p-1,S-1,Coffee,12.99,7,4001,true',
      'p-2,S-2,Tea,1.999,7,,',
      'p-3,S-1,"Two',
      'lines",3.50,7,,',
      'p-4,S-4,Cake,2.5,19.25,4001,no',
      'p 5,S-5,,1,101,,maybe',
      '',
      'p-6,S-6,Scone,0.99,0,,0',
    ].join('\r\n');
    const checker = await checkProductFile(file, 'EUR');
    expect(checker.headerProblems).toEqual([]);
    expect(
      checker.good.map((r) => [r.line, r.input.id, r.input.priceMinor, r.input.taxRateBps]),
    ).toEqual([
      [2, 'p-1', 1299, 700],
      [9, 'p-6', 99, 0],
    ]);
    expect(checker.good[1]!.input.active).toBe(false);
    expect(checker.bad.map((b) => b.line)).toEqual([3, 4, 6, 7]);
    expect(checker.bad[0]!.reasons).toEqual([
      'price "1.999" is not a decimal with at most 2 decimals in EUR',
    ]);
    expect(checker.bad[1]!.reasons.join(' | ')).toMatch(/name: .*sku "S-1" already on line 2/);
    expect(checker.bad[2]!.reasons).toEqual(['barcode "4001" already on line 2']);
    expect(checker.bad[3]!.reasons.length).toBe(4);
  });

  it('refuses a header with a missing or unknown column and reads no row', async () => {
    const checker = await checkProductFile('id,sku,nmae,price,tax_rate\np-1,S,N,1,0\n', 'JPY');
    expect(checker.headerProblems).toEqual(['unknown column "nmae"', 'missing column "name"']);
    expect(checker.good).toEqual([]);
  });

  it('reads prices in the currency’s own minor unit', async () => {
    const checker = await checkProductFile(
      'id,sku,name,price,tax_rate\np-1,S,N,1250,10\np-2,T,M,1.5,10\n',
      'JPY',
    );
    expect(checker.good.map((r) => r.input.priceMinor)).toEqual([1250]);
    expect(checker.bad.map((b) => b.line)).toEqual([3]);
  });
});

describe('diffFields', () => {
  it('lists exactly the differing leaves', () => {
    expect(
      diffFields(
        { a: 1, totals: { total: 5, tax: 1 }, lines: [{ q: 1 }, { q: 2 }] },
        { a: 1, totals: { total: 6, tax: 1 }, lines: [{ q: 1 }], b: 2 },
      ).map((d) => d.path),
    ).toEqual(['totals.total', 'lines.1', 'b']);
  });
});

describe('reviewRows', () => {
  it('marks exactly the fields that differ from the recomputation, the catalog and the booked copy', async () => {
    const { reviewRows } = await import('./review-rows.ts');
    const line = {
      productId: 'p-1',
      unitPriceMinor: 100,
      taxRateBps: 700,
      taxMinor: 7,
      lineTotalMinor: 107,
      quantity: 1,
    };
    const payload = {
      id: 's-1',
      currency: 'EUR',
      totals: { subtotalMinor: 100, discountMinor: 0, taxMinor: 7, totalMinor: 108 },
      lines: [line],
      payments: [{ method: 'cash', amountMinor: 200 }],
    };
    const rows = reviewRows({
      event: { payload, branchId: 'b-1' },
      computedLines: [{ index: 0, taxMinor: 7, lineTotalMinor: 107, problem: null }],
      computedTotals: { subtotalMinor: 100, discountMinor: 0, taxMinor: 7, totalMinor: 107 },
      bookedSale: {
        ...payload,
        totals: { ...payload.totals, totalMinor: 107 },
        payments: [{ method: 'card', amountMinor: 200 }],
      },
      catalog: [
        {
          productId: 'p-1',
          found: true,
          priceMinor: 100,
          taxRateBps: 1900,
          changedSinceSale: true,
        },
      ],
    });
    expect(rows.filter((r) => r.differs).map((r) => `${r.field} ${r.source}`)).toEqual([
      'totals.totalMinor computed',
      'lines.0.taxRateBps catalogChanged',
      'totals.totalMinor booked',
      'payments.0.method booked',
    ]);
  });
});
