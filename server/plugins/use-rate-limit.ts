import { Kind, getOperationAST } from 'graphql';
import type {
  DocumentNode,
  ExecutionResult,
  FieldNode,
  SelectionSetNode,
  ValueNode,
} from 'graphql';
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

function valueOf(value: ValueNode, variables: Readonly<Record<string, unknown>>): unknown {
  if (value.kind === Kind.VARIABLE) return variables[value.name.value];
  if (value.kind === Kind.INT) return Number(value.value);
  if (value.kind === Kind.LIST) return value.values;
  return undefined;
}

/**
 * How many documents a field asks for: its `limit`, plus the length of every list argument (the ids
 * of `productsByIds`, the rows of a push), each of which sizes the answer.
 */
function documentsOf(field: FieldNode, variables: Readonly<Record<string, unknown>>): number {
  let documents = 0;
  for (const argument of field.arguments ?? []) {
    const value = valueOf(argument.value, variables);
    if (Array.isArray(value)) documents += value.length;
    else if (argument.name.value === 'limit' && typeof value === 'number' && Number.isFinite(value))
      // A larger limit is refused by the field's own validation; it costs no more than the largest page.
      documents += Math.min(Math.max(0, value), PULL_LIMIT_MAX);
  }
  return documents;
}

/**
 * What an operation costs the terminal's bucket: one per root field (aliases included, so fifteen
 * aliased pulls are fifteen operations), plus one per thousand documents a field asks for
 * (`documentsOf`: its `limit` and the lengths of its list arguments). Fragments spread at the root are counted at each spread, as they execute.
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
        cost += 1 + Math.floor(documentsOf(selection, variables) / DOCUMENTS_PER_COST);
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
