import { createRevision, now } from 'rxdb';
import type { RxCollection, RxDocumentData, WithDeleted } from 'rxdb';

/**
 * Writes cloud documents into a catalog collection through its storage instance, in one `bulkWrite`
 * (one SQLite transaction): the path reconcile and the re-snapshot swap use, since the collection API
 * refuses catalog writes. `_deleted: true` rows become tombstones. A row that changed underneath
 * (409, a pull landed meanwhile) is read again and written again, a few times at most.
 *
 * Replication checkpoints are not touched, and the catalog replications are pull-only (RxDB does not
 * keep assumed master states for them), so a later pull still overwrites these rows with newer changes.
 */
export async function writeCatalogDocuments<T>(
  collection: RxCollection<T>,
  documents: readonly WithDeleted<T>[],
  options: {
    /**
     * The documents are not expected to be stored (a snapshot into an empty collection) and are the
     * caller's own new objects, handed over: the first round skips the lookup of the stored versions
     * and completes the documents in place into storage rows instead of copying 100,000 of them. One
     * stored meanwhile comes back as a 409 and is written again after the lookup.
     */
    fresh?: boolean;
  } = {},
): Promise<number> {
  const primaryPath = collection.schema.primaryPath as string;
  const storage = collection.storageInstance;
  let pending = [...documents];
  let written = 0;
  for (let round = 0; round < 5 && pending.length > 0; round++) {
    const inPlace = round === 0 && options.fresh === true;
    const current = inPlace
      ? []
      : await storage.findDocumentsById(
          pending.map((d) => (d as any)[primaryPath] as string),
          true,
        );
    const byId = new Map(current.map((d) => [(d as any)[primaryPath] as string, d]));
    const rows = pending
      .map((doc) => {
        if (inPlace) {
          if (doc._deleted) return null;
          const document = doc as unknown as RxDocumentData<T>;
          document._meta = { lwt: now() };
          document._rev = createRevision(collection.database.token);
          document._attachments = {};
          return { document };
        }
        const id = (doc as any)[primaryPath] as string;
        const previous = byId.get(id);
        // Writing a tombstone over nothing stores nothing worth having.
        if (!previous && doc._deleted) return null;
        // A tombstone keeps the stored fields: RxDB's schema still describes deleted rows.
        const base = doc._deleted && previous ? { ...previous, _deleted: true } : doc;
        const document = {
          ...base,
          _meta: { lwt: now() },
          _rev: createRevision(collection.database.token, previous),
          _attachments: {},
        } as unknown as RxDocumentData<T>;
        return previous ? { previous, document } : { document };
      })
      .filter((row) => row !== null);
    if (rows.length === 0) break;
    const result = await storage.bulkWrite(rows, 'pos-catalog-writer');
    const conflicted = new Set(
      result.error.filter((e) => e.status === 409).map((e) => e.documentId),
    );
    const other = result.error.find((e) => e.status !== 409);
    if (other) throw new Error(`catalog write failed: ${JSON.stringify(other).slice(0, 500)}`);
    written += rows.length - conflicted.size;
    pending = pending.filter((d) => conflicted.has((d as any)[primaryPath]));
  }
  return written;
}
