import type { YogaInitialContext } from 'graphql-yoga';
import type { ServerConfig } from './config.ts';
import type { ServerLogger } from './logger.ts';
import type { ServerMetrics } from './metrics.ts';
import type { CloudStore, TerminalScope } from './store/index.ts';
import type { StreamHub } from './stream-hub.ts';

/** Who is calling, from the token alone (never from a request body). */
export type Auth =
  | { kind: 'terminal'; scope: TerminalScope }
  | { kind: 'admin'; tenantId: string; actor: string; tokenId: string; expiresAt: string | null }
  | { kind: 'root'; actor: 'root' }
  | {
      kind: 'none';
      /** `revoked`: a revoked terminal; `admin_revoked` / `admin_expired`: a tenant admin token. */
      problem: 'missing' | 'invalid' | 'revoked' | 'admin_revoked' | 'admin_expired';
    };

/** What every resolver receives: the server's services and the caller's identity. */
export type ServerServices = {
  config: ServerConfig;
  store: CloudStore;
  logger: ServerLogger;
  metrics: ServerMetrics;
  hub: StreamHub;
  /**
   * Closes the WebSocket connections (and so the subscriptions) a terminal holds on this instance;
   * the revoke and reassign resolvers call it. Other instances notice by rechecking tokens.
   */
  closeTerminalSockets: (tenantId: string, terminalId: string) => void;
  /** Closes the WebSocket connections a tenant admin token holds on this instance (on its revoke). */
  closeAdminSockets: (tokenId: string) => void;
};

/** The GraphQL context: yoga's, the services, and `auth` added by `useAuth`. */
export type GraphQLContext = YogaInitialContext &
  ServerServices & {
    auth: Auth;
    /** A child logger carrying terminalId/branchId once the caller is known. */
    log: ServerLogger;
  };
