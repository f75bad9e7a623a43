import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { BranchProduct } from '../../schema/index.ts';
import { buildSale, parseSellInput } from '../build-sale.ts';
import {
  EMPTY_CART,
  addPayment,
  addProduct,
  checkPayment,
  looksLikeBarcode,
  priceCart,
  quickCashAmounts,
  removeLine,
  removePayment,
  saleCurrency,
  setLineDiscount,
  setQuantity,
  toSellInput,
} from './cart.ts';

function makeProduct(overrides: Partial<BranchProduct> & { id: string }): BranchProduct {
  return {
    sku: `SKU-${overrides.id}`,
    barcode: '',
    name: `Product ${overrides.id}`,
    categoryId: '',
    priceMinor: 100,
    currency: 'EUR',
    taxRateBps: 700,
    active: true,
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

const catalog = new Map(
  [
    makeProduct({ id: 'p-1', priceMinor: 1299 }),
    makeProduct({ id: 'p-2', priceMinor: 189 }),
    makeProduct({ id: 'p-3', priceMinor: 449, taxRateBps: 1900 }),
    makeProduct({ id: 'p-off', active: false }),
    makeProduct({ id: 'p-usd', currency: 'USD' }),
  ].map((p) => [p.id, p]),
);

const identity = { terminalId: 't-1', posId: 'pos-1', branchId: 'b-1' };

describe('cart lines', () => {
  test('scanning the same product twice adds one to its line instead of a second line', () => {
    const cart = addProduct(addProduct(addProduct(EMPTY_CART, 'p-1'), 'p-2'), 'p-1');
    expect(cart.lines).toEqual([
      { productId: 'p-1', quantity: 2, discountMinor: 0 },
      { productId: 'p-2', quantity: 1, discountMinor: 0 },
    ]);
  });

  test('a quantity of zero or less removes the line; fractions are cut to whole units', () => {
    const cart = addProduct(addProduct(EMPTY_CART, 'p-1'), 'p-2');
    expect(setQuantity(cart, 'p-1', 0).lines.map((l) => l.productId)).toEqual(['p-2']);
    expect(setQuantity(cart, 'p-1', -3).lines.map((l) => l.productId)).toEqual(['p-2']);
    expect(setQuantity(cart, 'p-1', 2.7).lines[0]!.quantity).toBe(2);
    expect(removeLine(cart, 'p-2').lines.map((l) => l.productId)).toEqual(['p-1']);
  });

  test('a negative or non-integer discount counts as none', () => {
    const cart = addProduct(EMPTY_CART, 'p-1');
    expect(setLineDiscount(cart, 'p-1', -5).lines[0]!.discountMinor).toBe(0);
    expect(setLineDiscount(cart, 'p-1', 1.5).lines[0]!.discountMinor).toBe(0);
    expect(setLineDiscount(cart, 'p-1', 300).lines[0]!.discountMinor).toBe(300);
  });
});

describe('pricing', () => {
  test('prices every line from the live catalog, with tax per line and totals from computeSaleTotals', () => {
    let cart = addProduct(EMPTY_CART, 'p-1', 2);
    cart = addProduct(cart, 'p-3');
    cart = setLineDiscount(cart, 'p-1', 98);
    const priced = priceCart(cart, catalog, 'EUR');
    expect(
      priced.lines.map((l) => [l.grossMinor, l.netMinor, l.taxMinor, l.lineTotalMinor]),
    ).toEqual([
      [2598, 2500, 175, 2675],
      [449, 449, 85, 534],
    ]);
    expect(priced.totals).toEqual({
      subtotalMinor: 3047,
      discountMinor: 98,
      taxMinor: 260,
      totalMinor: 3209,
    });
    expect(priced.dueMinor).toBe(3209);
    expect(priced.canComplete).toBe(false);
  });

  test('a price change in the catalog reprices the open cart', () => {
    const cart = addProduct(EMPTY_CART, 'p-2');
    const before = priceCart(cart, catalog, 'EUR').totals.subtotalMinor;
    const changed = new Map(catalog).set('p-2', makeProduct({ id: 'p-2', priceMinor: 209 }));
    expect([before, priceCart(cart, changed, 'EUR').totals.subtotalMinor]).toEqual([189, 209]);
  });

  test('flags inactive, missing and foreign-currency products and leaves them out of the totals', () => {
    let cart = addProduct(EMPTY_CART, 'p-2');
    for (const id of ['p-off', 'p-gone', 'p-usd']) cart = addProduct(cart, id);
    const priced = priceCart(addPayment(cart, 'cash', 10_000), catalog, 'EUR');
    expect(priced.lines.map((l) => l.problem)).toEqual([
      null,
      'unavailable',
      'unavailable',
      'unavailable',
    ]);
    expect(priced.totals.subtotalMinor).toBe(189);
    expect(priced.canComplete).toBe(false);
  });

  test('flags a discount larger than its line (a price dropped under it) instead of throwing', () => {
    const cart = setLineDiscount(addProduct(EMPTY_CART, 'p-2'), 'p-2', 190);
    const priced = priceCart(addPayment(cart, 'cash', 500), catalog, 'EUR');
    expect(priced.lines[0]!.problem).toBe('discount_too_large');
    expect(priced.canComplete).toBe(false);
  });

  test('takes the first product’s currency when the branch has none, as buildSale does', () => {
    const cart = addProduct(addProduct(EMPTY_CART, 'p-usd'), 'p-1');
    expect(saleCurrency(cart, catalog, null)).toBe('USD');
    expect(priceCart(cart, catalog, null).lines.map((l) => l.problem)).toEqual([
      null,
      'unavailable',
    ]);
    expect(saleCurrency(EMPTY_CART, catalog, null)).toBeNull();
  });
});

describe('payments', () => {
  const cart = addProduct(EMPTY_CART, 'p-1'); // 1299 + 91 tax = 1390

  test('cash above the total gives change', () => {
    const priced = priceCart(addPayment(cart, 'cash', 2000), catalog, 'EUR');
    expect(priced).toMatchObject({ paidMinor: 2000, dueMinor: 0, changeMinor: 610 });
    expect(priced.canComplete).toBe(true);
  });

  test('split payments: card for part, cash for the rest with change', () => {
    let split = addPayment(cart, 'card', 1000);
    expect(priceCart(split, catalog, 'EUR')).toMatchObject({ dueMinor: 390, canComplete: false });
    split = addPayment(split, 'cash', 500);
    expect(priceCart(split, catalog, 'EUR')).toMatchObject({
      paidMinor: 1500,
      dueMinor: 0,
      changeMinor: 110,
      canComplete: true,
    });
    expect(removePayment(split, 0).payments).toEqual([{ method: 'cash', amountMinor: 500 }]);
  });

  test('only cash may exceed what is due; zero or fractional amounts are refused', () => {
    const priced = priceCart(cart, catalog, 'EUR');
    expect(checkPayment(priced, 'card', 1391)).toBe('change_only_cash');
    expect(checkPayment(priced, 'card', 1390)).toBeNull();
    expect(checkPayment(priced, 'cash', 5000)).toBeNull();
    expect(checkPayment(priced, 'other', 0)).toBe('invalid_amount');
    expect(checkPayment(priced, 'cash', 1.5)).toBe('invalid_amount');
    expect(addPayment(cart, 'cash', 0).payments).toEqual([]);
  });
});

describe('scanner input in the amount field', () => {
  test('eight digits or more with no separator are a code, anything shorter an amount', () => {
    expect(looksLikeBarcode('4000000000001')).toBe(true);
    expect(looksLikeBarcode('12345678')).toBe(true);
    expect(looksLikeBarcode('1234567')).toBe(false);
    expect(looksLikeBarcode('50.00')).toBe(false);
    expect(looksLikeBarcode('')).toBe(false);
  });
});

describe('quick cash', () => {
  test('offers the amount due and the next round notes above it', () => {
    expect(quickCashAmounts(2072, 2)).toEqual([2072, 2500, 3000, 4000]);
    expect(quickCashAmounts(5000, 2)).toEqual([5000, 6000]);
    expect(quickCashAmounts(1501, 0)).toEqual([1501, 1505, 1510, 1520]);
  });
});

describe('agreement with buildSale', () => {
  test('the cart the page shows is the sale sell() builds: same lines, totals and change', () => {
    const products = [...catalog.values()].filter((p) => p.active && p.currency === 'EUR');
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            index: fc.nat({ max: products.length - 1 }),
            quantity: fc.integer({ min: 1, max: 50 }),
            discount: fc.nat({ max: 5000 }),
          }),
          { minLength: 1, maxLength: 8 },
        ),
        fc.nat({ max: 100_000 }),
        (picks, extraCash) => {
          let cart = EMPTY_CART;
          for (const pick of picks) {
            const product = products[pick.index]!;
            cart = addProduct(cart, product.id, pick.quantity);
            cart = setLineDiscount(cart, product.id, pick.discount);
          }
          const unpaid = priceCart(cart, catalog, 'EUR');
          fc.pre(unpaid.lines.every((l) => l.problem === null));
          cart = addPayment(cart, 'card', Math.min(1000, unpaid.totals.totalMinor));
          const due = priceCart(cart, catalog, 'EUR').dueMinor;
          cart = addPayment(cart, 'cash', due + extraCash);
          const priced = priceCart(cart, catalog, 'EUR');
          expect(priced.canComplete).toBe(true);
          const sale = buildSale({
            input: parseSellInput(toSellInput(cart)),
            products: catalog,
            identity,
            localEventId: 1,
            id: '01940000-0000-7000-8000-000000000001',
            createdAt: '2026-01-01T00:00:00.000Z',
            currency: 'EUR',
          });
          expect(sale.totals).toEqual(priced.totals);
          expect(sale.changeMinor).toBe(priced.changeMinor);
          expect(sale.lines.map((l) => [l.productId, l.taxMinor, l.lineTotalMinor])).toEqual(
            priced.lines.map((l) => [l.productId, l.taxMinor, l.lineTotalMinor]),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  test('toSellInput passes lines and tenders only, plus the cashier when given', () => {
    const cart = addPayment(addProduct(EMPTY_CART, 'p-1'), 'cash', 2000);
    expect(toSellInput(cart, 'c-7')).toEqual({
      lines: [{ productId: 'p-1', quantity: 1, discountMinor: 0 }],
      payments: [{ method: 'cash', amountMinor: 2000 }],
      cashierId: 'c-7',
    });
  });
});
