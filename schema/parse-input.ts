import type { z } from 'zod';
import { PosError } from './pos-error.ts';

/**
 * Parses `value` with `schema`, or throws `POS_INPUT_INVALID` (`invalid <what>`) listing the issues
 * (path and message, at most 50): the one check of every input at a boundary, on the terminal and in
 * the cloud's store. Changes nothing when it throws.
 */
export function parseInput<T extends z.ZodType>(
  schema: T,
  value: unknown,
  what: string,
): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new PosError('POS_INPUT_INVALID', `invalid ${what}`, {
    issues: parsed.error.issues.slice(0, 50).map((issue) => ({
      path: issue.path.map(String).join('.'),
      message: issue.message,
    })),
  });
}
