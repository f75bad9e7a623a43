import { firstValueFrom, timeout } from 'rxjs';
import { filter } from 'rxjs/operators';
import { openTerminal } from '../open-terminal.ts';
import type { Terminal } from '../terminal.ts';
import type { TerminalOptions } from '../terminal-options.ts';
import type { TerminalStatus } from '../terminal-status.ts';
import type { CloudProcess } from './cloud-process.ts';
import { tempDir } from './cloud-process.ts';

export { eventually } from '../../testing/eventually.ts';

/** Options that keep tests quick: short backoffs, quiet logs. */
export const FAST_SYNC = {
  backoffBaseMs: 50,
  backoffCapMs: 1000,
  logLevel: 'silent',
} as const satisfies Partial<TerminalOptions>;

/** Opens a terminal for a registered terminal of the cloud, in `dataDir` (a new temp dir by default). */
export async function openTestTerminal(
  cloud: Pick<CloudProcess, 'url'>,
  registered: { terminalId: string; token: string; branchId: string },
  options: Partial<TerminalOptions> = {},
): Promise<Terminal> {
  return openTerminal({
    dataDir: options.dataDir ?? tempDir('pos-terminal-'),
    serverUrl: cloud.url,
    token: registered.token,
    ...FAST_SYNC,
    ...options,
  });
}

/** Waits until the status matches, or fails after `ms`. */
export async function waitForStatus(
  terminal: Terminal,
  predicate: (status: TerminalStatus) => boolean,
  ms = 10_000,
): Promise<TerminalStatus> {
  return firstValueFrom(terminal.status$.pipe(filter(predicate), timeout(ms)));
}

/** `awaitInSync` with a deadline, so a hung sync fails the test instead of the suite. */
export async function syncWithin(terminal: Terminal, ms = 15_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    terminal.awaitInSync(),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not in sync after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
