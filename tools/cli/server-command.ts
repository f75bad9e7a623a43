import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ServerConfigInput } from '../../server/index.ts';
import { createLogger, createServer, parseServerConfig, saleBoundsOf } from '../../server/index.ts';
import type { CloudStore } from '../../server/store/index.ts';
import { openSqliteCloudStore } from '../../server/store/index.ts';
import { openMongoCloudStore } from '../../server/store/mongo/index.ts';
import { seedDemo } from './demo-seed.ts';
import type { DemoTerminal } from './demo-terminal.ts';
import {
  loadDemoTerminals,
  saveDemoTerminals,
  secondTerminalCommand,
  startDemoTerminal,
} from './demo-terminal.ts';

/**
 * `pos server` and `pos start`. `start` is the demo: development mode (GraphiQL), a demo catalog
 * seeded into an empty store, and the first demo terminal with its cashier page. Resolves when the server has shut down after SIGINT/SIGTERM.
 */
export async function runServer(argv: string[], mode: 'server' | 'start'): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      'admin-token': { type: 'string' },
      'admin-token-file': { type: 'string' },
      host: { type: 'string' },
      dev: { type: 'boolean' },
      'mongo-url': { type: 'string' },
      'redis-url': { type: 'string' },
      introspection: { type: 'boolean' },
      'field-suggestions': { type: 'boolean' },
      'cors-origins': { type: 'string' },
      'no-console': { type: 'boolean' },
    },
  });
  const flags: ServerConfigInput = {
    port: values.port as never,
    dataDir: values['data-dir'],
    adminToken: values['admin-token'],
    adminTokenFile: values['admin-token-file'],
    host: values.host,
    mongoUrl: values['mongo-url'],
    redisUrl: values['redis-url'],
    introspection: values.introspection,
    fieldSuggestions: values['field-suggestions'],
    corsOrigins: values['cors-origins'],
    console: values['no-console'] ? false : undefined,
    dev:
      values.dev ?? (mode === 'start' && process.env['POS_DEV'] === undefined ? true : undefined),
  };
  let config;
  try {
    config = parseServerConfig(flags, process.env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  const logger = createLogger({ level: config.logLevel });
  if (values['admin-token'] !== undefined) {
    logger.warn(
      'the root token given with --admin-token is visible to every user of this host in ps; ' +
        'use --admin-token-file or POS_ADMIN_TOKEN_FILE',
    );
  }
  // The embedded SQLite store is the default; --mongo-url / POS_MONGO_URL selects MongoDB.
  const store: CloudStore = config.mongoUrl
    ? await openMongoCloudStore({
        url: config.mongoUrl,
        dbName: config.mongoDb,
        retentionMs: config.retentionMs,
        staleAfterMs: config.staleTerminalAfterMs,
        saleBounds: saleBoundsOf(config),
        logger,
      })
    : openSqliteCloudStore({
        dataDir: config.dataDir,
        retentionMs: config.retentionMs,
        staleAfterMs: config.staleTerminalAfterMs,
        saleBounds: saleBoundsOf(config),
      });
  const seeded = mode === 'start' ? await seedDemo(store) : null;
  let server;
  try {
    server = await createServer({ config, store, logger });
  } catch (error) {
    await store.close();
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    process.stderr.write(
      `port ${config.port} on ${config.host} is already in use (another pos server?); ` +
        'stop it or choose another with --port\n',
    );
    return 1;
  }
  const out = (line = '') => process.stdout.write(`${line}\n`);
  out();
  out(
    `pos-sync cloud server (data: ${config.mongoUrl ? `MongoDB ${config.mongoDb}` : config.dataDir})`,
  );
  // Ctrl-C is ours from before the first line a user (or a test) could react to: a signal that came
  // between printing the URLs and listening for it would kill the process instead of closing it.
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'shutting down');
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  out(`  GraphQL    ${server.url}${config.dev ? '   (GraphiQL in a browser)' : ''}`);
  out(`  WebSocket  ${server.wsUrl}`);
  if (config.console) out(`  Console    ${server.url.replace(/\/graphql$/, '/console')}`);
  out(`  Health     ${server.url.replace(/\/graphql$/, '/healthz')}`);
  out(`  Metrics    ${server.url.replace(/\/graphql$/, '/metrics')}`);
  if (server.generatedAdminToken) {
    out();
    out('Admin (root) token, generated on this first start and shown only now; store it safely:');
    out(`  ${server.generatedAdminToken}`);
  }
  if (seeded) {
    saveDemoTerminals(config.dataDir, seeded);
    out();
    out(`Demo catalog seeded; the demo terminals' tokens are kept in ${config.dataDir}:`);
    for (const t of seeded) out(`  ${t.branchId}  terminal ${t.terminalId}  ${t.token}`);
  }
  // `pos start` runs the first demo till with its cashier page in this process.
  const tills = mode === 'start' ? loadDemoTerminals(config.dataDir) : null;
  let demo: DemoTerminal | undefined;
  if (tills?.[0]) {
    try {
      demo = await startDemoTerminal({
        serverUrl: server.url,
        token: tills[0].token,
        dataDir: join(config.dataDir, 'till-1'),
      });
      out();
      out(`Demo terminal (${tills[0].branchId}, data in ${join(config.dataDir, 'till-1')})`);
      out(`  Cashier page  ${demo.pageUrl}`);
    } catch (error) {
      out(`Demo terminal did not start: ${(error as Error).message}`);
    }
    if (tills[1]) {
      out('A second terminal of the same branch, in another shell:');
      out(`  ${secondTerminalCommand(server.url, tills[1].token, config.dataDir)}`);
    }
  }
  out();
  await stopped;
  await demo?.close();
  await server.close();
  await store.close();
  return 0;
}
