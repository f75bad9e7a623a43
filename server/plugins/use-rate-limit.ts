import { Kind, getOperationAST } from 'graphql';
import type { DocumentNode, ExecutionResult, FieldNode, SelectionSetNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { PULL_LIMIT_MAX } from '../../replication/index.ts';
import { PosError } from '../../schema/index.ts';
import type { GraphQLContext } from '../context.ts';
import type { ServerMetrics } from '../metrics.ts';
import type { TerminalRateLimiter } from '../terminal-rate-limiter.ts';
import { toGraphQLError } from './pos-errors.ts';

function rateLimitedResult(retryAfterMs: number): ExecutionResult {
  const error = new PosError('POS_SYNC_RATE_LIMITED', undefined, { retryAfterMs });
  return { errors: [toGraphQLError(error)] };
}

/** Documents a pull asks for per unit of cost beyond the first: a 5,000-document pull costs 6. */
const DOCUMENTS_PER_COST = 1_000;

function limitOf(field: FieldNode, variables: Readonly<Record<string, unknown>>): number {
  const argument = field.arguments?.find((a) => a.name.value === 'limit');
  if (!argument) return 0;
  const value =
    argument.value.kind === Kind.VARIABLE
      ? variables[argument.value.name.value]
      : argument.value.kind === Kind.INT
        ? Number(argument.value.value)
        : 0;
  // A larger limit is refused by the field's own validation; it costs no more than the largest page.
  return typeof value === 'number' && Number.isFinite(value)
    ? Math.min(Math.max(0, value), PULL_LIMIT_MAX)
    : 0;
}

/**
 * What an operation costs the terminal's bucket: one per root field (aliases included, so fifteen
 * aliased pulls are fifteen operations), plus one per thousand documents a field asks for with
 * `limit`. Fragments spread at the root are counted at each spread, as they execute.
 */
export function operationCost(
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Readonly<Record<string, unknown>> = {},
): number {
  const operation = getOperationAST(document, operationName);
  if (!operation) return 1;
  const fragments = new Map<string, SelectionSetNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition.selectionSet);
  }
  // Validation has refused fragment cycles; the depth bound keeps a spread chain from multiplying.
  const costOf = (selectionSet: SelectionSetNode, depth: number): number => {
    if (depth > 3) return 0;
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value.startsWith('__')) continue;
        cost += 1 + Math.floor(limitOf(selection, variables) / DOCUMENTS_PER_COST);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        cost += costOf(selection.selectionSet, depth + 1);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (fragment) cost += costOf(fragment, depth + 1);
      }
    }
    return cost;
  };
  return Math.max(1, costOf(operation.selectionSet, 0));
}

/**
 * Refuses a terminal's operation (query, mutation or subscription start) when its bucket holds less
 * than the operation's cost (`operationCost`).
 * Admins are not limited here: they are few, and bulk imports are bounded by the upsert size instead.
 */
export function useRateLimit(options: {
  limiter: TerminalRateLimiter;
  metrics: ServerMetrics;
}): Plugin<GraphQLContext> {
  const check = async (
    args: {
      contextValue: GraphQLContext;
      document: DocumentNode;
      operationName?: string | null;
      variableValues?: Readonly<Record<string, unknown>> | null;
    },
    stop: (result: ExecutionResult) => void,
  ): Promise<void> => {
    const context = args.contextValue;
    if (context.auth?.kind !== 'terminal') return;
    const { tenantId, terminalId } = context.auth.scope;
    const cost = operationCost(args.document, args.operationName, args.variableValues ?? {});
    const answer = await options.limiter.take(`${tenantId}:${terminalId}`, cost);
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
      await check(args, setResultAndStopExecution);
    },
    async onSubscribe({ args, setResultAndStopExecution }) {
      await check(args, setResultAndStopExecution);
    },
  };
}
