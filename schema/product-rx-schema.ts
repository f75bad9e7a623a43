import type { RxJsonSchema } from 'rxdb';
import { ID_MAX_LENGTH, ISO_DATE_TIME_MAX_LENGTH } from './constants.ts';
import type { BranchProduct } from './product.ts';

/**
 * RxDB schema of the terminal's `products` collection: the branch view (`branchProductSchema`).
 * Indexes serve the cashier page: lookup by SKU, by scanned barcode, and a category's products by name.
 * Kept in step with the zod schema by `rx-schemas.test.ts`.
 */
export const productRxSchema: RxJsonSchema<BranchProduct> = {
  title: 'products',
  description:
    'Branch view of the catalog: branch price applied, only products the branch carries.',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: ID_MAX_LENGTH },
    sku: { type: 'string', minLength: 1, maxLength: 64 },
    barcode: { type: 'string', maxLength: 64 },
    name: { type: 'string', minLength: 1, maxLength: 200 },
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
    'categoryId',
    'priceMinor',
    'currency',
    'taxRateBps',
    'active',
    'updatedAt',
  ],
  additionalProperties: false,
  indexes: ['sku', 'barcode', ['categoryId', 'name']],
};
