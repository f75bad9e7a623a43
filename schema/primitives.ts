import { z } from 'zod';

/**
 * Longest id the model accepts. Ids take part in RxDB indexes, which need a bound to build fixed-width
 * index keys; 64 fits a UUID, a SKU-derived id and most external keys.
 */
export const ID_MAX_LENGTH = 64;

/** Any entity id: non-empty, bounded, no whitespace (ids end up in index keys and idempotency keys). */
export const idSchema = z
  .string()
  .min(1)
  .max(ID_MAX_LENGTH)
  .regex(/^\S+$/, 'ids must not contain whitespace');

/**
 * A point in time as an ISO-8601 UTC string with a `Z` suffix. Fixed-offset strings are refused so that
 * string order equals time order, which the `[syncState, createdAt]` index relies on.
 */
export const isoDateTimeSchema = z.iso.datetime({ offset: false });

/** Longest ISO date-time string we accept (`2024-01-01T00:00:00.000000000Z` and shorter). */
export const ISO_DATE_TIME_MAX_LENGTH = 40;

/** A human-facing name (product, category, branch): trimmed length 1..200. */
export const nameSchema = z.string().trim().min(1).max(200);
