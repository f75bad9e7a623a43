import type { RxCollection, WithDeleted } from 'rxdb';
import { PULL_DOCUMENTS, PULL_LIMIT_MAX, pullOperationName } from '../replication/index.ts';
import { catalogWriteSchemas } from './catalog-documents.ts';
import type { CatalogStream } from './catalog-reconcile.ts';
import { writeCatalogDocuments } from './catalog-writer.ts';
import type { GraphQLCaller } from './graphql-client.ts';

type PullPage = { documents: WithDeleted<any>[]; checkpoint: { seq: number } | null };

/**
 * Pulls a complete new snapshot of a catalog stream into memory while the current catalog keeps
 * serving sales, then swaps it in with one write: every live document of the snapshot, and a
 * tombstone for every local document the snapshot no longer has (its tombstone may have been pruned,
 * which is why the cloud asked for a re-snapshot). Sales are not touched.
 * Returns the seq the snapshot reached: the next pull continues from there.
 */
export async function resnapshotCatalogStream(
  caller: GraphQLCaller,
  stream: CatalogStream,
  collection: RxCollection<any>,
  onProgress: (pulled: number) => void,
): Promise<{ checkpoint: number; documents: number }> {
  const operation = pullOperationName(stream);
  const snapshot = new Map<string, WithDeleted<any>>();
  let checkpoint: { seq: number } | null = null;
  for (;;) {
    const page: PullPage = await caller.call<PullPage>(PULL_DOCUMENTS[stream], operation, {
      checkpoint,
      limit: PULL_LIMIT_MAX,
    });
    for (const doc of page.documents) snapshot.set(doc.id, catalogWriteSchemas[stream].parse(doc));
    onProgress(snapshot.size);
    if (page.documents.length === 0 || !page.checkpoint) break;
    checkpoint = page.checkpoint;
  }
  const live = [...snapshot.values()].filter((doc) => !doc._deleted);
  const liveIds = new Set(live.map((doc) => doc.id as string));
  const local = await collection.find().exec();
  const gone = local
    .filter((doc) => !liveIds.has(doc.primary))
    .map((doc) => ({ id: doc.primary, _deleted: true }) as WithDeleted<any>);
  await writeCatalogDocuments(collection, [...live, ...gone]);
  return { checkpoint: checkpoint?.seq ?? 0, documents: live.length };
}
