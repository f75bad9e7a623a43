import { z } from 'zod';
import { branchProductSchema, categorySchema, withNameKey } from '../schema/index.ts';

/**
 * Catalog documents as the cloud sends them outside of replication (reconcile fetches, re-snapshot),
 * checked before they are written: `_deleted` is kept, unknown keys are dropped, a product gets the
 * `nameKey` the terminal stores with it.
 */
export const catalogWriteSchemas = {
  products: branchProductSchema.extend({ _deleted: z.boolean() }).transform(withNameKey),
  categories: categorySchema.extend({ _deleted: z.boolean() }),
} as const;
