import { z } from 'zod';
import { ID_MAX_LENGTH } from './constants.ts';

export { ID_MAX_LENGTH, ISO_DATE_TIME_MAX_LENGTH } from './constants.ts';

/** Any entity id: non-empty, bounded, no whitespace (ids end up in index keys and idempotency keys). */
export const idSchema = z
  .string()
  .min(1)
  .max(ID_MAX_LENGTH)
  .regex(/^\S+$/, 'ids must not contain whitespace');

/**
 * A point in time exactly as `Date.prototype.toISOString()` writes it: UTC, `Z` suffix, milliseconds
 * (`2025-01-15T10:00:00.000Z`). One fixed format so that string order equals time order, which the
 * `[syncState, createdAt]` index relies on: with mixed precision `…00.5Z` would sort before `…00Z`.
 */
export const isoDateTimeSchema = z.iso.datetime({ offset: false, precision: 3 });

/** A human-facing name (product, category, branch): trimmed length 1..200. */
export const nameSchema = z.string().trim().min(1).max(200);
