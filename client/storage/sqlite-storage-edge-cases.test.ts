/**
 * Review findings for client/storage: each test states the behaviour RxDB's contract (or RxDB's memory
 * storage, the reference) expects. They fail against the storage as reviewed.
 */
import {
  createBlob,
  fillWithDefaultSettings,
  getChangedDocumentsSince,
  getComposedPrimaryKeyOfDocumentData,
  getRxReplicationMetaInstanceSchema,
  randomToken,
} from 'rxdb';
import type { RxDocumentData, RxJsonSchema, RxStorageInstance } from 'rxdb';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getRxStorageSqlite } from './sqlite-storage.ts';
import type { SqliteStorageInternals } from './sqlite-storage-instance.ts';
import {
  filledItemSchema,
  makeItem,
  createInstance,
  makeTempDir,
  openItemsDatabase,
  toStorageDoc,
} from './test-fixtures.ts';
import type { Item } from './test-fixtures.ts';

type Instance<T = Item> = RxStorageInstance<T, any, any>;

describe('edge cases of the storage contract', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let dbName: string;
  const open: Instance<any>[] = [];

  beforeEach(() => {
    temp = makeTempDir();
    dbName = `db${randomToken(6)}`;
  });

  afterEach(async () => {
    for (const instance of open.splice(0)) await instance.close().catch(() => undefined);
    temp.remove();
  });

  async function track<T>(instance: Promise<Instance<T>>): Promise<Instance<T>> {
    const i = await instance;
    open.push(i);
    return i;
  }

  it('keeps collections whose names differ only in "-" / "_" / "$" apart (RxDB allows all three)', async () => {
    const storage = getRxStorageSqlite({ directory: temp.dir });
    const dashed = await track(createInstance(storage, dbName, filledItemSchema, 'sale-lines'));
    const underscored = await track(
      createInstance(storage, dbName, filledItemSchema, 'sale_lines'),
    );
    await dashed.bulkWrite([{ document: toStorageDoc(makeItem(1)) }], 'test');
    expect(await underscored.findDocumentsById(['item-00001'], true)).toEqual([]);
  });

  it('keeps collections whose names differ only in letter case apart (SQLite table names are case-insensitive)', async () => {
    const storage = getRxStorageSqlite({ directory: temp.dir });
    // Both match RxDB's collection-name rule ^[a-z][_$a-zA-Z0-9-]*$.
    const upper = await track(createInstance(storage, dbName, filledItemSchema, 'saleLines'));
    const lower = await track(createInstance(storage, dbName, filledItemSchema, 'salelines'));
    await upper.bulkWrite([{ document: toStorageDoc(makeItem(1)) }], 'test');
    expect(await lower.findDocumentsById(['item-00001'], true)).toEqual([]);
  });

  describe('bulkWrite order on a collection with attachments', () => {
    type WithFile = { id: string };
    const schema = {
      ...filledItemSchema,
      attachments: {},
    } as unknown as RxJsonSchema<RxDocumentData<WithFile>>;

    function withAttachment(n: number, body: string) {
      return {
        ...toStorageDoc(makeItem(n)),
        _attachments: {
          receipt: {
            data: createBlob(body, 'text/plain'),
            digest: `md5-${n}-${body.length}`,
            length: body.length,
            type: 'text/plain',
          },
        },
      } as any;
    }

    // RxDB's storage test suite: "when inserting the same document at the same time, the first call
    // must succeed while the second has a conflict". The memory storage passes it.
    it('lets the first of two concurrent inserts of one id win and gives the second a 409', async () => {
      const files = await track(
        createInstance<WithFile>(
          getRxStorageSqlite({ directory: temp.dir }),
          dbName,
          schema,
          'files',
        ),
      );
      const first = withAttachment(1, 'x'.repeat(100_000));
      const second = { ...toStorageDoc(makeItem(1, { name: 'second' })), _attachments: {} } as any;
      const [a, b] = await Promise.all([
        files.bulkWrite([{ document: first }], 'first'),
        files.bulkWrite([{ document: second }], 'second'),
      ]);
      expect(a.error).toEqual([]);
      expect(b.error.map((e) => e.status)).toEqual([409]);
      const [stored] = await files.findDocumentsById(['item-00001'], false);
      expect((stored as any).name).toBe(first.name);
    });

    it('commits and emits concurrent writes in the order bulkWrite was called', async () => {
      const files = await track(
        createInstance<WithFile>(
          getRxStorageSqlite({ directory: temp.dir }),
          dbName,
          schema,
          'files',
        ),
      );
      const contexts: string[] = [];
      const sub = files.changeStream().subscribe((bulk) => contexts.push(bulk.context));
      await Promise.all([
        files.bulkWrite([{ document: withAttachment(1, 'y'.repeat(100_000)) }], 'first'),
        files.bulkWrite(
          [{ document: { ...toStorageDoc(makeItem(2)), _attachments: {} } as any }],
          'second',
        ),
      ]);
      sub.unsubscribe();
      expect(contexts).toEqual(['first', 'second']);
    });
  });

  it('writes with the durability its own storage was configured with, also when another storage opened the file first', async () => {
    const catalog = getRxStorageSqlite({ directory: temp.dir, synchronous: 'NORMAL' });
    const sales = getRxStorageSqlite({ directory: temp.dir }); // FULL, the default
    await track(createInstance(catalog, dbName, filledItemSchema, 'products'));
    const salesItems = await track(createInstance(sales, dbName, filledItemSchema, 'sales'));
    await salesItems.bulkWrite([{ document: toStorageDoc(makeItem(1)) }], 'test');
    const { handle } = salesItems.internals as SqliteStorageInternals;
    // 2 = FULL, 1 = NORMAL
    expect(handle.db.pragma('synchronous', { simple: true })).toBe(2);
  });

  it("commits RxDB's replication bookkeeping with replicationMetaSynchronous, everything else with synchronous", async () => {
    const storage = getRxStorageSqlite({
      directory: temp.dir,
      replicationMetaSynchronous: 'NORMAL',
    });
    const meta = await track(
      createInstance(
        storage,
        dbName,
        fillWithDefaultSettings(getRxReplicationMetaInstanceSchema(filledItemSchema, false)) as any,
        'rx-replication-meta-test',
      ),
    );
    const items = await track(createInstance(storage, dbName));
    const { handle } = items.internals as SqliteStorageInternals;
    const metaDoc = {
      id: '',
      isCheckpoint: '1',
      itemId: 'up',
      checkpointData: { id: 'a', lwt: 1 },
      _deleted: false,
      _attachments: {},
      _meta: { lwt: 1 },
      _rev: '1-aaaa',
    };
    metaDoc.id = getComposedPrimaryKeyOfDocumentData(meta.schema, metaDoc as any);
    await meta.bulkWrite([{ document: metaDoc as any }], 'replication-set-checkpoint');
    // 2 = FULL, 1 = NORMAL
    expect(handle.db.pragma('synchronous', { simple: true })).toBe(1);
    await items.bulkWrite([{ document: toStorageDoc(makeItem(1)) }], 'test');
    expect(handle.db.pragma('synchronous', { simple: true })).toBe(2);
  });

  // RxDB's lwt index renders _meta.lwt with 2 decimals; a write time with more decimals (set by a
  // replication handler or a server) shares its index key with its neighbours in the same 0.01 ms.
  // RxDB's reference (the query-based getChangedDocumentsSince the memory storage uses) compares the
  // exact lwt; this storage compares the rounded key, then the id.
  it('returns a document written after the checkpoint even when both lwt round to the same 0.01', async () => {
    const checkpointDoc = {
      ...toStorageDoc(makeItem(1, { id: 'item-b' })),
      _meta: { lwt: 1_700_000_000_000.126 },
    };
    const later = {
      ...toStorageDoc(makeItem(2, { id: 'item-a' })),
      _meta: { lwt: 1_700_000_000_000.129 },
    };
    const checkpoint = { id: 'item-b', lwt: 1_700_000_000_000.126 };
    const ids = async (instance: Instance) => {
      await instance.bulkWrite([{ document: checkpointDoc }, { document: later }], 'test');
      const { documents } = await getChangedDocumentsSince(instance, 10, checkpoint);
      return documents.map((d) => d.id);
    };
    const memory = await track(createInstance(getRxStorageMemory(), dbName));
    expect(await ids(memory)).toEqual(['item-a']);
    const sqlite = await track(createInstance(getRxStorageSqlite({ directory: temp.dir }), dbName));
    expect(await ids(sqlite)).toEqual(['item-a']);
  });

  // The memory storage throws "removed already" for a write through another instance of a removed
  // collection. Here that instance keeps working on whatever table of that name exists next.
  it('refuses writes through an instance whose collection was removed, also after the collection was created again', async () => {
    const storage = getRxStorageSqlite({ directory: temp.dir });
    const removed = await track(createInstance(storage, dbName));
    const stale = await track(createInstance(storage, dbName));
    await removed.bulkWrite([{ document: toStorageDoc(makeItem(1)) }], 'test');
    await removed.remove();
    const recreated = await track(createInstance(storage, dbName));
    await expect(
      (async () => stale.bulkWrite([{ document: toStorageDoc(makeItem(2)) }], 'test'))(),
    ).rejects.toThrow();
    expect(await recreated.findDocumentsById(['item-00002'], true)).toEqual([]);
  });

  // bulkWrite commits, then calls handle.afterCommit() (which checkpoints the WAL at once after ~64 MB),
  // and only then updates the document cache and emits. A checkpoint that throws (SQLITE_FULL on a full
  // disk) leaves a committed write out of the cache: reads return the previous state and every later
  // update of the document conflicts against a documentInDb taken from that stale cache.
  it('keeps the document cache exact when the WAL checkpoint after a commit fails', async () => {
    const instance = await track(
      createInstance(getRxStorageSqlite({ directory: temp.dir, synchronous: 'NORMAL' }), dbName),
    );
    const v1 = toStorageDoc(makeItem(1));
    await instance.bulkWrite([{ document: v1 }], 'test');
    expect(await instance.findDocumentsById([v1.id], false)).toEqual([v1]);
    const { handle } = instance.internals as SqliteStorageInternals;
    handle.checkpoint = () => {
      throw new Error('SQLITE_FULL: database or disk is full');
    };
    const v2 = { ...toStorageDoc(makeItem(1, { note: 'x'.repeat(64 * 1024 * 1024) }), '2-b') };
    await instance.bulkWrite([{ previous: v1, document: v2 }], 'test').catch(() => undefined);
    // The update did commit:
    expect(handle.db.prepare('SELECT rev FROM rx_items_v0 WHERE id = ?').pluck().get(v1.id)).toBe(
      '2-b',
    );
    const [stored] = await instance.findDocumentsById([v1.id], false);
    expect(stored?._rev).toBe('2-b');
  }, 60_000);
});

describe('databases of one name in two directories', () => {
  it('open side by side in one process (the directory is part of the storage name)', async () => {
    const a = makeTempDir();
    const b = makeTempDir();
    const first = await openItemsDatabase(getRxStorageSqlite({ directory: a.dir }), 'terminal');
    const second = await openItemsDatabase(getRxStorageSqlite({ directory: b.dir }), 'terminal');
    await first.items.insert(makeItem(1));
    expect(await second.items.count().exec()).toBe(0);
    await first.close();
    await second.close();
    a.remove();
    b.remove();
  });
});
