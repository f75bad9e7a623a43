import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { GraphQLError } from 'graphql';
import type { DocumentNode, ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { createYoga } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import type { ServerConfig } from './config.ts';
import type { ServerServices } from './context.ts';
import { AdminSockets } from './admin-sockets.ts';
import { useConsole } from './console/use-console.ts';
import { buildSchema } from './graphql/schema.ts';
import { instrumentStore } from './instrument-store.ts';
import type { ServerLogger } from './logger.ts';
import { createLogger } from './logger.ts';
import { createMetrics } from './metrics.ts';
import { createMaskError, toGraphQLError } from './plugins/pos-errors.ts';
import { identify, presentedToken, refuseUnauthenticated, useAuth } from './plugins/use-auth.ts';
import { useBodyLimit } from './plugins/use-body-limit.ts';
import { useEndpoints } from './plugins/use-endpoints.ts';
import { MAX_NESTING, useParseLimits } from './plugins/parse-limits.ts';
import { useQueryLimits } from './plugins/use-query-limits.ts';
import { useRateLimit } from './plugins/use-rate-limit.ts';
import { useSchemaExposure } from './plugins/use-schema-exposure.ts';
import { useWebSocketSubscriptions } from './plugins/use-websocket-subscriptions.ts';
import type { CloudStore } from './store/index.ts';
import { createToken, hashToken } from './store/index.ts';
import { startStreamHeadPoller } from './stream-head-poller.ts';
import { notifyOnWrite } from './store/core/stream-notices.ts';
import { StreamHub } from './stream-hub.ts';
import { TerminalRateLimiter } from './terminal-rate-limiter.ts';
import { CLOSE_TRY_AGAIN_LATER, CLOSE_UNAUTHORIZED, TerminalSockets } from './terminal-sockets.ts';

/** How long a WebSocket may stay open before its `connection_init` (with the token) arrives. */
const CONNECTION_INIT_TIMEOUT_MS = 3_000;

/** What `createServer` needs; no I/O singletons, so tests build each piece themselves. */
export type CreateServerOptions = {
  config: ServerConfig;
  store: CloudStore;
  logger?: ServerLogger;
};

/** A running server. */
export type PosServer = {
  /** `http://host:port/graphql`; the WebSocket endpoint is the same path with `ws:`. */
  url: string;
  wsUrl: string;
  port: number;
  /** In-process GraphQL over the Fetch API (yoga's `fetch`), for unit-level tests. */
  fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  services: ServerServices;
  /** The root token generated on this first start (null when configured or already stored). */
  generatedAdminToken: string | null;
  /** Stops accepting connections, ends subscriptions, stops timers. Does not close the store. */
  close(): Promise<void>;
};

/**
 * Stores the root token's hash: the configured token replaces any previous one; without one, a token is
 * generated on the very first start only, and the caller prints it once.
 */
async function ensureRootToken(store: CloudStore, adminToken?: string): Promise<string | null> {
  if (adminToken) {
    await store.setRootTokenHash(hashToken(adminToken));
    return null;
  }
  if ((await store.getRootTokenHash()) !== null) return null;
  const token = createToken('pos_r');
  await store.setRootTokenHash(hashToken(token));
  return token;
}

/**
 * Starts the cloud server: yoga's request pipeline (body limit → endpoints → auth → query limits →
 * rate limit → Pothos schema executed by graphql-jit → masked errors), HTTP at `/graphql` and graphql-ws on the same path.
 */
export async function createServer(options: CreateServerOptions): Promise<PosServer> {
  const { config } = options;
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const metrics = createMetrics();
  const hub = new StreamHub();
  // Every write that changes a stream wakes its subscriptions here, once, whoever made the write.
  const store = notifyOnWrite(instrumentStore(options.store, metrics), (notice) =>
    hub.notify(notice),
  );
  const limiter = new TerminalRateLimiter({
    perSecond: config.rateLimitPerSecond,
    burst: config.rateLimitBurst,
    redisUrl: config.redisUrl,
    logger,
    metrics,
  });
  const terminalSockets = new TerminalSockets({ maxPerTerminal: config.wsMaxPerTerminal });
  const adminSockets = new AdminSockets({ maxPerActor: config.wsMaxPerTerminal });
  const services: ServerServices = {
    config,
    store,
    logger,
    metrics,
    hub,
    closeTerminalSockets: (tenantId, terminalId) => {
      const closed = terminalSockets.close(tenantId, terminalId);
      if (closed > 0) logger.info({ tenantId, terminalId, closed }, 'terminal sockets closed');
    },
    closeAdminSockets: (tokenId) => {
      const closed = adminSockets.close(`admin:${tokenId}`);
      if (closed > 0) logger.info({ tokenId, closed }, 'admin sockets closed');
    },
  };
  const schema = buildSchema();
  const generatedAdminToken = await ensureRootToken(store, config.adminToken);

  const parseLimits = { maxTokens: config.maxTokens, maxNesting: MAX_NESTING };
  const yoga = createYoga<ServerServices>({
    schema,
    graphqlEndpoint: '/graphql',
    // Browsers only from the allowed origins, and without credentials: tokens travel in a header.
    cors: (request) => {
      const origin = request.headers.get('origin');
      return origin !== null && config.corsOrigins.includes(origin)
        ? { origin: [origin], credentials: false }
        : false;
    },
    landingPage: false,
    graphiql: config.dev ? { title: 'pos-sync', subscriptionsProtocol: 'WS' } : false,
    logging: false,
    context: () => services,
    maskedErrors: { maskError: createMaskError({ logger, metrics }) },
    plugins: [
      useBodyLimit(config.bodyLimitBytes),
      useEndpoints({
        metrics,
        checkHealth: () => store.ping(),
      }),
      ...(config.console ? [useConsole({ logger })] : []),
      useParseLimits(parseLimits),
      useAuth({ store, logger, schema, parseLimits }),
      useQueryLimits({ maxDepth: config.maxQueryDepth, maxAliases: config.maxAliases }),
      useSchemaExposure({
        introspection: config.introspection ?? config.dev,
        fieldSuggestions: config.fieldSuggestions ?? config.dev,
      }),
      useWebSocketSubscriptions(),
      useRateLimit({ limiter, metrics }),
      // Compiled execution (graphql-jit): the same protocol and answers, but resolving a 5,000-product
      // pull page's fields is several times cheaper than graphql-js's generic executor (see
      // docs/benchmarks.md, "Cloud server"). Runs after auth, limits and rate limit, which it does not
      // touch; compiled queries are cached per parsed document.
      useGraphQlJit(),
    ],
  });

  const httpServer = createHttpServer(
    {
      // A request must arrive whole within the timeout (Node's default lets a slow body hold a
      // connection for five minutes).
      requestTimeout: config.requestTimeoutMs,
      headersTimeout: Math.min(10_000, config.requestTimeoutMs),
      // How often Node enforces both (its default, 30 s, would add up to that much to each).
      connectionsCheckingInterval: Math.min(1_000, config.requestTimeoutMs),
    },
    yoga,
  );
  httpServer.maxConnections = config.maxConnections;
  // Listen first: a port in use fails here, as a rejected promise (the WebSocket server attached
  // before would re-emit the listen error as an uncaught one).
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const wsServer: WebSocketServer = new WebSocketServer({
    server: httpServer,
    path: yoga.graphqlEndpoint,
    // A message is bounded like an HTTP body (ws's own default is 100 MiB).
    maxPayload: config.bodyLimitBytes,
    verifyClient: (_info, done) => {
      if (wsServer.clients.size < config.wsMaxConnections) done(true);
      else done(false, 503, 'too many WebSocket connections');
    },
  });
  // The yoga recipe for graphql-ws: every WebSocket operation goes through the same envelop pipeline
  // (auth from the connection params, limits, rate limit, masked errors) as HTTP.
  const wsHandle = useServer(
    {
      connectionInitWaitTimeout: CONNECTION_INIT_TIMEOUT_MS,
      // A socket is kept only with a valid token in `connection_init`; a terminal's sockets are
      // registered so that a revoke or reassign closes them, and capped per terminal.
      onConnect: async (ctx) => {
        const socket = ctx.extra.socket;
        const source = { connectionParams: ctx.connectionParams };
        const { auth } = await identify(store, logger, source);
        if (auth.kind === 'none') {
          socket.close(CLOSE_UNAUTHORIZED, 'Unauthorized');
          return false;
        }
        if (auth.kind === 'root' || auth.kind === 'admin') {
          const added = adminSockets.add(auth.actor, socket);
          if (!added) socket.close(CLOSE_TRY_AGAIN_LATER, 'too many connections for this token');
          return added;
        }
        const token = presentedToken(source)!;
        const added = terminalSockets.add({ socket, ...auth.scope, token });
        if (!added) socket.close(CLOSE_TRY_AGAIN_LATER, 'too many connections for this terminal');
        return added;
      },
      execute: (args: any) => args.rootValue.execute(args),
      subscribe: (args: any) => args.rootValue.subscribe(args),
      onSubscribe: async (ctx, _id, params) => {
        // The token is checked again for every operation: a socket outlives a revocation until closed.
        const identity = await identify(store, logger, { connectionParams: ctx.connectionParams });
        const enveloped = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
          ...identity,
        });
        let document: DocumentNode;
        try {
          document = enveloped.parse(params.query);
        } catch (error) {
          // A syntax error or a limit (tokens, nesting) is the client's: answered on the operation,
          // where a throw would close the whole socket as a server failure (4500).
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        const refusal = refuseUnauthenticated(enveloped.schema, identity.auth, document);
        if (refusal) return [toGraphQLError(refusal)];
        const errors = enveloped.validate(enveloped.schema, document);
        if (errors.length) return errors;
        const args: ExecutionArgs & { rootValue: unknown } = {
          schema: enveloped.schema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue: await enveloped.contextFactory(),
          rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe },
        };
        return args;
      },
    },
    wsServer,
  );

  const port = (httpServer.address() as AddressInfo).port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;

  // Retention: prune tombstones and old log entries now and then. Unref'd: it never keeps the process up.
  const pruneTimer = setInterval(
    () => {
      store
        .prune({ olderThanMs: config.retentionMs })
        .then((report) => logger.info({ report }, 'pruned'))
        .catch((err: unknown) => logger.error({ err }, 'prune failed'));
    },
    Math.min(config.retentionMs, 3_600_000) || 3_600_000,
  );
  pruneTimer.unref();

  // Several instances on one MongoDB: writes through the others reach this hub by polling heads.
  const pollMs = config.streamPollMs ?? (config.mongoUrl ? 500 : 0);
  const poller =
    pollMs > 0 ? startStreamHeadPoller({ store, hub, intervalMs: pollMs, logger }) : null;
  // A revoke or reassign through another instance reaches this one's sockets the same way: by
  // checking the tokens of the connected terminals as often as the heads.
  let rechecking: Promise<void> | null = null;
  const recheckTimer =
    pollMs > 0
      ? setInterval(() => {
          rechecking ??= terminalSockets
            .recheck(store)
            .then((closed) => {
              if (closed > 0) logger.info({ closed }, 'sockets of revoked terminals closed');
            })
            .catch((err: unknown) => logger.warn({ err }, 'terminal token recheck failed'))
            .finally(() => (rechecking = null));
        }, pollMs)
      : null;
  recheckTimer?.unref();

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      clearInterval(pruneTimer);
      if (recheckTimer) clearInterval(recheckTimer);
      await poller?.close();
      await rechecking;
      await wsHandle.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
      await new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      });
      await limiter.close();
      logger.info('server closed');
    })());

  logger.info({ port }, 'server listening');
  return {
    url: `http://${host}:${port}/graphql`,
    wsUrl: `ws://${host}:${port}/graphql`,
    port,
    fetch: (input, init) => Promise.resolve(yoga.fetch(input as URL, init ?? {})),
    services,
    generatedAdminToken,
    close,
  };
}
