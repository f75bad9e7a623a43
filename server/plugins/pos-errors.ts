import { GraphQLError } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';
import { ERROR_CODES, isPosError } from '../../schema/index.ts';
import type { ErrorCode, PosError } from '../../schema/index.ts';
import type { ServerLogger } from '../logger.ts';
import type { ServerMetrics } from '../metrics.ts';

/**
 * Codes that end a whole request, so the HTTP status says it too (a proxy or curl sees 401/429 without
 * reading the body). Other codes concern one field and keep GraphQL's 200 with the error in the body.
 */
const REQUEST_LEVEL_CODES: ReadonlySet<ErrorCode> = new Set([
  'POS_SYNC_UNAUTHORIZED',
  'POS_TERMINAL_REVOKED',
  'POS_SYNC_RATE_LIMITED',
]);

/** The wire form of a `PosError`: `extensions.code`, its details, and an HTTP status where it matters. */
export function toGraphQLError(error: PosError, source?: GraphQLError): GraphQLError {
  const extensions: Record<string, unknown> = { ...error.details, code: error.code };
  if (REQUEST_LEVEL_CODES.has(error.code)) {
    const headers: Record<string, string> = {};
    const retryAfterMs = error.details['retryAfterMs'];
    if (typeof retryAfterMs === 'number') {
      headers['retry-after'] = String(Math.ceil(retryAfterMs / 1000));
    }
    extensions['http'] = { status: ERROR_CODES[error.code].httpStatus, headers };
  }
  return createGraphQLError(error.message, {
    nodes: source?.nodes,
    source: source?.source,
    positions: source?.positions,
    path: source?.path,
    extensions,
  });
}

function findPosError(error: unknown): PosError | null {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    if (isPosError(current)) return current;
    current = (current as { originalError?: unknown; cause?: unknown }).originalError;
  }
  return null;
}

/**
 * Yoga's `maskedErrors.maskError`: a `PosError` travels with its code; GraphQL's own errors (parse,
 * validation, variables, limits) pass unchanged; anything else is an unknown failure, logged with its
 * stack and masked, so internals never reach a client.
 */
export function createMaskError(options: { logger: ServerLogger; metrics: ServerMetrics }) {
  return (error: unknown, message: string): Error => {
    const posError = findPosError(error);
    if (posError) {
      options.metrics.errors.inc({ code: posError.code });
      if (posError.code === 'POS_SYNC_STORAGE_FAILED') {
        options.logger.error({ err: posError, errorCode: posError.code }, 'store failure');
      }
      return toGraphQLError(posError, error instanceof GraphQLError ? error : undefined);
    }
    if (error instanceof GraphQLError) {
      const original = error.originalError;
      if (!original || original instanceof GraphQLError) {
        const code = String(error.extensions['code'] ?? 'GRAPHQL_ERROR');
        options.metrics.errors.inc({ code });
        return error;
      }
    }
    const cause = error instanceof GraphQLError ? (error.originalError ?? error) : error;
    options.metrics.errors.inc({ code: 'INTERNAL_SERVER_ERROR' });
    options.logger.error({ err: cause, errorCode: 'INTERNAL_SERVER_ERROR' }, 'unexpected error');
    return createGraphQLError(message, {
      nodes: error instanceof GraphQLError ? error.nodes : undefined,
      path: error instanceof GraphQLError ? error.path : undefined,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  };
}
