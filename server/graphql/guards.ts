import type { ZodType, z } from 'zod';
import { PosError } from '../../schema/index.ts';
import { DEFAULT_TENANT_ID } from '../../schema/index.ts';
import type { GraphQLContext } from '../context.ts';
import type { TerminalScope } from '../store/index.ts';

function unauthorized(context: GraphQLContext, wanted: string): PosError {
  const auth = context.auth;
  if (auth.kind === 'none' && auth.problem === 'revoked')
    return new PosError('POS_TERMINAL_REVOKED');
  if (auth.kind === 'none') {
    return new PosError('POS_SYNC_UNAUTHORIZED', `A valid ${wanted} token is required.`, {
      reason: auth.problem,
    });
  }
  return new PosError('POS_FORBIDDEN', `This operation needs a ${wanted} token.`);
}

/** The terminal's scope from its token; sync operations call this first. */
export function requireTerminal(context: GraphQLContext): TerminalScope {
  if (context.auth.kind !== 'terminal') throw unauthorized(context, 'terminal');
  return context.auth.scope;
}

/** What an admin operation acts on: the tenant and who is acting, for the audit log. */
export type AdminScope = { tenantId: string; actor: string };

/**
 * The tenant an admin operation acts on. A tenant admin acts on its own tenant and may not name
 * another; the root token acts on `default` unless the operation names a tenant.
 */
export function requireAdmin(context: GraphQLContext, tenantId?: string | null): AdminScope {
  const auth = context.auth;
  if (auth.kind === 'root') return { tenantId: tenantId ?? DEFAULT_TENANT_ID, actor: auth.actor };
  if (auth.kind === 'admin') {
    if (tenantId != null && tenantId !== auth.tenantId) {
      throw new PosError('POS_FORBIDDEN', 'An admin token acts on its own tenant only.');
    }
    return { tenantId: auth.tenantId, actor: auth.actor };
  }
  throw unauthorized(context, 'admin');
}

/** The root token only: tenants and tenant admin tokens. */
export function requireRoot(context: GraphQLContext): { actor: string } {
  if (context.auth.kind === 'root') return { actor: context.auth.actor };
  throw unauthorized(context, 'root admin');
}

/**
 * Validates arguments with their zod schema before anything reaches the store: a bad input answers
 * `POS_INPUT_INVALID` with every issue and changes nothing.
 */
export function parseInput<T extends ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new PosError('POS_INPUT_INVALID', 'The input is invalid.', {
    issues: result.error.issues.slice(0, 50).map((issue) => ({
      path: issue.path.map(String).join('.'),
      message: issue.message,
    })),
  });
}
