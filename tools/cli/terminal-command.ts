import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import { pino } from 'pino';
import type { Terminal } from '../../client/index.ts';
import { formatStatusLine, openTerminal } from '../../client/index.ts';
import type { UiServer } from '../../client/local-server/index.ts';
import {
  buildCashierPage,
  DEFAULT_PAGE_CACHE_DIR,
  loadOrCreateLocalToken,
  startUiServer,
} from '../../client/local-server/index.ts';

export const TERMINAL_USAGE = `pos terminal --server URL --token T --data-dir D
             [--status-interval MS] [--log-level L] [--sell N] [--sell-interval-ms MS]
             [--exit-when-synced] [--json] [--push-batch N] [--backoff-cap-ms MS]
             [--max-server-attempts N] [--first-contact-timeout-ms MS] [--ui-port N | --no-ui] [--ui-host H]
             [--ui-allow-origin ORIGIN]...
  Runs a terminal as a daemon: syncs the branch catalog and inventory, pushes queued sales, prints a
  status line every --status-interval ms (default 1000; --json prints status objects instead). Logs
  are pino JSON lines on stderr (--log-level, default warn). --sell N simulates a cashier selling N
  sales from the local catalog (round robin, cash, --sell-interval-ms apart); --exit-when-synced exits 0 once everything is in
  sync. The terminal id and branch come from the cloud for the token; on the first run of a data dir
  the daemon waits for the cloud to answer (--first-contact-timeout-ms, default: without limit).
  A sale whose own pushes failed --max-server-attempts times (default 8) is set aside as needing
  attention until it is queued again (the cashier page's Sales screen, or requeue()).
  The cashier page and its socket are served on --ui-port (default 4100, or a free port when 4100
  is taken; 0 = a free port; --no-ui: off) on 127.0.0.1 (--ui-host); every request needs the local
  token kept in <data-dir>/ui-token, and the daemon prints the page's URL with it. --ui-allow-origin lets another origin (an Electron
  or Tauri renderer) open the socket.
`;

/** The cashier page's default port. */
export const DEFAULT_UI_PORT = 4100;

/** "Without limit" for the first contact: the largest delay a Node timer takes (about 24.8 days). */
const WAIT_FOR_CLOUD_MS = 2_147_483_647;

/** Sells `count` sales from the local catalog, one product each, round robin. */
async function simulateSales(terminal: Terminal, count: number, intervalMs: number): Promise<void> {
  const products = (await terminal.db.products.find({ selector: { active: true } }).exec()).map(
    (p) => p.id,
  );
  if (products.length === 0) throw new Error('no active products in the local catalog to sell');
  for (let i = 0; i < count; i++) {
    await terminal.sell({
      lines: [{ productId: products[i % products.length]!, quantity: 1 + (i % 3) }],
      payments: [{ method: 'cash', amountMinor: 10_000_000 }],
    });
    if (intervalMs > 0) await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Where and how the cashier page is served. */
export type CashierPageOptions = {
  dataDir: string;
  /** The port asked for; undefined: the default port, or a free one when it is taken. */
  port: number | undefined;
  host: string;
  allowedOrigins: readonly string[];
};

/**
 * Serves the cashier page: bundled from the sources at start (the page waits for the bundle), with the
 * data dir's local token. A port asked for must be free; when the default one is taken (a second
 * terminal on this machine), a free port is used and printed.
 */
export async function startCashierPage(
  terminal: Terminal,
  options: CashierPageOptions,
  logger: Logger,
): Promise<UiServer> {
  const port = options.port ?? DEFAULT_UI_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`--ui-port must be a port number, got ${options.port}`);
  }
  const page = buildCashierPage({
    cacheDir: process.env.POS_PAGE_CACHE_DIR || DEFAULT_PAGE_CACHE_DIR,
  });
  page.catch((error: unknown) => logger.error({ err: error }, 'cashier page build failed'));
  const start = (onPort: number) =>
    startUiServer({
      terminal,
      token: loadOrCreateLocalToken(options.dataDir),
      page,
      port: onPort,
      host: options.host,
      allowedOrigins: options.allowedOrigins,
      logger: logger.child({ component: 'ui' }),
    });
  try {
    return await start(port);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    if (options.port === undefined) return start(0);
    throw new Error(
      `port ${port} is taken: pass another --ui-port (0 picks a free one) or --no-ui`,
    );
  }
}

