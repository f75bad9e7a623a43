import { describe, expect, it } from 'vitest';
import { makeBranchProduct } from './fixtures.ts';
import { isPosError } from './pos-error.ts';
import { priceSaleLine } from './price-sale-line.ts';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isPosError(error) ? error.code : 'not a PosError';
  }
  return undefined;
}

describe('priceSaleLine', () => {
  it('prices a line with the branch product and computes its tax', () => {
    const line = priceSaleLine({ productId: 'p-1', quantity: 2 }, makeBranchProduct(), 'EUR');
    expect(line).toEqual({
      productId: 'p-1',
      sku: 'SKU-1',
      name: 'Espresso beans 1kg',
      quantity: 2,
      unitPriceMinor: 1299,
      discountMinor: 0,
      taxRateBps: 700,
      taxMinor: 182,
      lineTotalMinor: 2780,
      originalLine: null,
      restock: null,
    });
  });

  it('refuses an unknown or inactive product with POS_PRODUCT_UNAVAILABLE', () => {
    const input = { productId: 'p-1', quantity: 1 };
    expect(codeOf(() => priceSaleLine(input, undefined, 'EUR'))).toBe('POS_PRODUCT_UNAVAILABLE');
    expect(codeOf(() => priceSaleLine(input, makeBranchProduct({ active: false }), 'EUR'))).toBe(
      'POS_PRODUCT_UNAVAILABLE',
    );
  });

  it('refuses a zero quantity, a discount above the amount and a foreign currency', () => {
    const product = makeBranchProduct();
    expect(codeOf(() => priceSaleLine({ productId: 'p-1', quantity: 0 }, product, 'EUR'))).toBe(
      'POS_INPUT_INVALID',
    );
    expect(
      codeOf(() =>
        priceSaleLine({ productId: 'p-1', quantity: 1, discountMinor: 5000 }, product, 'EUR'),
      ),
    ).toBe('POS_INPUT_INVALID');
    expect(codeOf(() => priceSaleLine({ productId: 'p-1', quantity: 1 }, product, 'USD'))).toBe(
      'POS_INPUT_INVALID',
    );
  });
});
