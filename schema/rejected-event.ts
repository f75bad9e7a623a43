import { z } from 'zod';
import { idSchema, isoDateTimeSchema } from './primitives.ts';

/**
 * A dead-letter entry: an event (so far always a sale) the cloud refused, kept for an operator with the
 * payload exactly as received. The terminal marks its copy `needs_attention`; the queue moves on.
 */
export const rejectedEventSchema = z.object({
  id: idSchema,
  tenantId: idSchema,
  branchId: idSchema,
  terminalId: idSchema,
  /** The sale's idempotency key, `terminalId:posId:localEventId`. */
  eventKey: z.string().min(1).max(200),
  /** The sale id the terminal gave the event, when it had a readable one. */
  eventId: z.string().max(200).nullable(),
  kind: z.enum(['sale']),
  code: z.string().min(1).max(64),
  message: z.string().max(2000),
  /** Every problem found, e.g. from `validateSale`. */
  problems: z.array(z.object({ path: z.string(), message: z.string(), rule: z.string() })),
  /** The event as received, unparsed: it may not fit any schema. */
  payload: z.unknown(),
  receivedAt: isoDateTimeSchema,
  resolvedAt: isoDateTimeSchema.nullable(),
});

/** A dead-letter entry for a refused event. */
export type RejectedEvent = z.infer<typeof rejectedEventSchema>;
