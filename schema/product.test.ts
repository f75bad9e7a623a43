import { describe, expect, it } from 'vitest';
import { makeProduct } from './fixtures.ts';
import {
  branchProductSchema,
  productInputSchema,
  productSchema,
  toBranchProduct,
} from './product.ts';

describe('toBranchProduct', () => {
  it('applies the branch price and drops the assortment fields', () => {
    const product = makeProduct({ branchPrices: [{ branchId: 'b-2', priceMinor: 999 }] });
    expect(toBranchProduct(product, 'b-2')?.priceMinor).toBe(999);
    expect(toBranchProduct(product, 'b-1')?.priceMinor).toBe(1299);
    const view = toBranchProduct(product, 'b-1');
    expect(view).not.toHaveProperty('branchIds');
    expect(branchProductSchema.parse(view)).toEqual(view);
  });

  it('returns null for a branch outside the assortment', () => {
    const product = makeProduct({ branchIds: ['b-1'] });
    expect(toBranchProduct(product, 'b-1')).not.toBeNull();
    expect(toBranchProduct(product, 'b-2')).toBeNull();
  });

  it('maps a missing barcode and category to the empty string RxDB can index', () => {
    const view = toBranchProduct(makeProduct({ barcode: null, categoryId: null }), 'b-1');
    expect(view).toMatchObject({ barcode: '', categoryId: '' });
  });
});

describe('productSchema', () => {
  it('refuses two prices for the same branch', () => {
    const branchPrices = [
      { branchId: 'b-1', priceMinor: 1 },
      { branchId: 'b-1', priceMinor: 2 },
    ];
    expect(productSchema.safeParse(makeProduct({ branchPrices })).success).toBe(false);
    const { updatedAt: _updatedAt, ...input } = makeProduct({ branchPrices });
    expect(productInputSchema.safeParse(input).success).toBe(false);
  });

  it('refuses float prices, lower-case currencies and tax above 100 %', () => {
    expect(productSchema.safeParse(makeProduct({ priceMinor: 12.5 })).success).toBe(false);
    expect(productSchema.safeParse(makeProduct({ currency: 'eur' })).success).toBe(false);
    expect(productSchema.safeParse(makeProduct({ taxRateBps: 10_001 })).success).toBe(false);
  });
});
