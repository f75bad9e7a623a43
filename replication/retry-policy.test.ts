import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  classifySaleFailure,
  computeBackoffMs,
  createBackoff,
  decideSaleRetry,
  isRetryable,
} from './retry-policy.ts';

describe('computeBackoffMs', () => {
  it('doubles from the base up to the cap without jitter', () => {
    const delays = [1, 2, 3, 4, 5, 6].map((a) =>
      computeBackoffMs(a, { baseMs: 100, capMs: 1000, jitter: 'none' }),
    );
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('draws full jitter below the exponential ceiling', () => {
    expect(computeBackoffMs(3, { baseMs: 100, random: () => 0 })).toBe(0);
    expect(computeBackoffMs(3, { baseMs: 100, random: () => 0.5 })).toBe(200);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (attempt, r) => {
          const delay = computeBackoffMs(attempt, { baseMs: 500, capMs: 60_000, random: () => r });
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThan(60_000);
        },
      ),
    );
  });

  it('never retries earlier than the server asked, even beyond the cap', () => {
    expect(computeBackoffMs(1, { random: () => 0.9, retryAfterMs: 5000 })).toBe(5000);
    expect(computeBackoffMs(20, { capMs: 1000, jitter: 'none', retryAfterMs: 90_000 })).toBe(
      90_000,
    );
    expect(computeBackoffMs(4, { baseMs: 1000, jitter: 'none', retryAfterMs: 10 })).toBe(8000);
  });
});

describe('createBackoff', () => {
  it('is computeBackoffMs with its options fixed, and the retry hint as a floor when there is one', () => {
    const backoff = createBackoff({ baseMs: 100, capMs: 1000, jitter: 'none' });
    expect([1, 2, 3, 4, 5].map((attempt) => backoff(attempt))).toEqual([100, 200, 400, 800, 1000]);
    expect(backoff(1, 5000)).toBe(5000);
    expect(backoff(4, 10)).toBe(800);
    expect(createBackoff({ baseMs: 100, random: () => 0.5 })(3)).toBe(200);
  });
});

describe('isRetryable', () => {
  it('retries network failures and retryable codes, not rejections', () => {
    expect(isRetryable(undefined)).toBe(true);
    expect(isRetryable('ECONNREFUSED')).toBe(true);
    expect(isRetryable('POS_SYNC_STORAGE_FAILED')).toBe(true);
    expect(isRetryable('POS_SYNC_EVENT_INVALID')).toBe(false);
  });
});

describe('decideSaleRetry', () => {
  it('retries network failures forever without counting', () => {
    expect(decideSaleRetry(undefined, 1_000_000)).toEqual({
      action: 'retry',
      countsAttempt: false,
    });
    expect(decideSaleRetry('POS_SYNC_RATE_LIMITED', 99)).toEqual({
      action: 'retry',
      countsAttempt: false,
    });
  });

  it('sends a refused sale to needs_attention at once', () => {
    expect(decideSaleRetry('POS_SYNC_EVENT_INVALID', 0)).toEqual({ action: 'needs_attention' });
  });

  it('counts server failures up to the cap, then needs_attention', () => {
    expect(decideSaleRetry('POS_SYNC_STORAGE_FAILED', 0, 3)).toEqual({
      action: 'retry',
      countsAttempt: true,
    });
    expect(decideSaleRetry('POS_SYNC_STORAGE_FAILED', 1, 3)).toEqual({
      action: 'retry',
      countsAttempt: true,
    });
    expect(decideSaleRetry('POS_SYNC_STORAGE_FAILED', 2, 3)).toEqual({ action: 'needs_attention' });
  });

  it('acknowledges a duplicate and halts the queue when the token is refused', () => {
    expect(decideSaleRetry('POS_SYNC_EVENT_DUPLICATE', 0)).toEqual({ action: 'acknowledged' });
    expect(decideSaleRetry('POS_SYNC_UNAUTHORIZED', 0)).toEqual({ action: 'halt' });
    expect(decideSaleRetry('POS_TERMINAL_REVOKED', 0)).toEqual({ action: 'halt' });
  });
});

describe('classifySaleFailure', () => {
  it('is decideSaleRetry without the cap: a counted failure stays a retry however often it came', () => {
    expect(classifySaleFailure('POS_SYNC_STORAGE_FAILED')).toEqual({
      action: 'retry',
      countsAttempt: true,
    });
    expect(decideSaleRetry('POS_SYNC_STORAGE_FAILED', 7, 8)).toEqual({ action: 'needs_attention' });
    for (const code of [
      undefined,
      'POS_SYNC_RATE_LIMITED',
      'POS_SYNC_EVENT_INVALID',
      'POS_SYNC_EVENT_DUPLICATE',
      'POS_TERMINAL_REVOKED',
    ]) {
      expect(classifySaleFailure(code)).toEqual(decideSaleRetry(code, 1_000, 1));
    }
  });
});
