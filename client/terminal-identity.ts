import { setTimeout as sleep } from 'node:timers/promises';
import type { RxCollection, WithDeleted } from 'rxdb';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Backoff, StreamName } from '../replication/index.ts';
import { CURRENT_TERMINAL_DOCUMENT, STREAMS } from '../replication/index.ts';
import { createUuidV7, currencySchema, idSchema } from '../schema/index.ts';
import { writeCatalogDocuments } from './catalog-writer.ts';
import type { GraphQLCaller } from './graphql-client.ts';
import { SyncRequestError } from './graphql-client.ts';
import type { TerminalDatabase } from './terminal-database.ts';

/**
 * What the terminal remembers about itself, as an RxDB local document in its own SQLite file.
 * `posId` is made once per installation (data dir) and never changes. `terminalId`, `branchId`,
 * `tenantId` and `currency` are the cloud's answer to `currentTerminal` for the token, as last seen.
 * `generations` name the replication of each stream: a new generation starts from an empty checkpoint
 * (new branch, re-snapshot), since RxDB keys checkpoints by replication identifier.
 */
export type TerminalIdentity = {
  posId: string;
  terminalId: string;
  branchId: string;
  /** Absent in identities stored before the cloud was asked (filled in at the next start). */
  tenantId?: string;
  /** The branch's currency; null when the branch has none (sales take the products' currency). */
  currency?: string | null;
  generations: Record<StreamName, number>;
  /**
   * Seq reached by the bulk snapshot of a catalog stream in the current generation; absent until the
   * snapshot has been written, so a crash mid-snapshot redoes it (the write is idempotent).
   */
  snapshots?: { products?: number; categories?: number };
};

/** The terminal's scope as the cloud states it for the token (`currentTerminal`). */
export type CloudScope = z.output<typeof cloudScopeSchema>;

const cloudScopeSchema = z.object({
  terminalId: idSchema,
  tenantId: idSchema,
  branchId: idSchema,
  name: z.string(),
  currency: currencySchema.nullable(),
});

const IDENTITY_KEY = 'identity';

/** Asks the cloud who the token belongs to; the answer is validated like any input from the wire. */
export async function fetchCloudScope(caller: GraphQLCaller): Promise<CloudScope> {
  const data = await caller.call<unknown>(CURRENT_TERMINAL_DOCUMENT, 'currentTerminal', {});
  const parsed = cloudScopeSchema.safeParse(data);
  if (!parsed.success) {
    throw new SyncRequestError(
      `currentTerminal: unexpected answer (${parsed.error.message})`,
      null,
    );
  }
  return parsed.data;
}

/**
 * Runs `check` (asking the cloud whose token this is, and whatever goes with the answer) until it
 * succeeds, waiting `backoff` between attempts (at least the cloud's `retryAfterMs`). `onFailure`
 * sees each failure with the wait before the next attempt, and gives up by throwing; an aborted
 * `signal` ends the wait with a rejection. The one retry loop of the first run and of `start()`.
 */
export async function retryIdentityCheck<T>(
  check: () => Promise<T>,
  options: {
    backoff: Backoff;
    onFailure(error: unknown, attempt: number, waitMs: number): void;
    signal?: AbortSignal;
  },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await check();
    } catch (error) {
      const retryAfterMs = error instanceof SyncRequestError ? error.retryAfterMs : undefined;
      const waitMs = options.backoff(attempt, retryAfterMs);
      options.onFailure(error, attempt, waitMs);
      await sleep(waitMs, undefined, { signal: options.signal });
    }
  }
}

/** The stored identity, or null on the first run of a data dir. */
export async function loadIdentity(db: TerminalDatabase): Promise<TerminalIdentity | null> {
  const stored = await db.getLocal<TerminalIdentity>(IDENTITY_KEY);
  if (!stored) return null;
  const identity = stored.toJSON().data as TerminalIdentity;
  // Streams added by a later release start at generation 0 in an identity stored before them.
  const generations = Object.fromEntries(STREAMS.map((s) => [s, 0])) as Record<StreamName, number>;
  return { ...identity, generations: { ...generations, ...identity.generations } };
}

