import { Observable, Subject } from 'rxjs';
import { takeUntil } from 'rxjs/operators';
import type {
  BulkWriteRow,
  RxDatabase,
  RxDocumentData,
  RxStorage,
  RxStorageBulkWriteResponse,
  RxStorageInstance,
  RxStorageInstanceCreationParams,
} from 'rxdb';
import {
  INTERNAL_STORAGE_NAME,
  deepEqual,
  getPrimaryFieldOfPrimaryKey,
  normalizeMangoQuery,
  prepareQuery,
} from 'rxdb';
import { PosError } from '../../schema/index.ts';

/** Counts the change-stream subscriptions the views hold on the database, for leak checks. */
export type SubscriptionCounter = { open: number };

/**
 * An `RxStorage` for `exposeRxStorageRemote` that hands out read-only views of a running database's
 * storage instances, one set per page socket:
 * - writes to the collections, `remove()` and `cleanup()` are refused (`POS_FORBIDDEN`): the page
 *   changes data only through the daemon's commands;
 * - writes to RxDB's internal collection (the page's RxDB records its storage token and collection
 *   schemas at start) are answered as conflicts carrying the stored document, which is what RxDB
 *   expects when another instance wrote first, so the page opens on the daemon's bookkeeping;
 * - queries are prepared again here from the Mango query alone: the page's query plan names index
 *   fields the storage turns into SQL, and a page is not trusted with that;
 * - `close()` ends the view's change stream but leaves the daemon's instance open.
 * Only the named collections and the internal collection are exposed (not the local documents, which
 * hold the terminal's identity).
 */
export function createReadOnlyStorage(
  database: RxDatabase<any>,
  collections: readonly string[],
  counter: SubscriptionCounter,
): RxStorage<unknown, unknown> {
  const exposed = new Set([...collections, INTERNAL_STORAGE_NAME]);
  return {
    name: 'pos-read-only',
    rxdbVersion: database.storage.rxdbVersion,
    async createStorageInstance<RxDocType>(
      params: RxStorageInstanceCreationParams<RxDocType, unknown>,
    ): Promise<RxStorageInstance<RxDocType, unknown, unknown>> {
      const name = params.collectionName;
      const instance = exposed.has(name)
        ? [...database.storageInstances].find((candidate) => candidate.collectionName === name)
        : undefined;
      if (!instance) {
        throw new PosError('POS_FORBIDDEN', `the terminal does not expose ${name}`, {
          collection: name,
        });
      }
      if (!deepEqual(params.schema, instance.schema)) {
        throw new PosError(
          'POS_FORBIDDEN',
          `the page's ${name} schema differs from the terminal's: reload the page`,
          { collection: name },
        );
      }
      return readOnlyView(instance as RxStorageInstance<RxDocType, unknown, unknown>, counter);
    },
  };
}

function readOnlyView<RxDocType>(
  inner: RxStorageInstance<RxDocType, unknown, unknown>,
  counter: SubscriptionCounter,
): RxStorageInstance<RxDocType, unknown, unknown> {
  const closed$ = new Subject<void>();
  const refuse = (what: string) =>
    new PosError('POS_FORBIDDEN', `${what} ${inner.collectionName} is not allowed from the page`, {
      collection: inner.collectionName,
    });
  const isInternal = inner.collectionName === INTERNAL_STORAGE_NAME;
  return {
    databaseName: inner.databaseName,
    collectionName: inner.collectionName,
    schema: inner.schema,
    internals: {},
    options: {},
    async bulkWrite(
      rows: BulkWriteRow<RxDocType>[],
      context: string,
    ): Promise<RxStorageBulkWriteResponse<RxDocType>> {
      if (!isInternal) throw refuse('writing to');
      const primary = getPrimaryFieldOfPrimaryKey(inner.schema.primaryKey);
      const ids = rows.map((row) => String(row.document[primary]));
      const stored = new Map(
        (await inner.findDocumentsById(ids, true)).map((doc) => [String(doc[primary]), doc]),
      );
      if (stored.size !== new Set(ids).size) throw refuse('creating documents in');
      return {
        error: rows.map((writeRow, i) => ({
          status: 409 as const,
          isError: true as const,
          documentId: ids[i]!,
          writeRow,
          context,
          documentInDb: stored.get(ids[i]!) as RxDocumentData<RxDocType>,
        })),
      };
    },
    findDocumentsById: (ids, withDeleted) => inner.findDocumentsById(ids, withDeleted),
    query: (prepared) => inner.query(prepareAgain(inner, prepared.query)),
    count: (prepared) => inner.count(prepareAgain(inner, prepared.query)),
    getAttachmentData: () => Promise.reject(refuse('reading attachments of')),
    getChangedDocumentsSince: inner.getChangedDocumentsSince
      ? (limit, checkpoint) => inner.getChangedDocumentsSince!(limit, checkpoint)
      : undefined,
    changeStream: () =>
      new Observable((subscriber) => {
        counter.open += 1;
        const subscription = inner.changeStream().pipe(takeUntil(closed$)).subscribe(subscriber);
        return () => {
          counter.open -= 1;
          subscription.unsubscribe();
        };
      }),
    cleanup: () => Promise.reject(refuse('cleaning up')),
    remove: () => Promise.reject(refuse('removing')),
    async close() {
      closed$.next();
      closed$.complete();
    },
  };
}

function prepareAgain<RxDocType>(
  inner: RxStorageInstance<RxDocType, unknown, unknown>,
  query: unknown,
) {
  if (typeof query !== 'object' || query === null) throw new PosError('POS_INPUT_INVALID');
  return prepareQuery(inner.schema, normalizeMangoQuery(inner.schema, query as never));
}
