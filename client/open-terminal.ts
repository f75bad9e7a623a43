import type { RxCollection, WithDeleted } from 'rxdb';
import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';
import { writeCatalogDocuments } from './catalog-writer.ts';
import { Terminal } from './terminal.ts';
import { openTerminalDatabase } from './terminal-database.ts';
import type { TerminalDatabase } from './terminal-database.ts';
import type { TerminalIdentity } from './terminal-identity.ts';
import { loadIdentity, saveIdentity } from './terminal-identity.ts';
import type { TerminalOptions } from './terminal-options.ts';
import { resolveTerminalOptions } from './terminal-options.ts';

/** Extra, non-serialisable dependencies of `openTerminal`. */
export type OpenTerminalDependencies = {
  /** pino logger; by default JSON lines on stdout at `logLevel`. */
  logger?: Logger;
  /** Where the default logger writes. */
  logDestination?: DestinationStream;
};

/** The next `localEventId`: one more than any stored sale's (sales are never deleted locally). */
async function nextLocalEventId(db: TerminalDatabase): Promise<number> {
  let max = 0;
  for (const sale of await db.sales.find().exec()) max = Math.max(max, sale.localEventId);
  return max + 1;
}

async function purgeCollection(collection: RxCollection<any>): Promise<number> {
  const docs = await collection.find().exec();
  const tombstones = docs.map((doc) => ({ id: doc.primary, _deleted: true }) as WithDeleted<any>);
  return writeCatalogDocuments(collection, tombstones);
}

/**
 * A terminal registered to another branch than last time: the old branch's catalog and inventory
 * go (they are the other branch's data), every stream starts over under a new replication identifier,
 * and the sales stay — queued ones are still pushed.
 */
async function switchBranch(
  db: TerminalDatabase,
  identity: TerminalIdentity,
  previous: TerminalIdentity,
  logger: Logger,
): Promise<void> {
  const purged = {
    products: await purgeCollection(db.products),
    categories: await purgeCollection(db.categories),
    inventory: await purgeCollection(db.inventory),
  };
  for (const stream of ['products', 'categories', 'inventory', 'sales'] as const) {
    identity.generations[stream] = previous.generations[stream] + 1;
  }
  identity.snapshots = {};
  logger.warn({ from: previous.branchId, to: identity.branchId, purged }, 'branch changed');
}

/**
 * Opens a terminal on its data dir: the SQLite file, its identity (a `posId` made on first run), the
 * next `localEventId`, then (unless `autoStart: false`) the stream replications and the push worker.
 * Selling works at once, online or not.
 */
export async function openTerminal(
  options: TerminalOptions,
  dependencies: OpenTerminalDependencies = {},
): Promise<Terminal> {
  const resolved = resolveTerminalOptions(options);
  const db = await openTerminalDatabase(resolved);
  try {
    const { identity, previous } = await loadIdentity(db, resolved);
    const logger = (
      dependencies.logger ??
      pino(
        { level: resolved.logLevel, base: { service: 'pos-terminal' } },
        dependencies.logDestination,
      )
    ).child({
      terminalId: identity.terminalId,
      branchId: identity.branchId,
      posId: identity.posId,
    });
    if (previous && previous.branchId !== identity.branchId) {
      await switchBranch(db, identity, previous, logger);
    }
    await saveIdentity(db, identity);
    const terminal = new Terminal({
      db,
      options: resolved,
      logger,
      identity,
      nextLocalEventId: await nextLocalEventId(db),
    });
    if (resolved.autoStart) terminal.start();
    return terminal;
  } catch (error) {
    await db.close();
    throw error;
  }
}
