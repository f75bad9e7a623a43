import type { z } from 'zod';
import { PosError } from '../../schema/index.ts';

/**
 * The store checks its inputs again even though the GraphQL layer validates them: the port is also
 * called by tools and tests, and a bad row must never reach the file.
 */
export function parseInput<T extends z.ZodType>(
  schema: T,
  value: unknown,
  what: string,
): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new PosError('POS_INPUT_INVALID', `invalid ${what}`, {
      issues: parsed.error.issues.map((i) => ({
        path: i.path.map(String).join('.'),
        message: i.message,
      })),
    });
  }
  return parsed.data;
}