/** `pos terminal`: resolves with the exit code after SIGINT/SIGTERM (or sync, with --exit-when-synced). */
export async function runTerminal(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      server: { type: 'string' },
      token: { type: 'string' },
      'first-contact-timeout-ms': { type: 'string' },
      'data-dir': { type: 'string' },
      'status-interval': { type: 'string', default: '1000' },
      'log-level': { type: 'string', default: 'warn' },
      'push-batch': { type: 'string' },
      'backoff-cap-ms': { type: 'string' },
      'max-server-attempts': { type: 'string' },
      sell: { type: 'string' },
      'sell-interval-ms': { type: 'string', default: '0' },
      'exit-when-synced': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'ui-port': { type: 'string' },
      'ui-host': { type: 'string', default: '127.0.0.1' },
      'ui-allow-origin': { type: 'string', multiple: true, default: [] },
      'no-ui': { type: 'boolean', default: false },
    },
  });
  const logger = pino(
    { level: values['log-level'] ?? 'warn', base: { service: 'pos-terminal' } },
    pino.destination(2),
  );
  let terminal: Terminal;
  try {
    terminal = await openTerminal(
      {
        serverUrl: values.server ?? '',
        token: values.token ?? '',
        firstContactTimeoutMs: values['first-contact-timeout-ms']
          ? Number(values['first-contact-timeout-ms'])
          : WAIT_FOR_CLOUD_MS,
        dataDir: values['data-dir'] ?? '',
        ...(values['push-batch'] ? { pushBatchSize: Number(values['push-batch']) } : {}),
        ...(values['backoff-cap-ms'] ? { backoffCapMs: Number(values['backoff-cap-ms']) } : {}),
        ...(values['max-server-attempts']
          ? { maxServerAttempts: Number(values['max-server-attempts']) }
          : {}),
        logLevel: values['log-level'] as never,
      },
      { logger },
    );
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${TERMINAL_USAGE}`);
    return 2;
  }
  // Listening before the first line anyone could react to (the page URL): a signal in between would
  // kill the process instead of closing the terminal.
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  let ui: UiServer | undefined;
  if (!values['no-ui']) {
    try {
      ui = await startCashierPage(
        terminal,
        {
          dataDir: values['data-dir'] ?? '',
          port: values['ui-port'] === undefined ? undefined : Number(values['ui-port']),
          host: values['ui-host'] ?? '127.0.0.1',
          allowedOrigins: values['ui-allow-origin'] ?? [],
        },
        logger,
      );
    } catch (error) {
      await terminal.close();
      process.stderr.write(`cashier page: ${(error as Error).message}\n\n${TERMINAL_USAGE}`);
      return 2;
    }
    process.stdout.write(`cashier page: ${ui.pageUrl}\n`);
  }
  const print = async () => {
    const status = await terminal.status();
    process.stdout.write(`${values.json ? JSON.stringify(status) : formatStatusLine(status)}\n`);
  };
  const timer = setInterval(
    () => void print().catch(() => undefined),
    Number(values['status-interval']),
  );
  try {
    if (values.sell) {
      await terminal.awaitInSync().catch(() => undefined);
      await simulateSales(terminal, Number(values.sell), Number(values['sell-interval-ms']));
      process.stdout.write(`sold ${values.sell}\n`);
    }
    if (values['exit-when-synced']) {
      await Promise.race([terminal.awaitInSync(), stopped]);
    } else {
      await stopped;
    }
    await print();
    return 0;
  } finally {
    clearInterval(timer);
    await ui?.close();
    await terminal.close();
  }
}
