import type { MigrationStrategies, RxJsonSchema } from 'rxdb';
import { ID_MAX_LENGTH, ISO_DATE_TIME_MAX_LENGTH } from './constants.ts';
import { NAME_KEY_MAX_LENGTH, nameKeyOf } from './name-key.ts';
import type { StoredProduct } from './product.ts';

/**
 * RxDB schema of the terminal's `products` collection: the branch view plus its `nameKey`
 * (`storedProductSchema`). Indexes serve the cashier page: lookup by SKU, by scanned barcode, names
 * by prefix across all categories (`nameKey`) and within one (`[categoryId, nameKey]`).
 * Kept in step with the zod schema by `rx-schemas.test.ts`.
 *
 * Version 1 adds `nameKey` and its indexes (version 0 indexed `[categoryId, name]` only, so a name
 * search ran one query per category); docs/design.md#product-name-key.
 */
export const productRxSchema: RxJsonSchema<StoredProduct> = {
  title: 'products',
  description:
    'Branch view of the catalog: branch price applied, only products the branch carries.',
  version: 1,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: ID_MAX_LENGTH },
    sku: { type: 'string', minLength: 1, maxLength: 64 },
    barcode: { type: 'string', maxLength: 64 },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    nameKey: { type: 'string', maxLength: NAME_KEY_MAX_LENGTH },
    categoryId: { type: 'string', maxLength: ID_MAX_LENGTH },
    priceMinor: { type: 'integer', minimum: 0 },
    currency: { type: 'string', minLength: 3, maxLength: 3 },
    taxRateBps: { type: 'integer', minimum: 0, maximum: 10_000 },
    active: { type: 'boolean' },
    updatedAt: { type: 'string', maxLength: ISO_DATE_TIME_MAX_LENGTH },
  },
  required: [
    'id',
    'sku',
    'barcode',
    'name',
    'nameKey',
    'categoryId',
    'priceMinor',
    'currency',
    'taxRateBps',
    'active',
    'updatedAt',
  ],
  additionalProperties: false,
  indexes: ['sku', 'barcode', 'nameKey', ['categoryId', 'nameKey']],
};

/**
 * How a terminal's stored products move to the current `productRxSchema` version (the terminal runs
 * them in batches when it opens a file written by an older release). One entry per version above 0.
 */
export const productRxMigrations: MigrationStrategies = {
  // 1: each product gets the search key of its name.
  1: (doc: Omit<StoredProduct, 'nameKey'>): StoredProduct => ({
    ...doc,
    nameKey: nameKeyOf(doc.name),
  }),
};
