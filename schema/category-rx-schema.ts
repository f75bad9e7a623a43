import type { RxJsonSchema } from 'rxdb';
import type { Category } from './category.ts';
import { ID_MAX_LENGTH, ISO_DATE_TIME_MAX_LENGTH } from './constants.ts';

/**
 * RxDB schema of the terminal's `categories` collection. No secondary index: a catalog has few
 * categories, and the cashier page reads them all at once.
 */
export const categoryRxSchema: RxJsonSchema<Category> = {
  title: 'categories',
  description: 'Product categories, the same for every branch.',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: ID_MAX_LENGTH },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    parentId: { type: ['string', 'null'], maxLength: ID_MAX_LENGTH },
    sortOrder: { type: 'integer', minimum: 0, maximum: 1_000_000 },
    updatedAt: { type: 'string', maxLength: ISO_DATE_TIME_MAX_LENGTH },
  },
  required: ['id', 'name', 'parentId', 'sortOrder', 'updatedAt'],
  additionalProperties: false,
};
