import { describe, expect, it } from 'vitest';
import type { OfflinePolicy } from './offline-policy.ts';
import { isOffline, offlineLimitProblems, requireOverride } from './offline-policy.ts';

const policy: OfflinePolicy = {
  thresholdMs: 60_000,
  maxSaleMinor: 1_000,
  maxTotalMinor: 2_500,
  methods: ['cash'],
};
const cash = (amountMinor: number) => [{ method: 'cash' as const, amountMinor }];

describe('offline policy', () => {
  it.each([
    ['within every limit', 1_000, cash(1_000), 1_500, []],
    ['a sale above maxSaleMinor', 1_001, cash(1_001), 0, ['maxSaleMinor']],
    ['the offline total above maxTotalMinor', 900, cash(900), 1_700, ['maxTotalMinor']],
    ['a card tender', 500, [{ method: 'card' as const, amountMinor: 500 }], 0, ['methods']],
    [
      'all three at once',
      2_000,
      [{ method: 'voucher' as const, amountMinor: 2_000 }],
      1_000,
      ['maxSaleMinor', 'maxTotalMinor', 'methods'],
    ],
  ])('%s', (_name, totalMinor, payments, offlineTotal, limits) => {
    const problems = offlineLimitProblems(policy, { totalMinor, payments }, offlineTotal);
    expect(problems.map((p) => p.limit)).toEqual(limits);
  });

  it('has no limits where the policy says null', () => {
    const open = { thresholdMs: 0, maxSaleMinor: null, maxTotalMinor: null, methods: null };
    expect(offlineLimitProblems(open, { totalMinor: 1e12, payments: cash(1e12) }, 1e12)).toEqual(
      [],
    );
  });

  it('is offline past the threshold since the last contact, or without one', () => {
    const now = Date.parse('2026-01-01T12:00:00.000Z');
    expect(isOffline(policy, '2026-01-01T11:59:00.000Z', now)).toBe(false);
    expect(isOffline(policy, '2026-01-01T11:58:59.999Z', now)).toBe(true);
    expect(isOffline(policy, null, now)).toBe(true);
  });

  it('passes an override naming the code, refuses without it, and needs none without problems', () => {
    const problems = [{ message: 'too much' }];
    const override = {
      managerId: 'mgr-1',
      reason: 'ok',
      codes: ['POS_OFFLINE_LIMIT_EXCEEDED' as const],
    };
    expect(requireOverride('POS_OFFLINE_LIMIT_EXCEEDED', [], null)).toBe(false);
    expect(requireOverride('POS_OFFLINE_LIMIT_EXCEEDED', problems, override)).toBe(true);
    expect(() => requireOverride('POS_OFFLINE_LIMIT_EXCEEDED', problems, null)).toThrow(
      expect.objectContaining({ code: 'POS_OFFLINE_LIMIT_EXCEEDED' }),
    );
    expect(() =>
      requireOverride('POS_OFFLINE_LIMIT_EXCEEDED', problems, {
        ...override,
        codes: ['POS_CREDIT_LIMIT_EXCEEDED'],
      }),
    ).toThrow(expect.objectContaining({ code: 'POS_OFFLINE_LIMIT_EXCEEDED' }));
  });
});
