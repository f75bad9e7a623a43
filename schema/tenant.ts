import { z } from 'zod';
import { idSchema, nameSchema } from './primitives.ts';

/** Id of the single tenant the embedded default runs. */
export const DEFAULT_TENANT_ID = 'default';

/** One retail business. Every record the cloud stores belongs to exactly one tenant. */
export const tenantSchema = z.object({
  id: idSchema,
  name: nameSchema,
});

/** One retail business. */
export type Tenant = z.infer<typeof tenantSchema>;
