import { createBlob, ensureNotFalsy, now, randomToken } from 'rxdb';
import type { RxDocumentData, RxJsonSchema, RxStorageInstance } from 'rxdb';
import { firstValueFrom } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { SqliteStorageError, sqliteFileOf } from './sqlite-database.ts';
import { getRxStorageSqlite } from './sqlite-storage.ts';
import type { RxStorageSqlite } from './sqlite-storage.ts';
import type { SqliteStorageInternals } from './sqlite-storage-instance.ts';
import {
  filledItemSchema,
  makeItem,
  createInstance,
  makeTempDir,
  prepareItemQuery,
  toStorageDoc,
} from './test-fixtures.ts';
import type { Item } from './test-fixtures.ts';

type Instance<T = Item> = RxStorageInstance<T, any, any>;

function changedSince(instance: Instance, limit: number, checkpoint?: any) {
  return ensureNotFalsy(instance.getChangedDocumentsSince).call(instance, limit, checkpoint);
}

describe('SqliteStorageInstance', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let storage: RxStorageSqlite;
  let instance: Instance;
  let dbName: string;

  beforeEach(async () => {
    temp = makeTempDir();
    storage = getRxStorageSqlite({ directory: temp.dir });
    dbName = `db${randomToken(6)}`;
    instance = await createInstance(storage, dbName);
  });

  afterEach(async () => {
    await instance.close();
    temp.remove();
  });

  describe('bulkWrite', () => {
    it('inserts documents and returns no errors', async () => {
      const docs = [1, 2, 3].map((n) => toStorageDoc(makeItem(n)));
      const result = await instance.bulkWrite(
        docs.map((document) => ({ document })),
        'test',
      );
      expect(result.error).toEqual([]);
      const found = await instance.findDocumentsById(
        ['item-00001', 'item-00002', 'item-00003'],
        false,
      );
      expect(found.sort((a, b) => a.id.localeCompare(b.id))).toEqual(docs);
    });

    it('refuses an insert over an existing document with a 409 carrying the stored document', async () => {
      const stored = toStorageDoc(makeItem(1));
      await instance.bulkWrite([{ document: stored }], 'test');
      const result = await instance.bulkWrite(
        [{ document: toStorageDoc(makeItem(1, { name: 'other' }), '1-bbbb') }],
        'test',
      );
      expect(result.error).toHaveLength(1);
      expect(result.error[0]).toMatchObject({
        status: 409,
        documentId: 'item-00001',
        isError: true,
      });
      expect((result.error[0] as { documentInDb: unknown }).documentInDb).toEqual(stored);
    });

    it('refuses an update whose previous revision is not the stored one, and applies the right one', async () => {
      const v1 = toStorageDoc(makeItem(1));
      await instance.bulkWrite([{ document: v1 }], 'test');
      const v2 = toStorageDoc(makeItem(1, { price: 99 }), '2-bbbb');
      const stale = { ...v1, _rev: '1-zzzz' };
      const conflict = await instance.bulkWrite([{ previous: stale, document: v2 }], 'test');
      expect(conflict.error.map((e) => e.status)).toEqual([409]);
      expect((await instance.findDocumentsById([v1.id], false))[0]).toEqual(v1);

      const ok = await instance.bulkWrite([{ previous: v1, document: v2 }], 'test');
      expect(ok.error).toEqual([]);
      expect((await instance.findDocumentsById([v1.id], false))[0]).toEqual(v2);
    });

    it('writes the valid rows of a batch and reports only the conflicting ones', async () => {
      await instance.bulkWrite([{ document: toStorageDoc(makeItem(1)) }], 'test');
      const result = await instance.bulkWrite(
        [
          { document: toStorageDoc(makeItem(1), '1-cccc') },
          { document: toStorageDoc(makeItem(2)) },
        ],
        'test',
      );
      expect(result.error.map((e) => e.documentId)).toEqual(['item-00001']);
      expect(await instance.findDocumentsById(['item-00002'], false)).toHaveLength(1);
    });

    it('keeps a deleted document as a tombstone visible only with withDeleted', async () => {
      const v1 = toStorageDoc(makeItem(1));
      await instance.bulkWrite([{ document: v1 }], 'test');
      const tombstone = { ...v1, _deleted: true, _rev: '2-dddd', _meta: { lwt: now() } };
      expect(
        (await instance.bulkWrite([{ previous: v1, document: tombstone }], 'test')).error,
      ).toEqual([]);
      expect(await instance.findDocumentsById([v1.id], false)).toEqual([]);
      expect(await instance.findDocumentsById([v1.id], true)).toEqual([tombstone]);
      const all = await instance.query(prepareItemQuery({ selector: {} }));
      expect(all.documents).toEqual([]);
    });

    it('stores more documents than the trial storage allows (no document or operation cap)', async () => {
      const docs = Array.from({ length: 5_000 }, (_, n) => ({
        document: toStorageDoc(makeItem(n)),
      }));
      expect((await instance.bulkWrite(docs, 'test')).error).toEqual([]);
      for (let n = 0; n < 600; n++) {
        await instance.findDocumentsById([makeItem(n).id], false);
      }
      const count = await instance.count(prepareItemQuery({ selector: {} }));
      expect(count).toEqual({ count: 5_000, mode: 'fast' });
    });
  });

  describe('findDocumentsById', () => {
    it('returns only existing documents, across more ids than one SQL statement binds', async () => {
      const docs = Array.from({ length: 1_200 }, (_, n) => ({
        document: toStorageDoc(makeItem(n)),
      }));
      await instance.bulkWrite(docs, 'test');
      const ids = [...docs.map((d) => d.document.id), 'missing-1', 'missing-2'];
      const found = await instance.findDocumentsById(ids, false);
      expect(found).toHaveLength(1_200);
      expect(new Set(found.map((d) => d.id)).size).toBe(1_200);
    });
  });

  describe('changeStream', () => {
    it('emits one bulk per write with the events and a checkpoint of the newest row', async () => {
      const nextBulk = firstValueFrom(instance.changeStream());
      const docs = [1, 2].map((n) => toStorageDoc(makeItem(n)));
      await instance.bulkWrite(
        docs.map((document) => ({ document })),
        'my-context',
      );
      const bulk = await nextBulk;
      expect(bulk.context).toBe('my-context');
      expect(bulk.events.map((e) => [e.operation, e.documentId])).toEqual([
        ['INSERT', 'item-00001'],
        ['INSERT', 'item-00002'],
      ]);
      expect(bulk.checkpoint).toEqual({ id: 'item-00002', lwt: docs[1]!._meta.lwt });
    });

    it('emits UPDATE and DELETE events with the previous document', async () => {
      const v1 = toStorageDoc(makeItem(1));
      await instance.bulkWrite([{ document: v1 }], 'test');
      const events: string[] = [];
      const sub = instance.changeStream().subscribe((bulk) => {
        for (const e of bulk.events) events.push(`${e.operation}:${e.previousDocumentData?._rev}`);
      });
      const v2 = toStorageDoc(makeItem(1, { price: 5 }), '2-x');
      await instance.bulkWrite([{ previous: v1, document: v2 }], 'test');
      await instance.bulkWrite(
        [{ previous: v2, document: { ...v2, _deleted: true, _rev: '3-x' } }],
        'test',
      );
      sub.unsubscribe();
      expect(events).toEqual(['UPDATE:1-aaaa', 'DELETE:2-x']);
    });

    it('emits nothing for a write that only conflicted', async () => {
      const v1 = toStorageDoc(makeItem(1));
      await instance.bulkWrite([{ document: v1 }], 'test');
      let emitted = 0;
      const sub = instance.changeStream().subscribe(() => emitted++);
      await instance.bulkWrite([{ document: toStorageDoc(makeItem(1), '1-other') }], 'test');
      sub.unsubscribe();
      expect(emitted).toBe(0);
    });
  });

  describe('getChangedDocumentsSince', () => {
    it('pages through every change in (lwt, id) order, including deletions, without repeats', async () => {
      const docs = Array.from({ length: 25 }, (_, n) => toStorageDoc(makeItem(n)));
      // Same lwt for a whole batch: the id must break ties.
      const lwt = now();
      for (const d of docs) d._meta.lwt = lwt;
      await instance.bulkWrite(
        docs.map((document) => ({ document })),
        'test',
      );
      const deleted = { ...docs[3]!, _deleted: true, _rev: '2-del', _meta: { lwt: now() } };
      await instance.bulkWrite([{ previous: docs[3]!, document: deleted }], 'test');

      const seen: string[] = [];
      let checkpoint: any;
      for (;;) {
        const page = await changedSince(instance, 7, checkpoint);
        if (page.documents.length === 0) break;
        seen.push(...page.documents.map((d) => `${d.id}${d._deleted ? ':deleted' : ''}`));
        checkpoint = page.checkpoint;
      }
      const expected = docs.filter((_, n) => n !== 3).map((d) => d.id);
      expect(seen).toEqual([...expected, 'item-00003:deleted']);
    });

    it('returns the given checkpoint when nothing changed after it', async () => {
      await instance.bulkWrite([{ document: toStorageDoc(makeItem(1)) }], 'test');
      const first = await changedSince(instance, 10);
      const again = await changedSince(instance, 10, first.checkpoint);
      expect(again).toEqual({ documents: [], checkpoint: first.checkpoint });
    });
  });

  describe('cleanup', () => {
    it('purges tombstones older than the given age and keeps newer ones and live documents', async () => {
      const live = toStorageDoc(makeItem(1));
      const oldDoc = toStorageDoc(makeItem(2));
      const recentDoc = toStorageDoc(makeItem(3));
      await instance.bulkWrite(
        [live, oldDoc, recentDoc].map((document) => ({ document })),
        'test',
      );
      const oldTombstone = {
        ...oldDoc,
        _deleted: true,
        _rev: '2-x',
        _meta: { lwt: now() - 60_000 },
      };
      const recentTombstone = { ...recentDoc, _deleted: true, _rev: '2-x', _meta: { lwt: now() } };
      await instance.bulkWrite(
        [
          { previous: oldDoc, document: oldTombstone },
          { previous: recentDoc, document: recentTombstone },
        ],
        'test',
      );
      expect(await instance.cleanup(30_000)).toBe(true);
      const remaining = await instance.findDocumentsById([live.id, oldDoc.id, recentDoc.id], true);
      expect(remaining.map((d) => d.id).sort()).toEqual([live.id, recentDoc.id]);
    });
  });

  describe('attachments', () => {
    type WithFile = { id: string };
    const schema = {
      ...filledItemSchema,
      attachments: {},
      properties: { ...filledItemSchema.properties },
    } as unknown as RxJsonSchema<RxDocumentData<WithFile>>;

    it('stores, reads, replaces and removes attachment data', async () => {
      const files = await createInstance<WithFile>(storage, dbName, schema, 'files');
      const data = createBlob('receipt body', 'text/plain');
      const doc = {
        ...toStorageDoc(makeItem(1)),
        _attachments: {
          receipt: { data, digest: 'md5-one', length: 12, type: 'text/plain' },
        },
      } as any;
      expect((await files.bulkWrite([{ document: doc }], 'test')).error).toEqual([]);
      const blob = await files.getAttachmentData(doc.id, 'receipt', 'md5-one');
      expect(await blob.text()).toBe('receipt body');
      expect(blob.type).toBe('text/plain');

      const stored = (await files.findDocumentsById([doc.id], false))[0] as any;
      expect(stored._attachments.receipt).toEqual({
        digest: 'md5-one',
        length: 12,
        type: 'text/plain',
      });

      const v2 = {
        ...stored,
        _rev: '2-x',
        _attachments: {
          receipt: {
            data: createBlob('new body', 'text/plain'),
            digest: 'md5-two',
            length: 8,
            type: 'text/plain',
          },
        },
      };
      expect((await files.bulkWrite([{ previous: stored, document: v2 }], 'test')).error).toEqual(
        [],
      );
      expect(await (await files.getAttachmentData(doc.id, 'receipt', 'md5-two')).text()).toBe(
        'new body',
      );
      await expect(files.getAttachmentData(doc.id, 'receipt', 'md5-one')).rejects.toThrow(
        /does not exist/,
      );

      const stored2 = (await files.findDocumentsById([doc.id], false))[0] as any;
      const v3 = { ...stored2, _rev: '3-x', _deleted: true };
      expect((await files.bulkWrite([{ previous: stored2, document: v3 }], 'test')).error).toEqual(
        [],
      );
      await expect(files.getAttachmentData(doc.id, 'receipt', 'md5-two')).rejects.toThrow(
        /does not exist/,
      );
      await files.close();
    });

    it('rejects an insert whose attachment has no data with a 510', async () => {
      const files = await createInstance<WithFile>(storage, dbName, schema, 'files');
      const doc = {
        ...toStorageDoc(makeItem(1)),
        _attachments: { receipt: { digest: 'md5-x', length: 1, type: 'text/plain' } },
      } as any;
      const result = await files.bulkWrite([{ document: doc }], 'test');
      expect(result.error.map((e) => e.status)).toEqual([510]);
      await files.close();
    });
  });

  describe('close, reopen and remove', () => {
    it('keeps every written document across close and reopen of the file', async () => {
      const docs = Array.from({ length: 100 }, (_, n) => toStorageDoc(makeItem(n)));
      await instance.bulkWrite(
        docs.map((document) => ({ document })),
        'test',
      );
      await instance.close();
      instance = await createInstance(getRxStorageSqlite({ directory: temp.dir }), dbName);
      const found = await instance.findDocumentsById(
        docs.map((d) => d.id),
        false,
      );
      expect(found).toHaveLength(100);
      const byPrice = await instance.query(
        prepareItemQuery({ selector: { price: { $gte: 0 } }, sort: [{ price: 'asc' }] }),
      );
      expect(byPrice.documents).toHaveLength(100);
    });

    it('refuses every operation after close with a clear error', async () => {
      await instance.close();
      await expect(instance.findDocumentsById(['x'], false)).rejects.toBeInstanceOf(
        SqliteStorageError,
      );
      await expect(
        instance.bulkWrite([{ document: toStorageDoc(makeItem(1)) }], 'test'),
      ).rejects.toThrow(/closed/);
      await instance.close();
    });

    it('removes the collection data', async () => {
      await instance.bulkWrite([{ document: toStorageDoc(makeItem(1)) }], 'test');
      await instance.remove();
      instance = await createInstance(storage, dbName);
      expect(await instance.findDocumentsById(['item-00001'], true)).toEqual([]);
    });
  });

  it('refuses a file written with another storage layout, naming both versions', async () => {
    await instance.close();
    const file = sqliteFileOf(temp.dir, dbName);
    const raw = new Database(file);
    raw.pragma('user_version = 99');
    raw.close();
    await expect(
      createInstance(getRxStorageSqlite({ directory: temp.dir }), dbName),
    ).rejects.toThrow(/storage layout 99; this version reads layout 1/);
    instance = await createInstance(getRxStorageSqlite(), dbName);
  });

  it('never serves a cached document older than a write made through another instance', async () => {
    const other = await createInstance(storage, dbName);
    const v1 = toStorageDoc(makeItem(1));
    await instance.bulkWrite([{ document: v1 }], 'test');
    expect(await other.findDocumentsById([v1.id], false)).toEqual([v1]);
    const v2 = toStorageDoc(makeItem(1, { price: 4242 }), '2-b');
    await other.bulkWrite([{ previous: v1, document: v2 }], 'test');
    expect(await instance.findDocumentsById([v1.id], false)).toEqual([v2]);
    const byPrice = await instance.query(prepareItemQuery({ selector: { price: 4242 } }));
    expect(byPrice.documents).toEqual([v2]);
    await other.close();
  });

  it('checkpoints the WAL on the worker thread once writes pause, copying every frame', async () => {
    const { handle } = instance.internals as SqliteStorageInternals;
    const checkpointed = handle.checkpointWorker!.next();
    const docs = Array.from({ length: 2_000 }, (_, n) => ({ document: toStorageDoc(makeItem(n)) }));
    await instance.bulkWrite(docs, 'test');
    const result = await checkpointed;
    expect(result.log).toBeGreaterThan(0);
    expect(result.checkpointed).toBe(result.log);
    // The main connection still reads everything after the worker moved the pages.
    expect(await instance.count(prepareItemQuery({ selector: {} }))).toEqual({
      count: 2_000,
      mode: 'fast',
    });
  });

  it('keeps in-memory databases apart by name and drops them when closed', async () => {
    const memory = getRxStorageSqlite();
    const a = await createInstance(memory, 'mem-a');
    const b = await createInstance(memory, 'mem-b');
    await a.bulkWrite([{ document: toStorageDoc(makeItem(1)) }], 'test');
    expect(await b.findDocumentsById(['item-00001'], false)).toEqual([]);
    const a2 = await createInstance(memory, 'mem-a');
    expect(await a2.findDocumentsById(['item-00001'], false)).toHaveLength(1);
    await Promise.all([a.close(), a2.close(), b.close()]);
    const a3 = await createInstance(memory, 'mem-a');
    expect(await a3.findDocumentsById(['item-00001'], false)).toEqual([]);
    await a3.close();
  });
});
