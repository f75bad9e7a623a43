import { z } from 'zod';
import { ID_MAX_LENGTH } from './constants.ts';

export { ID_MAX_LENGTH, ISO_DATE_TIME_MAX_LENGTH } from './constants.ts';

/**
 * Characters no id may contain: whitespace, controls (NUL, BEL, …), format characters (bidirectional
 * overrides and isolates, zero-width characters, BOM), separators, lone surrogates and private use.
 * Ids are shown to operators and end up in keys: each must look like what it is.
 */
const ID_PATTERN = /^[^\s\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Zl}\p{Zp}]+$/u;

/**
 * Text shown to people (names, SKUs): no controls, no line or paragraph separators, no lone surrogates
 * and no format characters except the zero-width joiner and non-joiner, which emoji and several
 * scripts need. Bidirectional overrides could make a name read differently from what it is.
 */
const TEXT_PATTERN = /^(?:[^\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]|[\u200C\u200D])*$/u;

/**
 * Any entity id: non-empty, bounded, no whitespace and no invisible or control characters (ids end up
 * in index keys and idempotency keys, and in front of operators).
 */
export const idSchema = z
  .string()
  .min(1)
  .max(ID_MAX_LENGTH)
  .regex(ID_PATTERN, 'ids must not contain whitespace, control or invisible formatting characters');

/**
 * A point in time exactly as `Date.prototype.toISOString()` writes it: UTC, `Z` suffix, milliseconds
 * (`2025-01-15T10:00:00.000Z`). One fixed format so that string order equals time order, which the
 * `[syncState, createdAt]` index relies on: with mixed precision `…00.5Z` would sort before `…00Z`.
 */
export const isoDateTimeSchema = z.iso.datetime({ offset: false, precision: 3 });

/** Text shown to people: trimmed length 1..`max`, without control or invisible formatting characters. */
export function textSchema(max: number) {
  return z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(TEXT_PATTERN, 'text must not contain control or invisible formatting characters');
}

/** A human-facing name (product, category, branch, terminal, tenant): trimmed length 1..200. */
export const nameSchema = textSchema(200);
