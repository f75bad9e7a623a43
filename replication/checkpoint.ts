import { z } from 'zod';

/**
 * Where a terminal stands in one stream: the server-assigned `seq` of the last change it pulled.
 *
 * `seq` is unique per stream and becomes visible in order (gaps allowed, holes never), so "everything
 * after `seq`" never skips a change, unlike a wall-clock `updatedAt` checkpoint. A pull answers
 * `seq > checkpoint.seq` ordered by `seq`; the returned checkpoint is the `seq` of the last document
 * returned, or the request's checkpoint unchanged when nothing is new.
 *
 * `snapshotFloor` is set only on the pages of a snapshot that are still below the stream's retention
 * floor (the highest seq retention deleted): it is the floor the snapshot started under. A checkpoint
 * below the floor is refused (`POS_CATALOG_RESNAPSHOT_REQUIRED`: it may have missed a pruned tombstone)
 * unless its `snapshotFloor` equals the current floor, which proves no prune ran since that snapshot
 * started, so nothing it needs was pruned (a snapshot starts empty and needs no tombstone from before
 * it). Once a snapshot passes the floor, checkpoints are plain `{ seq }` again (`snapshotFloor` null).
 * Terminals store the checkpoint as it came and send it back whole; they never interpret it.
 */
export const checkpointSchema = z.object({
  seq: z.int().min(0),
  snapshotFloor: z.int().min(1).nullish(),
});

/** Where a terminal stands in one stream. */
export type Checkpoint = z.infer<typeof checkpointSchema>;

/** The checkpoint before the first change of any stream: pulling after it is a snapshot. */
export const INITIAL_CHECKPOINT: Checkpoint = Object.freeze({ seq: 0 });

/** Pull order is the server seq alone: unique per stream and visible in order, so no tie-break is needed. */
export function isAfter(a: Checkpoint, b: Checkpoint | null | undefined): boolean {
  return b === null || b === undefined || a.seq > b.seq;
}

/** The later of two checkpoints; a checkpoint never moves backwards. */
export function laterCheckpoint(a: Checkpoint | null | undefined, b: Checkpoint): Checkpoint {
  return a === null || a === undefined || isAfter(b, a) ? b : a;
}

/**
 * The checkpoint fields the wire carries (`CheckpointInput`), taken from a stored checkpoint: unknown
 * fields (a checkpoint stored by another version) are dropped, a null `snapshotFloor` is left out.
 */
export function wireCheckpoint(checkpoint: Checkpoint): Checkpoint {
  return typeof checkpoint.snapshotFloor === 'number'
    ? { seq: checkpoint.seq, snapshotFloor: checkpoint.snapshotFloor }
    : { seq: checkpoint.seq };
}
