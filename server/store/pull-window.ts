import type { Checkpoint } from '../../replication/index.ts';
import { PosError } from '../../schema/index.ts';

/** What a pull needs to know of its stream: the last seq handed out and the retention floor. */
export type StreamBounds = { head: number; floor: number };

/**
 * The `seq > after` bound of a pull, or `POS_CATALOG_RESNAPSHOT_REQUIRED` when the checkpoint cannot be
 * served without a silent gap. Every adapter calls it with bounds read so that a prune racing the page
 * read is seen (SQLite: the same read transaction; MongoDB: the floor read after the page).
 *
 * - No checkpoint, or seq 0: a snapshot from the start, always served.
 * - Beyond the head: the terminal's data came from another store (e.g. a restored backup).
 * - Below the floor: it may have missed a pruned tombstone, unless it is a snapshot in progress whose
 *   `snapshotFloor` is the current floor. Equal floors prove no prune raised the floor since the snapshot
 *   started, so every tombstone pruned since has a seq at most that floor; such seqs were handed out
 *   before the prune that set the floor, hence before the snapshot started, and a snapshot starts
 *   empty: it never held the documents those tombstones delete.
 */
export function pullBound(
  stream: string,
  checkpoint: Checkpoint | null | undefined,
  bounds: StreamBounds,
): number {
  const after = checkpoint?.seq ?? 0;
  if (after === 0) return 0;
  const snapshotInProgress = checkpoint?.snapshotFloor === bounds.floor;
  const details = {
    stream,
    checkpoint: after,
    snapshotFloor: checkpoint?.snapshotFloor ?? null,
    retainedFrom: bounds.floor,
    head: bounds.head,
  };
  // Same code as below the floor: the remedy (drop the checkpoint, pull a snapshot) is the same, so a
  // terminal of a restored cloud recovers by itself; the message and `reason` tell the two apart.
  if (after > bounds.head) {
    throw new PosError(
      'POS_CATALOG_RESNAPSHOT_REQUIRED',
      'The checkpoint is beyond the stream head; pull a new snapshot.',
      { ...details, reason: 'beyond_head' },
    );
  }
  if (after < bounds.floor && !snapshotInProgress) {
    throw new PosError('POS_CATALOG_RESNAPSHOT_REQUIRED', undefined, {
      ...details,
      reason: 'below_floor',
    });
  }
  return after;
}

/**
 * Splits the `limit + 1` rows a pull read (ordered by seq, all after `after`) into the page and its
 * checkpoint.
 *
 * The checkpoint is the seq of the last row served, raised to `floor` when no retained row lies between
 * them (the peeked next row is above the floor, or there is none): the rows in between are exactly the
 * pruned tombstones, so the raise skips nothing, and a snapshot of a stream whose newest change was a
 * pruned tombstone does not end below the floor.
 *
 * A checkpoint still below the floor can only come from a snapshot (`pullBound` refuses any other pull
 * from there), and carries `snapshotFloor: floor` so that its next page is served (see `pullBound`).
 * `floor` must be a floor no newer than the page read (SQLite: the same transaction; MongoDB: read
 * before the page), so the raise never passes a row the read could not see.
 */
export function pageOf<R extends { seq: number }>(
  after: number,
  rows: R[],
  limit: number,
  floor: number,
): { rows: R[]; checkpoint: Checkpoint } {
  const page = rows.length > limit ? rows.slice(0, limit) : rows;
  const last = page.at(-1)?.seq ?? after;
  const next = rows.length > limit ? rows[limit]!.seq : null;
  const seq = last < floor && (next === null || next > floor) ? floor : last;
  return { rows: page, checkpoint: seq < floor ? { seq, snapshotFloor: floor } : { seq } };
}
