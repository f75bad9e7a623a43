import { z } from 'zod';
import { checkpointSchema } from './checkpoint.ts';
import { RECONCILE_MAX_BUCKET_COUNT } from './reconcile-buckets.ts';

/** Largest `limit` a pull may ask for: large enough for fast snapshots, small enough to bound a response. */
export const PULL_LIMIT_MAX = 5_000;

/** Most rows one push may carry; the server refuses more with `POS_INPUT_INVALID`. */
export const PUSH_ROWS_MAX = 500;

/** Arguments of every `pullX` query, as the server validates them. */
export const pullArgsSchema = z.object({
  checkpoint: checkpointSchema.nullable().optional(),
  limit: z.int().min(1).max(PULL_LIMIT_MAX),
  queueDepth: z.int().min(0).nullable().optional(),
});

/** Arguments of a pull query. */
export type PullArgs = z.infer<typeof pullArgsSchema>;

/** A replicated document of a stream: its zod shape plus RxDB's `_deleted` flag. */
export function replicatedDocumentSchema<T extends z.ZodObject>(documentSchema: T) {
  return documentSchema.extend({ _deleted: z.boolean() });
}

/**
 * One row of `pushX(rows)`, RxDB's `{ assumedMasterState, newDocumentState }`: `assumedMasterState` is
 * null or absent for a document the terminal believes new.
 */
export function pushRowSchema<T extends z.ZodObject>(documentSchema: T) {
  const document = replicatedDocumentSchema(documentSchema);
  return z.object({
    assumedMasterState: document.nullable().optional(),
    newDocumentState: document,
  });
}

/** Arguments of every `pushX` mutation, given the row schema from `pushRowSchema`. */
export function pushArgsSchema<T extends z.ZodType>(rowSchema: T) {
  return z.object({ rows: z.array(rowSchema).min(1).max(PUSH_ROWS_MAX) });
}

/** Arguments of `reconcileCatalog`, as the server validates them (see `RECONCILE_CATALOG_DOCUMENT`). */
export const reconcileArgsSchema = z
  .object({
    stream: z.enum(['PRODUCTS', 'CATEGORIES']),
    bucketCount: z.int().min(1).max(RECONCILE_MAX_BUCKET_COUNT),
    digests: z.array(z.string().regex(/^[0-9a-f]{32}$/)),
    manifestBuckets: z.array(z.int().min(0)).nullable().optional(),
  })
  .refine((a) => a.digests.length === 0 || a.digests.length === a.bucketCount, {
    message: 'digests must list every bucket, or none when asking for manifests',
    path: ['digests'],
  })
  .refine((a) => (a.manifestBuckets ?? []).every((b) => b < a.bucketCount), {
    message: 'manifest bucket out of range',
    path: ['manifestBuckets'],
  });

/** Arguments of `reconcileCatalog`. */
export type ReconcileArgs = z.infer<typeof reconcileArgsSchema>;
