import type { StreamName } from '../replication/index.ts';
import { createUuidV7 } from '../schema/index.ts';
import type { TerminalDatabase } from './terminal-database.ts';

/**
 * What the terminal remembers about itself, as an RxDB local document in its own SQLite file.
 * `posId` is made once per installation (data dir) and never changes. `generations` name the
 * replication of each stream: a new generation starts from an empty checkpoint (new branch,
 * re-snapshot), since RxDB keys checkpoints by replication identifier.
 */
export type TerminalIdentity = {
  posId: string;
  terminalId: string;
  branchId: string;
  generations: Record<StreamName, number>;
  /**
   * Seq reached by the bulk snapshot of a catalog stream in the current generation; absent until the
   * snapshot has been written, so a crash mid-snapshot redoes it (the write is idempotent).
   */
  snapshots?: { products?: number; categories?: number };
};

const IDENTITY_KEY = 'identity';

/** Reads the stored identity, or creates one (first run). */
export async function loadIdentity(
  db: TerminalDatabase,
  wanted: { terminalId: string; branchId: string },
): Promise<{ identity: TerminalIdentity; previous: TerminalIdentity | null }> {
  const stored = await db.getLocal<TerminalIdentity>(IDENTITY_KEY);
  if (stored) {
    const previous = stored.toJSON().data as TerminalIdentity;
    return { identity: { ...previous, ...wanted }, previous };
  }
  const identity: TerminalIdentity = {
    posId: `pos-${createUuidV7()}`,
    ...wanted,
    generations: { products: 0, categories: 0, inventory: 0, sales: 0 },
    snapshots: {},
  };
  return { identity, previous: null };
}

/** Persists the identity (FULL durability: it lives in the same file as the sales). */
export async function saveIdentity(
  db: TerminalDatabase,
  identity: TerminalIdentity,
): Promise<void> {
  await db.upsertLocal<TerminalIdentity>(IDENTITY_KEY, identity);
}

/** The replication identifier of a stream for this branch and generation. */
export function replicationIdentifier(identity: TerminalIdentity, stream: StreamName): string {
  return `pos-${stream}:${identity.branchId}:g${identity.generations[stream]}`;
}
