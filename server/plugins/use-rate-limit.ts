import Bottleneck from 'bottleneck';
import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { PosError } from '../../schema/index.ts';
import type { GraphQLContext } from '../context.ts';
import type { ServerMetrics } from '../metrics.ts';
import { toGraphQLError } from './pos-errors.ts';

/** Per-terminal token bucket: `perSecond` sustained, `burst` at once after idling. */
export type RateLimitOptions = { perSecond: number; burst: number };

const REFILL_INTERVAL_MS = 1_000;

/**
 * A token bucket per terminal on bottleneck's reservoir: refilled by `perSecond` every second up to
 * `burst`. Operations beyond it are not queued (a queue would only delay the terminal's own timeout):
 * `highWater: 0` with the OVERFLOW strategy drops them, and the caller answers `POS_SYNC_RATE_LIMITED`.
 */
export class TerminalRateLimiter {
  readonly #group: Bottleneck.Group;

  constructor(options: RateLimitOptions) {
    this.#group = new Bottleneck.Group({
      reservoir: options.burst,
      reservoirIncreaseAmount: options.perSecond,
      reservoirIncreaseInterval: REFILL_INTERVAL_MS,
      reservoirIncreaseMaximum: options.burst,
      highWater: 0,
      strategy: Bottleneck.strategy.OVERFLOW,
      // Idle limiters are dropped after a minute; a returning terminal starts with a full bucket.
      timeout: 60_000,
    });
  }

  /** Takes one operation from the terminal's bucket; `retryAfterMs` when it is empty. */
  async take(terminalKey: string): Promise<{ ok: true } | { ok: false; retryAfterMs: number }> {
    try {
      await this.#group.key(terminalKey).schedule(() => Promise.resolve());
      return { ok: true };
    } catch (error) {
      if (error instanceof Bottleneck.BottleneckError) {
        // The bucket refills every interval; waiting one interval is always enough for one operation.
        return { ok: false, retryAfterMs: REFILL_INTERVAL_MS };
      }
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.#group.disconnect(false);
  }
}

function rateLimitedResult(retryAfterMs: number): ExecutionResult {
  const error = new PosError('POS_SYNC_RATE_LIMITED', undefined, { retryAfterMs });
  return { errors: [toGraphQLError(error)] };
}

/**
 * Refuses a terminal's operation (query, mutation or subscription start) when its bucket is empty.
 * Admins are not limited here: they are few, and bulk imports are bounded by the upsert size instead.
 */
export function useRateLimit(options: {
  limiter: TerminalRateLimiter;
  metrics: ServerMetrics;
}): Plugin<GraphQLContext> {
  const check = async (
    context: GraphQLContext,
    stop: (result: ExecutionResult) => void,
  ): Promise<void> => {
    if (context.auth?.kind !== 'terminal') return;
    const { tenantId, terminalId } = context.auth.scope;
    const answer = await options.limiter.take(`${tenantId}:${terminalId}`);
    if (answer.ok) return;
    options.metrics.rateLimited.inc();
    context.log.warn(
      { errorCode: 'POS_SYNC_RATE_LIMITED', retryAfterMs: answer.retryAfterMs },
      'rate limited',
    );
    stop(rateLimitedResult(answer.retryAfterMs));
  };
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      await check(args.contextValue, setResultAndStopExecution);
    },
    async onSubscribe({ args, setResultAndStopExecution }) {
      await check(args.contextValue, setResultAndStopExecution);
    },
  };
}
