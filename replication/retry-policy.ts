import { ERROR_CODES, isErrorCode } from '../schema/index.ts';

/** Options of `computeBackoffMs`. */
export type BackoffOptions = {
  /** Delay ceiling of the first retry. Default 500 ms. */
  baseMs?: number;
  /** Largest delay the exponential part can reach. Default 60 s. */
  capMs?: number;
  /** `full`: uniform in [0, ceiling) (default); `none`: the ceiling itself, for tests and tools. */
  jitter?: 'full' | 'none';
  /** Source of randomness in [0, 1). Default `Math.random`. */
  random?: () => number;
  /** The server's `retryAfterMs` from `POS_SYNC_RATE_LIMITED`: never retry earlier than this. */
  retryAfterMs?: number;
};

/** Defaults of `computeBackoffMs`. */
export const DEFAULT_BACKOFF = { baseMs: 500, capMs: 60_000 } as const;

/**
 * Delay before retry number `attempt` (1 = first retry): exponential with full jitter and a cap,
 * `random() * min(capMs, baseMs * 2^(attempt - 1))`, then at least the server's `retryAfterMs`.
 *
 * Full jitter spreads the retries of many terminals that lost the network together, so they do not hit
 * the cloud in waves when it comes back. `retryAfterMs` is taken as a floor, not jittered: the server
 * knows when the terminal's rate limit frees up, and it may exceed the cap.
 */
export function computeBackoffMs(attempt: number, options: BackoffOptions = {}): number {
  const baseMs = options.baseMs ?? DEFAULT_BACKOFF.baseMs;
  const capMs = options.capMs ?? DEFAULT_BACKOFF.capMs;
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  // Capping the exponent keeps 2^exponent finite for absurd attempt counts.
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(exponent, 52));
  const random = options.random ?? Math.random;
  const jittered = options.jitter === 'none' ? ceiling : Math.floor(random() * ceiling);
  return Math.max(jittered, Math.max(0, options.retryAfterMs ?? 0));
}

/** Delay before retry number `attempt` (1 = first retry), never shorter than `retryAfterMs`. */
export type Backoff = (attempt: number, retryAfterMs?: number) => number;

/**
 * The backoff every retry of the terminal uses: `computeBackoffMs` with its options fixed once, and
 * the server's `retryAfterMs` (when a failure carried one) as the floor.
 */
export function createBackoff(options: Omit<BackoffOptions, 'retryAfterMs'> = {}): Backoff {
  return (attempt, retryAfterMs) =>
    computeBackoffMs(attempt, retryAfterMs === undefined ? options : { ...options, retryAfterMs });
}

/**
 * Whether a failure with this code may succeed when sent again. Anything without a registered code is a
 * network or transport failure (timeout, connection refused, a proxy's 502) and is retryable: the
 * terminal cannot tell it from an outage, and it must keep the sale until the cloud confirms it.
 */
export function isRetryable(code: string | null | undefined): boolean {
  if (!isErrorCode(code)) return true;
  return ERROR_CODES[code].retryable;
}

/** Default cap on server-side failures of one sale before it goes to `needs_attention`. */
export const DEFAULT_MAX_SERVER_ATTEMPTS = 8;

/** What the push worker does with a sale after a failed push. */
export type SaleRetryDecision =
  | { action: 'retry'; countsAttempt: boolean }
  | { action: 'needs_attention' }
  | { action: 'acknowledged' }
  | { action: 'halt' };

/**
 * Decides what happens to a sale whose push failed:
 * - `POS_SYNC_EVENT_DUPLICATE` is an acknowledgement: the cloud already has this sale, the terminal
 *   waits for the ingested copy to come back by pull;
 * - network failures (no registered code) and rate limiting retry forever and do not count: the sale is
 *   fine, the way to the cloud is not;
 * - `POS_SYNC_UNAUTHORIZED` / `POS_TERMINAL_REVOKED` halt the whole queue: no sale can succeed until an
 *   operator re-registers the terminal, and marking every sale would bury the real cause;
 * - other retryable server failures count an attempt, and after `maxServerAttempts` go to
 *   `needs_attention` (the push worker asks only about a failure it knows is the sale's own, see
 *   `decideSalesPush`);
 * - non-retryable rejections (`POS_SYNC_EVENT_INVALID`, ...) go to `needs_attention` at once.
 *
 * `attemptsSoFar` is the sale's `syncAttempts` before this failure.
 */
export function decideSaleRetry(
  code: string | null | undefined,
  attemptsSoFar: number,
  maxServerAttempts: number = DEFAULT_MAX_SERVER_ATTEMPTS,
): SaleRetryDecision {
  const kind = classifySaleFailure(code);
  if (kind.action !== 'retry' || !kind.countsAttempt) return kind;
  return attemptsSoFar + 1 >= maxServerAttempts ? { action: 'needs_attention' } : kind;
}

/**
 * What kind of failure a push failure is, before any cap: `decideSaleRetry` without the count. The
 * push worker asks this first and applies the cap only once a counted failure is known to be the
 * sale's own.
 */
export function classifySaleFailure(code: string | null | undefined): SaleRetryDecision {
  if (!isErrorCode(code) || code === 'POS_SYNC_RATE_LIMITED') {
    return { action: 'retry', countsAttempt: false };
  }
  if (code === 'POS_SYNC_EVENT_DUPLICATE') return { action: 'acknowledged' };
  if (code === 'POS_SYNC_UNAUTHORIZED' || code === 'POS_TERMINAL_REVOKED')
    return { action: 'halt' };
  if (!ERROR_CODES[code].retryable) return { action: 'needs_attention' };
  return { action: 'retry', countsAttempt: true };
}
