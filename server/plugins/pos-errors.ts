import { GraphQLError } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';
import { ERROR_CODES, isPosError } from '../../schema/index.ts';
import type { ErrorCode, PosError } from '../../schema/index.ts';
import type { ServerLogger } from '../logger.ts';
import type { ServerMetrics } from '../metrics.ts';

/**
 * Codes whose HTTP status the answer carries, so a proxy or curl sees 401/410/429 without reading the
 * body: refusals of the caller (token, rate), a pull that must restart from a snapshot, an admin acting
 * on a revoked terminal. Other codes concern one row or field and keep GraphQL's 200 with the error
 * in the body.
 */
const REQUEST_LEVEL_CODES: ReadonlySet<ErrorCode> = new Set([
  'POS_SYNC_UNAUTHORIZED',
  'POS_TERMINAL_REVOKED',
  'POS_SYNC_RATE_LIMITED',
  'POS_CATALOG_RESNAPSHOT_REQUIRED',
  'POS_TERMINAL_ALREADY_REVOKED',
]);

/**
 * RFC 6750's challenge of a 401: the scheme, and `invalid_token` when a token was presented but is
 * unknown or revoked (none at all gets the bare challenge).
 */
function authenticateHeader(error: PosError): string {
  const presented = error.code === 'POS_TERMINAL_REVOKED' || error.details['reason'] !== 'missing';
  return presented ? 'Bearer realm="pos-sync", error="invalid_token"' : 'Bearer realm="pos-sync"';
}

/** The wire form of a `PosError`: `extensions.code`, its details, and an HTTP status where it matters. */
export function toGraphQLError(error: PosError, source?: GraphQLError): GraphQLError {
  const extensions: Record<string, unknown> = { ...error.details, code: error.code };
  if (REQUEST_LEVEL_CODES.has(error.code)) {
    const headers: Record<string, string> = {};
    const retryAfterMs = error.details['retryAfterMs'];
    if (typeof retryAfterMs === 'number') {
      headers['retry-after'] = String(Math.ceil(retryAfterMs / 1000));
    }
    const status = ERROR_CODES[error.code].httpStatus;
    if (status === 401) headers['www-authenticate'] = authenticateHeader(error);
    extensions['http'] = { status, headers };
  }
  return createGraphQLError(error.message, {
    nodes: source?.nodes,
    source: source?.source,
    positions: source?.positions,
    path: source?.path,
    extensions,
  });
}

/**
 * A request error raised by GraphQL itself outside any field (variables that do not coerce to their
 * declared types): a client error, whichever executor raised it; it answers `POS_INPUT_INVALID` with
 * HTTP 400.
 */
function requestInputError(error: GraphQLError): GraphQLError {
  return createGraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: { code: 'POS_INPUT_INVALID', http: { status: 400 } },
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
        const code = error.extensions?.['code'];
        // graphql-jit raises them bare; graphql-tools' executor (subscriptions, and values a custom
        // scalar refuses) as `BAD_USER_INPUT`: either way the request is refused whole, before any field.
        if ((code === undefined || code === 'BAD_USER_INPUT') && !error.path) {
          options.metrics.errors.inc({ code: 'POS_INPUT_INVALID' });
          return requestInputError(error);
        }
        options.metrics.errors.inc({ code: String(code ?? 'GRAPHQL_ERROR') });
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
