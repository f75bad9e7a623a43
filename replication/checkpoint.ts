import { z } from 'zod';

/**
 * Where a terminal stands in one stream: the server-assigned `seq` of the last change it pulled.
 *
 * `seq` is unique per stream and becomes visible in order (gaps allowed, holes never), so "everything
 * after `seq`" never skips a change, unlike a wall-clock `updatedAt` checkpoint. A pull answers
 * `seq > checkpoint.seq` ordered by `seq`; the returned checkpoint is the `seq` of the last document
 * returned, or the request's checkpoint unchanged when nothing is new.
 */
export const checkpointSchema = z.object({
  seq: z.int().min(0),
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
