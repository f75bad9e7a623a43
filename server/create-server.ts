import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { useGraphQlJit } from '@envelop/graphql-jit';
import type { ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { createYoga } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import type { ServerConfig } from './config.ts';
import type { ServerServices } from './context.ts';
import { buildSchema } from './graphql/schema.ts';
import { instrumentStore } from './instrument-store.ts';
import type { ServerLogger } from './logger.ts';
import { createLogger } from './logger.ts';
import { createMetrics } from './metrics.ts';
import { createMaskError } from './plugins/pos-errors.ts';
import { useAuth } from './plugins/use-auth.ts';
import { useBodyLimit } from './plugins/use-body-limit.ts';
import { useEndpoints } from './plugins/use-endpoints.ts';
import { useQueryLimits } from './plugins/use-query-limits.ts';
import { useRateLimit } from './plugins/use-rate-limit.ts';
import type { CloudStore } from './store/index.ts';
import { createToken, hashToken } from './store/index.ts';
import { startStreamHeadPoller } from './stream-head-poller.ts';
import { StreamHub } from './stream-hub.ts';
import { TerminalRateLimiter } from './terminal-rate-limiter.ts';

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
  const store = instrumentStore(options.store, metrics);
  const hub = new StreamHub();
  const limiter = new TerminalRateLimiter({
    perSecond: config.rateLimitPerSecond,
    burst: config.rateLimitBurst,
    redisUrl: config.redisUrl,
    logger,
    metrics,
  });
  const services: ServerServices = { config, store, logger, metrics, hub };
  const generatedAdminToken = await ensureRootToken(store, config.adminToken);

  const yoga = createYoga<ServerServices>({
    schema: buildSchema(),
    graphqlEndpoint: '/graphql',
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
      useAuth({ store, logger }),
      useQueryLimits({ maxDepth: config.maxQueryDepth, maxAliases: config.maxAliases }),
      useRateLimit({ limiter, metrics }),
      // Compiled execution (graphql-jit): the same protocol and answers, but resolving a 5,000-product
      // pull page's fields is several times cheaper than graphql-js's generic executor (see
      // docs/benchmarks.md, "Cloud server"). Runs after auth, limits and rate limit, which it does not
      // touch; compiled queries are cached per parsed document.
      useGraphQlJit(),
    ],
  });

  const httpServer = createHttpServer(yoga);
  // Listen first: a port in use fails here, as a rejected promise (the WebSocket server attached
  // before would re-emit the listen error as an uncaught one).
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const wsServer = new WebSocketServer({ server: httpServer, path: yoga.graphqlEndpoint });
  // The yoga recipe for graphql-ws: every WebSocket operation goes through the same envelop pipeline
  // (auth from the connection params, limits, rate limit, masked errors) as HTTP.
  const wsHandle = useServer(
    {
      execute: (args: any) => args.rootValue.execute(args),
      subscribe: (args: any) => args.rootValue.subscribe(args),
      onSubscribe: async (ctx, _id, params) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
        });
        const args: ExecutionArgs & { rootValue: unknown } = {
          schema,
          operationName: params.operationName,
          document: parse(params.query),
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        if (errors.length) return errors;
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

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      clearInterval(pruneTimer);
      await poller?.close();
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
