import { z } from 'zod';
import { currencySchema } from './money.ts';
import { idSchema, nameSchema } from './primitives.ts';

/**
 * A shop of a tenant. Terminals belong to one branch; prices, assortment and inventory are per branch.
 * `currency` is optional so the contract `{id, tenantId, name}` holds; when set, sales of the branch must
 * be in it (the server passes it to `validateSale` as `expectedCurrency`).
 */
export const branchSchema = z.object({
  /** No `:`: inventory ids are `branchId:productId`, so a colon would let two rows share an id. */
  id: idSchema.regex(/^[^:]*$/, 'branch ids must not contain ":"'),
  tenantId: idSchema,
  name: nameSchema,
  currency: currencySchema.optional(),
});

/** A shop of a tenant. */
export type Branch = z.infer<typeof branchSchema>;
