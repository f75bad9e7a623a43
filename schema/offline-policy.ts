import { z } from 'zod';
import type { ErrorCode } from './error-codes.ts';
import { minorAmountSchema } from './money.ts';
import { PosError } from './pos-error.ts';
import type { OverrideCode, Payment, SaleOverride } from './sale.ts';
import { paymentMethodSchema } from './sale.ts';

const DAY_MS = 86_400_000;

/**
 * How much risk a terminal may take while it has not reached the cloud for longer than `thresholdMs`
 * (docs/design.md#offline-limits). Set per tenant by an admin, overridable per branch as a whole.
 */
export const offlinePolicySchema = z.object({
  /** A terminal whose last successful cloud contact is older than this is offline. */
  thresholdMs: z
    .int()
    .min(0)
    .max(30 * DAY_MS),
  /** Largest total of one event (sale or return) made offline; null: no limit. */
  maxSaleMinor: minorAmountSchema.nullable(),
  /** Largest sum of the totals of the events made offline since the last contact; null: no limit. */
  maxTotalMinor: minorAmountSchema.nullable(),
  /** The payment methods allowed offline; null: every method. */
  methods: z.array(paymentMethodSchema).max(20).nullable(),
});

/** An offline policy. */
export type OfflinePolicy = z.infer<typeof offlinePolicySchema>;

/** The policy of a tenant that set none: offline after five minutes without contact, no limits. */
export const DEFAULT_OFFLINE_POLICY: Readonly<OfflinePolicy> = {
  thresholdMs: 5 * 60_000,
  maxSaleMinor: null,
  maxTotalMinor: null,
  methods: null,
};

/** Whether the last successful contact at `lastContactAt` is older than the threshold at `now`. */
export function isOffline(
  policy: Pick<OfflinePolicy, 'thresholdMs'>,
  lastContactAt: string | null,
  now: number,
): boolean {
  return lastContactAt === null || now - Date.parse(lastContactAt) > policy.thresholdMs;
}

/** One limit of the policy an offline event goes beyond. */
export type OfflineLimitProblem = {
  limit: 'maxSaleMinor' | 'maxTotalMinor' | 'methods';
  message: string;
};

/**
 * The limits an event made offline goes beyond: its total above `maxSaleMinor`, the offline total
 * so far plus its total above `maxTotalMinor`, a tender of a method not allowed offline.
 */
export function offlineLimitProblems(
  policy: OfflinePolicy,
  event: { totalMinor: number; payments: readonly Payment[] },
  offlineTotalMinor: number,
): OfflineLimitProblem[] {
  const problems: OfflineLimitProblem[] = [];
  if (policy.maxSaleMinor !== null && event.totalMinor > policy.maxSaleMinor) {
    problems.push({
      limit: 'maxSaleMinor',
      message: `total ${event.totalMinor} is above the offline limit ${policy.maxSaleMinor}`,
    });
  }
  const after = offlineTotalMinor + event.totalMinor;
  if (policy.maxTotalMinor !== null && after > policy.maxTotalMinor) {
    problems.push({
      limit: 'maxTotalMinor',
      message: `${after} taken offline would be above the offline limit ${policy.maxTotalMinor}`,
    });
  }
  const allowed = policy.methods;
  const refused = allowed === null ? [] : event.payments.filter((p) => !allowed.includes(p.method));
  if (refused.length > 0) {
    problems.push({
      limit: 'methods',
      message: `${[...new Set(refused.map((p) => p.method))].join(', ')} not allowed offline`,
    });
  }
  return problems;
}

/**
 * The override check every till refusal a manager may overrule goes through: nothing to do without
 * `problems`; otherwise the override must name `code`, else the refusal is thrown with the problems.
 * Returns whether the override was used (the sale records it; the cloud audits it at ingest).
 */
export function requireOverride(
  code: Extract<OverrideCode, ErrorCode>,
  problems: readonly { message: string }[],
  override: SaleOverride | null,
  details: Record<string, unknown> = {},
): boolean {
  if (problems.length === 0) return false;
  if (override?.codes.includes(code)) return true;
  throw new PosError(code, problems.map((p) => p.message).join('; '), { ...details, problems });
}
