import { ERROR_CODES, isErrorCode } from './error-codes.ts';
import type { ErrorCode } from './error-codes.ts';

/** Options of a `PosError`: the error that caused it, for logs (never sent to clients). */
export type PosErrorOptions = { cause?: unknown };

/**
 * The one error class of the project. `code` is stable and travels in GraphQL `extensions.code`;
 * `details` is structured data for the client (e.g. `retryAfterMs`, zod issues) and must not hold secrets.
 */
export class PosError extends Error {
  override readonly name = 'PosError';
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: ErrorCode,
    message: string = ERROR_CODES[code].message,
    details: Record<string, unknown> = {},
    options: PosErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = details;
  }

  /** Whether retrying the same request later may succeed (from the code registry). */
  get retryable(): boolean {
    return ERROR_CODES[this.code].retryable;
  }
}

/**
 * Whether `value` is a `PosError`. Checks `name` and a registered `code` instead of `instanceof`, so it
 * also holds for errors from another realm or another copy of this module (worker, bundled CLI).
 */
export function isPosError(value: unknown): value is PosError {
  if (value instanceof PosError) return true;
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { name?: unknown; code?: unknown; message?: unknown };
  return (
    candidate.name === 'PosError' &&
    isErrorCode(candidate.code) &&
    typeof candidate.message === 'string'
  );
}
