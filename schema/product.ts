import { z } from 'zod';
import { currencySchema, minorAmountSchema, taxRateBpsSchema } from './money.ts';
import { NAME_KEY_MAX_LENGTH, nameKeyOf } from './name-key.ts';
import { idSchema, isoDateTimeSchema, nameSchema, textSchema } from './primitives.ts';

/** Stock keeping unit: the shop's own article code. */
export const skuSchema = textSchema(64);

/** A scannable code (EAN-13, UPC, in-house). Digits and letters only, as scanners deliver them. */
export const barcodeSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[0-9A-Za-z]+$/, 'barcodes contain only letters and digits');

/** A price that replaces the product's default price in one branch. */
export const branchPriceSchema = z.object({
  branchId: idSchema,
  priceMinor: minorAmountSchema,
});

/** A price that replaces the product's default price in one branch. */
export type BranchPrice = z.infer<typeof branchPriceSchema>;

const productFields = {
  id: idSchema,
  sku: skuSchema,
  barcode: barcodeSchema.nullable(),
  name: nameSchema,
  categoryId: idSchema.nullable(),
  /** Default tax-exclusive unit price; a branch price replaces it in that branch. */
  priceMinor: minorAmountSchema,
  currency: currencySchema,
  taxRateBps: taxRateBpsSchema,
  /** An inactive product stays visible to terminals but cannot be sold. */
  active: z.boolean(),
  /** Assortment: `null` means every branch, otherwise only the listed branches carry the product. */
  branchIds: z.array(idSchema).nullable(),
  branchPrices: z.array(branchPriceSchema),
};

function hasUniqueBranchPrices(prices: readonly BranchPrice[]): boolean {
  return new Set(prices.map((p) => p.branchId)).size === prices.length;
}

/** A product as the cloud stores it: one record for all branches. */
export const productSchema = z
  .object({ ...productFields, updatedAt: isoDateTimeSchema })
  .refine((p) => hasUniqueBranchPrices(p.branchPrices), {
    message: 'at most one branch price per branch',
    path: ['branchPrices'],
  });

/** A product as the cloud stores it. */
export type Product = z.infer<typeof productSchema>;

/** Admin input to create or replace a product (catalog CRUD and bulk import); the server stamps times. */
export const productInputSchema = z
  .object(productFields)
  .refine((p) => hasUniqueBranchPrices(p.branchPrices), {
    message: 'at most one branch price per branch',
    path: ['branchPrices'],
  });

/** Admin input to create or replace a product. */
export type ProductInput = z.infer<typeof productInputSchema>;

/**
 * The branch view of a product: what a terminal holds in its `products` collection. The branch price is
 * already applied to `priceMinor`, and the assortment fields are gone (a product leaving the branch's
 * assortment arrives as a tombstone instead).
 *
 * `barcode` and `categoryId` use the empty string for "none" instead of `null`: they are RxDB index
 * fields, and RxDB indexes only accept plain `string` fields.
 */
export const branchProductSchema = z.object({
  id: idSchema,
  sku: skuSchema,
  barcode: z.union([z.literal(''), barcodeSchema]),
  name: nameSchema,
  categoryId: z.union([z.literal(''), idSchema]),
  priceMinor: minorAmountSchema,
  currency: currencySchema,
  taxRateBps: taxRateBpsSchema,
  active: z.boolean(),
  updatedAt: isoDateTimeSchema,
});

/** The branch view of a product, as a terminal holds it. */
export type BranchProduct = z.infer<typeof branchProductSchema>;

/**
 * A product as the terminal stores it: the branch view plus `nameKey`, the search key of its name
 * (`nameKeyOf`). The terminal derives the key when it writes a product; it is not part of the branch
 * view the cloud sends and both sides hash (docs/design.md#product-name-key).
 */
export const storedProductSchema = branchProductSchema.extend({
  nameKey: z.string().max(NAME_KEY_MAX_LENGTH),
});

/** A product as the terminal stores it. */
export type StoredProduct = z.infer<typeof storedProductSchema>;

/** The stored form of a branch view (or of a tombstone row carrying one): `nameKey` derived. */
export function withNameKey<T extends { name: string }>(view: T): T & { nameKey: string } {
  return { ...view, nameKey: nameKeyOf(view.name) };
}

/**
 * The branch view of a stored product, for reconcile's content hash. A `nameKey` that disagrees
 * with its name is kept, so the row hashes differently from the cloud's and reconcile repairs it.
 */
export function branchViewOfStored(stored: StoredProduct): BranchProduct | StoredProduct {
  const { nameKey, ...view } = stored;
  return nameKey === nameKeyOf(stored.name) ? view : stored;
}

/** Whether the branch carries the product (its assortment includes the branch). */
export function isInAssortment(product: Pick<Product, 'branchIds'>, branchId: string): boolean {
  return product.branchIds === null || product.branchIds.includes(branchId);
}

/**
 * Projects a cloud product onto one branch, or returns `null` when the branch does not carry it (the
 * server then serves a tombstone). Used by the server's pulls and by reconcile on both sides, so the two
 * sides hash exactly the same view.
 */
export function toBranchProduct(product: Product, branchId: string): BranchProduct | null {
  if (!isInAssortment(product, branchId)) return null;
  const branchPrice = product.branchPrices.find((p) => p.branchId === branchId);
  return {
    id: product.id,
    sku: product.sku,
    barcode: product.barcode ?? '',
    name: product.name,
    categoryId: product.categoryId ?? '',
    priceMinor: branchPrice?.priceMinor ?? product.priceMinor,
    currency: product.currency,
    taxRateBps: product.taxRateBps,
    active: product.active,
    updatedAt: product.updatedAt,
  };
}
