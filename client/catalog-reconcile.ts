import type { RxCollection, WithDeleted } from 'rxdb';
import type { ManifestEntry, ReconcilePlan } from '../replication/index.ts';
import {
  CATALOG_BY_IDS_DOCUMENTS,
  CATALOG_STREAM_ENUM,
  MANIFEST_MAX_BUCKETS_PER_REQUEST,
  PULL_LIMIT_MAX,
  RECONCILE_BUCKET_COUNT,
  RECONCILE_CATALOG_DOCUMENT,
  chunkBuckets,
  computeBucketDigests,
  contentHash,
  diffManifests,
  manifestOfBuckets,
} from '../replication/index.ts';
import { branchViewOfStored } from '../schema/index.ts';
import { catalogWriteSchemas } from './catalog-documents.ts';
import { writeCatalogDocuments } from './catalog-writer.ts';
import type { GraphQLCaller } from './graphql-client.ts';
import { SyncRequestError } from './graphql-client.ts';

/** A catalog stream reconcile covers. */
export type CatalogStream = keyof typeof CATALOG_STREAM_ENUM;

/** The outcome of reconciling one stream: the plan and how many documents were written. */
export type StreamReconcileResult = ReconcilePlan & { applied: number; checkpoint: number };

type ReconcileAnswer = {
  checkpoint: { seq: number };
  differingBuckets: number[];
  manifest: ManifestEntry[];
};

/**
 * The terminal's manifest: id → content hash of every live document of the collection, over the
 * branch view the cloud hashes too (a product's `nameKey` is the terminal's own, see
 * `branchViewOfStored`).
 */
async function localManifest(
  stream: CatalogStream,
  collection: RxCollection<any>,
): Promise<ManifestEntry[]> {
  const docs = await collection.find().exec();
  const viewOf = stream === 'products' ? branchViewOfStored : (doc: object) => doc;
  return docs.map((doc) => ({ id: doc.primary, hash: contentHash(viewOf(doc.toJSON())) }));
}

async function remoteManifest(
  caller: GraphQLCaller,
  stream: CatalogStream,
  buckets: number[],
): Promise<ManifestEntry[]> {
  try {
    const answer = await caller.call<ReconcileAnswer>(
      RECONCILE_CATALOG_DOCUMENT,
      'reconcileCatalog',
      {
        stream: CATALOG_STREAM_ENUM[stream],
        bucketCount: RECONCILE_BUCKET_COUNT,
        digests: [],
        manifestBuckets: buckets,
      },
    );
    return answer.manifest;
  } catch (error) {
    // Too many entries for one answer: halve the request until it fits.
    if (
      error instanceof SyncRequestError &&
      error.code === 'POS_CATALOG_MANIFEST_TOO_LARGE' &&
      buckets.length > 1
    ) {
      const half = Math.ceil(buckets.length / 2);
      return [
        ...(await remoteManifest(caller, stream, buckets.slice(0, half))),
        ...(await remoteManifest(caller, stream, buckets.slice(half))),
      ];
    }
    throw error;
  }
}

/**
 * Proves the local catalog is the cloud's branch view and repairs it (docs/design.md#reconcile):
 * bucket digests first, id→hash manifests only for the buckets that differ, then the plan
 * `{ missing, stale, extra }` applied in one local write (missing and stale documents fetched by id,
 * extra ones deleted), without moving the pull checkpoint. Cost grows with the difference.
 */
export async function reconcileCatalogStream(
  caller: GraphQLCaller,
  stream: CatalogStream,
  collection: RxCollection<any>,
): Promise<StreamReconcileResult> {
  const local = await localManifest(stream, collection);
  const round1 = await caller.call<ReconcileAnswer>(
    RECONCILE_CATALOG_DOCUMENT,
    'reconcileCatalog',
    {
      stream: CATALOG_STREAM_ENUM[stream],
      bucketCount: RECONCILE_BUCKET_COUNT,
      digests: computeBucketDigests(local, RECONCILE_BUCKET_COUNT),
    },
  );
  const plan: ReconcilePlan = { missing: [], stale: [], extra: [] };
  for (const buckets of chunkBuckets(round1.differingBuckets, MANIFEST_MAX_BUCKETS_PER_REQUEST)) {
    const remote = await remoteManifest(caller, stream, buckets);
    const part = diffManifests(manifestOfBuckets(local, buckets, RECONCILE_BUCKET_COUNT), remote);
    plan.missing.push(...part.missing);
    plan.stale.push(...part.stale);
    plan.extra.push(...part.extra);
  }
  plan.missing.sort();
  plan.stale.sort();
  plan.extra.sort();

  const wanted = [...plan.missing, ...plan.stale];
  const fetched: WithDeleted<any>[] = [];
  const byIds = CATALOG_BY_IDS_DOCUMENTS[stream];
  const field = stream === 'products' ? 'productsByIds' : 'categoriesByIds';
  for (let i = 0; i < wanted.length; i += PULL_LIMIT_MAX) {
    const docs = await caller.call<WithDeleted<any>[]>(byIds, field, {
      ids: wanted.slice(i, i + PULL_LIMIT_MAX),
    });
    fetched.push(...docs.map((doc) => catalogWriteSchemas[stream].parse(doc)));
  }
  const tombstones = plan.extra.map((id) => ({ id, _deleted: true }) as WithDeleted<any>);
  const applied = await writeCatalogDocuments(collection, [...fetched, ...tombstones]);
  return { ...plan, applied, checkpoint: round1.checkpoint.seq };
}