/** A new installation's identity for the scope the cloud stated: a new `posId`, generation 0. */
export function createIdentity(scope: CloudScope): TerminalIdentity {
  return {
    posId: `pos-${createUuidV7()}`,
    terminalId: scope.terminalId,
    branchId: scope.branchId,
    tenantId: scope.tenantId,
    currency: scope.currency,
    generations: { products: 0, categories: 0, inventory: 0, sales: 0, customers: 0 },
    snapshots: {},
  };
}

/** Persists the identity (FULL durability: it lives in the same file as the sales). */
export async function saveIdentity(
  db: TerminalDatabase,
  identity: TerminalIdentity,
): Promise<void> {
  await db.upsertLocal<TerminalIdentity>(IDENTITY_KEY, identity);
}

async function purgeCollection(collection: RxCollection<any>): Promise<number> {
  const docs = await collection.find().exec();
  const tombstones = docs.map((doc) => ({ id: doc.primary, _deleted: true }) as WithDeleted<any>);
  return writeCatalogDocuments(collection, tombstones);
}

/** What adopting the cloud's scope changed. */
export type ScopeChange = { branchChanged: boolean; terminalChanged: boolean; changed: boolean };

/**
 * Makes the stored identity match the cloud's answer, before any stream starts:
 * - another branch (the terminal was re-registered): the old branch's catalog and inventory go (they
 *   are the other branch's data) and every stream starts over under a new replication identifier,
 *   except the tenant's customers (unless the tenant changed too);
 *   the sales stay, queued ones are still pushed;
 * - another terminal id (the data dir got another terminal's token): the sales stream starts over,
 *   its acknowledgements are per terminal.
 * `posId` never changes. The identity is updated in place and saved when anything changed.
 */
export async function adoptCloudScope(
  db: TerminalDatabase,
  identity: TerminalIdentity,
  scope: CloudScope,
  logger: Logger,
): Promise<ScopeChange> {
  const branchChanged = identity.branchId !== scope.branchId;
  const terminalChanged = identity.terminalId !== scope.terminalId;
  const changed =
    branchChanged ||
    terminalChanged ||
    identity.tenantId !== scope.tenantId ||
    identity.currency !== scope.currency;
  // Customers are the tenant's, not the branch's: they stay unless the tenant changed too.
  const tenantChanged = identity.tenantId !== undefined && identity.tenantId !== scope.tenantId;
  if (branchChanged) {
    const purged = {
      products: await purgeCollection(db.products),
      categories: await purgeCollection(db.categories),
      inventory: await purgeCollection(db.inventory),
      customers: tenantChanged ? await purgeCollection(db.customers) : 0,
    };
    for (const stream of STREAMS) {
      if (stream !== 'customers' || tenantChanged) identity.generations[stream] += 1;
    }
    identity.snapshots = {};
    logger.warn({ from: identity.branchId, to: scope.branchId, purged }, 'branch changed');
  } else if (terminalChanged) {
    identity.generations.sales += 1;
    logger.warn({ from: identity.terminalId, to: scope.terminalId }, 'terminal id changed');
  }
  if (changed) {
    identity.terminalId = scope.terminalId;
    identity.branchId = scope.branchId;
    identity.tenantId = scope.tenantId;
    identity.currency = scope.currency;
    await saveIdentity(db, identity);
  }
  return { branchChanged, terminalChanged, changed };
}

/** The replication identifier of a stream for this branch and generation. */
export function replicationIdentifier(identity: TerminalIdentity, stream: StreamName): string {
  // Tenant-wide and the same for every branch: a branch change keeps the checkpoint.
  if (stream === 'customers') return `pos-customers:g${identity.generations.customers}`;
  return `pos-${stream}:${identity.branchId}:g${identity.generations[stream]}`;
}
