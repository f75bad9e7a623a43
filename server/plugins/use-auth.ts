import type { Plugin } from 'graphql-yoga';
import type { Auth } from '../context.ts';
import type { ServerLogger } from '../logger.ts';
import type { CloudStore } from '../store/index.ts';

type HeaderSource = {
  request?: Request;
  connectionParams?: Record<string, unknown>;
};

function headerValue(record: Record<string, unknown> | undefined, name: string): string | null {
  if (!record) return null;
  for (const [key, value] of Object.entries(record)) {
    if (key.toLowerCase() === name && typeof value === 'string') return value;
  }
  return null;
}

/**
 * The presented token. HTTP: the `Authorization: Bearer` header. WebSocket: the connection params, either
 * `{ headers: { Authorization } }` (RxDB's `includeWsHeaders: true`) or `{ Authorization }` directly.
 */
export function presentedToken(source: HeaderSource): string | null {
  const params = source.connectionParams;
  const nested = params?.['headers'];
  const header =
    source.request?.headers.get('authorization') ??
    headerValue(
      typeof nested === 'object' && nested !== null ? (nested as Record<string, unknown>) : {},
      'authorization',
    ) ??
    headerValue(params, 'authorization');
  const match = header === null ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}

/** Resolves a token to the caller's identity through the store; prefixes only pick the first lookup. */
export async function authenticate(store: CloudStore, token: string | null): Promise<Auth> {
  if (token === null) return { kind: 'none', problem: 'missing' };
  const verifyTerminal = async (): Promise<Auth | null> => {
    const identity = await store.verifyTerminalToken(token);
    if (!identity) return null;
    if (identity.revoked) return { kind: 'none', problem: 'revoked' };
    const { tenantId, branchId, terminalId } = identity;
    return { kind: 'terminal', scope: { tenantId, branchId, terminalId } };
  };
  const verifyAdmin = async (): Promise<Auth | null> => {
    const identity = await store.verifyAdminToken(token);
    if (!identity) return null;
    if (identity.kind === 'root') return { kind: 'root', actor: 'root' };
    if (identity.status === 'revoked') return { kind: 'none', problem: 'admin_revoked' };
    if (identity.status === 'expired') return { kind: 'none', problem: 'admin_expired' };
    const { tenantId, tokenId, expiresAt } = identity;
    return { kind: 'admin', tenantId, actor: `admin:${tokenId}`, tokenId, expiresAt };
  };
  const order = token.startsWith('pos_t_')
    ? [verifyTerminal, verifyAdmin]
    : [verifyAdmin, verifyTerminal];
  for (const verify of order) {
    const auth = await verify();
    if (auth) return auth;
  }
  return { kind: 'none', problem: 'invalid' };
}

/**
 * Adds `auth` and a scoped logger `log` to the context of every operation, HTTP and WebSocket. It never
 * refuses by itself: each field says what it needs (terminal, admin, root) through the guards, so
 * `/healthz`-like fields and introspection stay open and errors carry the precise code.
 */
export function useAuth(options: { store: CloudStore; logger: ServerLogger }): Plugin {
  return {
    async onContextBuilding({ context, extendContext }) {
      const auth = await authenticate(options.store, presentedToken(context as HeaderSource));
      const log =
        auth.kind === 'terminal'
          ? options.logger.child({
              tenantId: auth.scope.tenantId,
              branchId: auth.scope.branchId,
              terminalId: auth.scope.terminalId,
            })
          : auth.kind === 'admin'
            ? options.logger.child({ tenantId: auth.tenantId, actor: auth.actor })
            : options.logger.child({ actor: auth.kind === 'root' ? 'root' : 'anonymous' });
      // The context type of yoga plugins is the initial one; `GraphQLContext` declares these fields.
      extendContext({ auth, log } as never);
    },
  };
}
