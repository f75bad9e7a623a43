import type { RxCollection, WithDeleted } from 'rxdb';
import { PULL_DOCUMENTS, PULL_LIMIT_MAX, pullOperationName } from '../replication/index.ts';
import { catalogWriteSchemas } from './catalog-documents.ts';
import type { CatalogStream } from './catalog-reconcile.ts';
import { writeCatalogDocuments } from './catalog-writer.ts';
import { withDeferredIndexes } from './storage/index.ts';
import type { GraphQLCaller } from './graphql-client.ts';

/** Documents per write while a first snapshot is written as it is pulled. */
const WRITE_CHUNK = 1_000;

type PullPage = { documents: WithDeleted<any>[]; checkpoint: { seq: number } | null };

/**
 * Pulls a complete snapshot of a catalog stream, one page in flight ahead of the one being written,
 * so the cloud prepares page n+1 while the terminal validates and writes page n.
 * - Into an empty collection (first run, a new branch after the purge) each page is written as it
 *   arrives: there is no catalog to keep consistent yet, and the write overlaps the pull.
 * - Otherwise (a re-snapshot) the snapshot is gathered in memory while the current catalog keeps
 *   serving sales, then swapped in with one write: every live document of the snapshot, and a
 *   tombstone for every local document the snapshot no longer has (its tombstone may have been
 *   pruned, which is why the cloud asked for a re-snapshot).
 * Sales are not touched. Returns the seq the snapshot reached: the next pull continues from there.
 */
export async function resnapshotCatalogStream(
  caller: GraphQLCaller,
  stream: CatalogStream,
  collection: RxCollection<any>,
  onProgress: (pulled: number) => void,
): Promise<{ checkpoint: number; documents: number }> {
  const operation = pullOperationName(stream);
  const fetchPage = (checkpoint: { seq: number } | null): Promise<PullPage> => {
    const page = caller.call<PullPage>(PULL_DOCUMENTS[stream], operation, {
      checkpoint,
      limit: PULL_LIMIT_MAX,
    });
    // Awaited below; a page still in flight when a write fails must not become an unhandled rejection.
    page.catch(() => undefined);
    return page;
  };
  const writeAsPulled = (await collection.count().exec()) === 0;
  const snapshot = new Map<string, WithDeleted<any>>();
  let pulled = 0;
  let live = 0;
  let checkpoint = null as { seq: number } | null;
  const pullAll = async (): Promise<void> => {
    let next = fetchPage(null);
    for (;;) {
      const page = await next;
      const last = page.documents.length === 0 || !page.checkpoint;
      if (!last) {
        checkpoint = page.checkpoint;
        next = fetchPage(checkpoint);
      }
      const documents = page.documents.map((doc) => catalogWriteSchemas[stream].parse(doc));
      if (writeAsPulled) {
        for (let i = 0; i < documents.length; i += WRITE_CHUNK) {
          // Between chunks the event loop reads the next page off the socket: a whole page written
          // in one go would stall the cloud's send of the next page behind a full socket buffer.
          if (i > 0) await new Promise((resolve) => setImmediate(resolve));
          const chunk = documents.slice(i, i + WRITE_CHUNK);
          await writeCatalogDocuments(collection, chunk, { fresh: true });
        }
        live += documents.filter((doc) => !doc._deleted).length;
      } else {
        for (const doc of documents) snapshot.set(doc.id, doc);
      }
      pulled += documents.length;
      onProgress(pulled);
      if (last) return;
    }
  };
  // Written as pulled, the pages go into the table without its secondary indexes, built once at the
  // end (`deferIndexes` in client/storage).
  if (writeAsPulled) await withDeferredIndexes(collection.storageInstance, pullAll);
  else await pullAll();
  if (!writeAsPulled) {
    const liveDocs = [...snapshot.values()].filter((doc) => !doc._deleted);
    const liveIds = new Set(liveDocs.map((doc) => doc.id as string));
    const local = await collection.find().exec();
    const gone = local
      .filter((doc) => !liveIds.has(doc.primary))
      .map((doc) => ({ id: doc.primary, _deleted: true }) as WithDeleted<any>);
    await writeCatalogDocuments(collection, [...liveDocs, ...gone]);
    live = liveDocs.length;
  }
  return { checkpoint: checkpoint?.seq ?? 0, documents: live };
}
