import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { openTerminal } from '../../client/index.ts';
import type { SeededTerminal } from './demo-seed.ts';
import { DEFAULT_UI_PORT, startCashierPage } from './terminal-command.ts';

/** The demo's terminal tokens, kept in the cloud's data dir (mode 0600) so every `pos start` finds them. */
const DEMO_TERMINALS_FILE = 'demo-terminals.json';

/** Keeps the seeded terminals' tokens for later starts (they are shown once by the cloud). */
export function saveDemoTerminals(dataDir: string, terminals: SeededTerminal[]): void {
  const path = join(dataDir, DEMO_TERMINALS_FILE);
  writeFileSync(path, `${JSON.stringify(terminals, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** The seeded terminals, or null when this data dir was not seeded by `pos start`. */
export function loadDemoTerminals(dataDir: string): SeededTerminal[] | null {
  const path = join(dataDir, DEMO_TERMINALS_FILE);
  if (!existsSync(path)) return null;
  return JSON.parse(readFileSync(path, 'utf8')) as SeededTerminal[];
}

/** A demo terminal running in the `pos start` process, with its cashier page. */
export type DemoTerminal = { pageUrl: string; close(): Promise<void> };

/**
 * Runs the first demo till in this process (data in `<dataDir>/till-1`, page on the default UI port
 * or a free one), so one command shows the cloud, a terminal and its cashier page.
 */
export async function startDemoTerminal(options: {
  serverUrl: string;
  token: string;
  dataDir: string;
}): Promise<DemoTerminal> {
  const logger = pino({ level: 'warn', base: { service: 'pos-terminal' } }, pino.destination(2));
  const terminal = await openTerminal(
    { serverUrl: options.serverUrl, token: options.token, dataDir: options.dataDir },
    { logger },
  );
  try {
    const ui = await startCashierPage(
      terminal,
      { dataDir: options.dataDir, port: undefined, host: '127.0.0.1', allowedOrigins: [] },
      logger,
    );
    return {
      pageUrl: ui.pageUrl,
      async close() {
        await ui.close();
        await terminal.close();
      },
    };
  } catch (error) {
    await terminal.close();
    throw error;
  }
}

/** The second demo till's command line, for the output of `pos start`. */
export function secondTerminalCommand(serverUrl: string, token: string, dataDir: string): string {
  return `npm run pos -- terminal --server ${serverUrl} --token ${token} --data-dir ${join(dataDir, 'till-2')} --ui-port ${DEFAULT_UI_PORT + 1}`;
}
