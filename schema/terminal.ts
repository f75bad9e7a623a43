import { z } from 'zod';
import { idSchema, isoDateTimeSchema, nameSchema } from './primitives.ts';

/**
 * A registered till. The server derives `id` and `branchId` from the terminal's token, never from a
 * request body; the token itself is stored hashed by the server and is not part of this shape.
 */
export const terminalSchema = z.object({
  id: idSchema,
  tenantId: idSchema,
  branchId: idSchema,
  name: nameSchema,
  createdAt: isoDateTimeSchema,
  /** Set when an admin revoked the token; a revoked terminal gets `POS_TERMINAL_REVOKED`. */
  revokedAt: isoDateTimeSchema.nullable(),
  /** Last successful sync request, for the admin's stale-device list. */
  lastSyncAt: isoDateTimeSchema.nullable(),
});

/** A registered till. */
export type Terminal = z.infer<typeof terminalSchema>;
