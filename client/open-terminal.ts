import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';
import { createBackoff, isRetryable } from '../replication/index.ts';
import { PosError, isErrorCode } from '../schema/index.ts';
import { GraphQLCaller, SyncRequestError } from './graphql-client.ts';
import { OfflineLimits } from './offline-limits.ts';
import { readSalesAtOpen } from './sales-retention.ts';
import { Terminal } from './terminal.ts';
import { TerminalAccounts } from './terminal-accounts.ts';
import { openTerminalDatabase } from './terminal-database.ts';
import type { CloudScope } from './terminal-identity.ts';
import {
  createIdentity,
  fetchCloudScope,
  loadIdentity,
  retryIdentityCheck,
  saveIdentity,
} from './terminal-identity.ts';
import type { ResolvedTerminalOptions, TerminalOptions } from './terminal-options.ts';
import { resolveTerminalOptions } from './terminal-options.ts';

/** Extra, non-serialisable dependencies of `openTerminal`. */
export type OpenTerminalDependencies = {
  /** pino logger; by default JSON lines on stdout at `logLevel`. */
  logger?: Logger;
  /** Where the default logger writes. */
  logDestination?: DestinationStream;
};

/**
 * First run of a data dir: the token is all the terminal knows, so it asks the cloud whose token it
 * is, retrying with backoff for up to `firstContactTimeoutMs`. A refused token fails at once with the
 * cloud's code; an unreachable cloud fails with `POS_SYNC_OFFLINE` (nothing was written).
 */
async function firstContact(options: ResolvedTerminalOptions, logger: Logger): Promise<CloudScope> {
  const caller = new GraphQLCaller(options.serverUrl, options.token, globalThis.fetch);
  const deadline = Date.now() + options.firstContactTimeoutMs;
  return retryIdentityCheck(() => fetchCloudScope(caller), {
    backoff: createBackoff({ baseMs: options.backoffBaseMs, capMs: options.backoffCapMs }),
    onFailure(error, attempt, waitMs) {
      const code = error instanceof SyncRequestError ? error.code : null;
      if (code && !isRetryable(code) && isErrorCode(code)) {
        throw new PosError(
          code,
          `first start: the cloud refused the token (${code})`,
          {},
          {
            cause: error,
          },
        );
      }
      if (Date.now() + waitMs > deadline) {
        throw new PosError(
          'POS_SYNC_OFFLINE',
          `first start: the cloud at ${options.serverUrl} could not be reached to learn this ` +
            `terminal's identity (${attempt} attempts in ${options.firstContactTimeoutMs} ms)`,
          { attempts: attempt },
          { cause: error },
        );
      }
      logger.warn({ err: error, attempt, retryInMs: waitMs }, 'first start: cloud not reached yet');
    },
  });
}

/**
 * Opens a terminal on its data dir: the SQLite file, its identity, the next `localEventId`, then
 * (unless `autoStart: false`) the stream replications and the push worker. The first run of a data
 * dir asks the cloud for the token's terminal and branch (and makes the `posId`); later runs open
 * from the stored identity at once, online or not, and `start()` checks it against the cloud before
 * syncing. Selling works as soon as this resolves, from the catalog stored so far: a first run has
 * none until its snapshot is in, which `terminal.catalogReady()` waits for.
 */
export async function openTerminal(
  options: TerminalOptions,
  dependencies: OpenTerminalDependencies = {},
): Promise<Terminal> {
  const resolved = resolveTerminalOptions(options);
  const baseLogger =
    dependencies.logger ??
    pino(
      { level: resolved.logLevel, base: { service: 'pos-terminal' } },
      dependencies.logDestination,
    );
  const db = await openTerminalDatabase(resolved);
  try {
    let identity = await loadIdentity(db);
    const firstRun = identity === null;
    if (!identity) {
      identity = createIdentity(await firstContact(resolved, baseLogger));
      await saveIdentity(db, identity);
    }
    const stored = await readSalesAtOpen(db);
    const limits = await OfflineLimits.open(db, stored.sales, () => baseLogger);
    const terminal = new Terminal({
      db,
      options: resolved,
      baseLogger,
      identity,
      identityConfirmed: firstRun,
      nextLocalEventId: stored.nextLocalEventId,
      sales: stored.sales,
      limits,
      accounts: await TerminalAccounts.open(db, stored.sales),
    });
    if (resolved.autoStart) terminal.start();
    return terminal;
  } catch (error) {
    await db.close();
    throw error;
  }
}
