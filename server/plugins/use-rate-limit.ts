import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { PosError } from '../../schema/index.ts';
import type { GraphQLContext } from '../context.ts';
import type { ServerMetrics } from '../metrics.ts';
import type { TerminalRateLimiter } from '../terminal-rate-limiter.ts';
import { toGraphQLError } from './pos-errors.ts';

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
