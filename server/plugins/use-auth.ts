import { Kind } from 'graphql';
import type { DocumentNode, GraphQLSchema, SelectionSetNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { PosError } from '../../schema/index.ts';
import type { Auth } from '../context.ts';
import type { ServerLogger } from '../logger.ts';
import type { CloudStore } from '../store/index.ts';
import type { ParseLimits } from './parse-limits.ts';
import { parseWithinLimits } from './parse-limits.ts';
import { toGraphQLError } from './pos-errors.ts';

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

/** The caller's identity and a logger carrying it, as every operation's context holds them. */
export type Identity = { auth: Auth; log: ServerLogger };

/** Authenticates the presented token and makes the logger every resolver of the operation uses. */
export async function identify(
  store: CloudStore,
  logger: ServerLogger,
  source: HeaderSource,
): Promise<Identity> {
  const auth = await authenticate(store, presentedToken(source));
  const log =
    auth.kind === 'terminal'
      ? logger.child({
          tenantId: auth.scope.tenantId,
          branchId: auth.scope.branchId,
          terminalId: auth.scope.terminalId,
        })
      : auth.kind === 'admin'
        ? logger.child({ tenantId: auth.tenantId, actor: auth.actor })
        : logger.child({ actor: auth.kind === 'root' ? 'root' : 'anonymous' });
  return { auth, log };
}

/** Root fields anyone may select without a token: GraphQL's own (`__typename`, introspection). */
const OPEN_ROOT_FIELDS: ReadonlySet<string> = new Set(['__typename', '__schema', '__type']);

/**
 * Whether a document selects a root field of the schema other than GraphQL's own: every such field
 * needs a token. Fragments spread at the root are read once each, so this is linear in the document;
 * an explicit stack, not recursion, so a chain of thousands of fragments cannot overflow it.
 * Unknown fields are left to validation, which names them.
 */
export function selectsGuardedField(schema: GraphQLSchema, document: DocumentNode): boolean {
  const fragments = new Map<string, SelectionSetNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition.selectionSet);
  }
  return document.definitions.some((definition) => {
    if (definition.kind !== Kind.OPERATION_DEFINITION) return false;
    const root = schema.getRootType(definition.operation);
    if (!root) return false;
    const fields = root.getFields();
    const read = new Set<string>();
    const pending: SelectionSetNode[] = [definition.selectionSet];
    for (let selectionSet = pending.pop(); selectionSet; selectionSet = pending.pop()) {
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD) {
          const name = selection.name.value;
          if (!OPEN_ROOT_FIELDS.has(name) && Object.hasOwn(fields, name)) return true;
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          pending.push(selection.selectionSet);
        } else {
          const fragment = fragments.get(selection.name.value);
          if (!fragment || read.has(selection.name.value)) continue;
          read.add(selection.name.value);
          pending.push(fragment);
        }
      }
    }
    return false;
  });
}

/** The refusal of a caller without a valid token, as the guards word it. */
export function unauthenticatedError(auth: Auth & { kind: 'none' }): PosError {
  return auth.problem === 'revoked'
    ? new PosError('POS_TERMINAL_REVOKED')
    : new PosError('POS_SYNC_UNAUTHORIZED', undefined, { reason: auth.problem });
}

/**
 * Refuses, before validation, an operation of a caller without a valid token that selects anything
 * but GraphQL's own fields: validation and execution cost the server, and such a caller may run
 * nothing that needs them. `undefined` when the operation may go on.
 */
export function refuseUnauthenticated(
  schema: GraphQLSchema,
  auth: Auth,
  document: DocumentNode,
): PosError | undefined {
  if (auth.kind !== 'none' || !selectsGuardedField(schema, document)) return undefined;
  return unauthenticatedError(auth);
}

/**
 * Adds `auth` and a scoped logger `log` to the context of every operation, HTTP and WebSocket. The
 * token is checked as soon as the parameters are read; a caller without a valid one is refused
 * there unless it asks for GraphQL's own fields only (a parse of its document, no validation).
 * Otherwise it never refuses by itself: each field says what it needs (terminal, admin, root)
 * through the guards, so errors carry the precise code.
 */
export function useAuth(options: {
  store: CloudStore;
  logger: ServerLogger;
  schema: GraphQLSchema;
  parseLimits: ParseLimits;
}): Plugin {
  return {
    async onParams({ params, request, context, setResult }) {
      const identity = await identify(options.store, options.logger, { request });
      // The server context becomes the operation's initial context (yoga's `handleParams`).
      Object.assign(context, identity);
      if (identity.auth.kind !== 'none' || typeof params.query !== 'string') return;
      let document: DocumentNode;
      try {
        document = parseWithinLimits(params.query, options.parseLimits);
      } catch {
        return; // yoga's own parse answers it, within the same limits
      }
      const refusal = refuseUnauthenticated(options.schema, identity.auth, document);
      if (refusal) setResult({ errors: [toGraphQLError(refusal)] });
    },
    async onContextBuilding({ context, extendContext }) {
      if ((context as { auth?: Auth }).auth) return;
      // The context type of yoga plugins is the initial one; `GraphQLContext` declares these fields.
      extendContext(
        (await identify(options.store, options.logger, context as HeaderSource)) as never,
      );
    },
  };
}
