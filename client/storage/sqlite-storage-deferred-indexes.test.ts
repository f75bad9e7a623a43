import { randomToken } from 'rxdb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getRxStorageSqlite } from './sqlite-storage.ts';
import type { SqliteStorageInstance } from './sqlite-storage-instance.ts';
import { withDeferredIndexes } from './sqlite-storage-instance.ts';
import {
  createInstance,
  makeItem,
  makeTempDir,
  openItemsDatabase,
  prepareItemQuery,
  toStorageDoc,
} from './test-fixtures.ts';
import type { Item } from './test-fixtures.ts';

/** Names of the secondary indexes SQLite has on the instance's table. */
function indexNames(instance: SqliteStorageInstance<Item>): string[] {
  const { handle, table } = instance.internals;
  return (
    handle.db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? ORDER BY name")
      .all(table) as { name: string }[]
  )
    .map((row) => row.name)
    .filter((name) => !name.startsWith('sqlite_autoindex'));
}

const page = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({ document: toStorageDoc(makeItem(from + i)) }));

describe('deferIndexes: a load of several writes with the indexes built once', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let dbName: string;

  beforeEach(() => {
    temp = makeTempDir();
    dbName = `db${randomToken(6)}`;
  });
  afterEach(() => temp.remove());

  it('drops the secondary indexes during the load, answers queries meanwhile, and rebuilds them', async () => {
    const storage = getRxStorageSqlite({ directory: temp.dir });
    const instance = (await createInstance(storage, dbName)) as SqliteStorageInstance<Item>;
    try {
      const before = indexNames(instance);
      expect(before.length).toBeGreaterThan(1);
      const query = prepareItemQuery({
        selector: { price: { $gte: 2500 } },
        sort: [{ price: 'asc' }, { id: 'asc' }],
      });
      const expected = (n: number) =>
        Array.from({ length: n }, (_, i) => makeItem(i))
          .filter((item) => item.price >= 2500)
          .sort((a, b) => a.price - b.price || (a.id < b.id ? -1 : 1))
          .map((item) => item.id);
      await instance.deferIndexes(async () => {
        await instance.bulkWrite(page(0, 1500), 'load');
        expect(indexNames(instance)).toEqual([]);
        // Nested loads join the outer one.
        await instance.deferIndexes(() => instance.bulkWrite(page(1500, 1500), 'load'));
        expect(indexNames(instance)).toEqual([]);
        const during = await instance.query(query);
        expect(during.documents.map((d) => d.id)).toEqual(expected(3000));
      });
      expect(indexNames(instance)).toEqual(before);
      const after = await instance.query(query);
      expect(after.documents.map((d) => d.id)).toEqual(expected(3000));
      expect((await instance.count(prepareItemQuery({ selector: {} }))).count).toBe(3000);
      const plan = instance.explainQuery(query) as string;
      expect(plan).toMatch(/USING (COVERING )?INDEX/);
    } finally {
      await instance.close();
    }
  });

  it('rebuilds the indexes when the load fails', async () => {
    const storage = getRxStorageSqlite({ directory: temp.dir });
    const instance = (await createInstance(storage, dbName)) as SqliteStorageInstance<Item>;
    try {
      const before = indexNames(instance);
      await expect(
        instance.deferIndexes(async () => {
          await instance.bulkWrite(page(0, 10), 'load');
          throw new Error('pull failed');
        }),
      ).rejects.toThrow('pull failed');
      expect(indexNames(instance)).toEqual(before);
    } finally {
      await instance.close();
    }
  });

  it('creates indexes a closed load left missing when the table is opened again', async () => {
    const storage = getRxStorageSqlite({ directory: temp.dir });
    const instance = (await createInstance(storage, dbName)) as SqliteStorageInstance<Item>;
    const before = indexNames(instance);
    await instance.deferIndexes(async () => {
      await instance.bulkWrite(page(0, 10), 'load');
      await instance.close();
    });
    const reopened = (await createInstance(storage, dbName)) as SqliteStorageInstance<Item>;
    try {
      expect(indexNames(reopened)).toEqual(before);
      expect((await reopened.count(prepareItemQuery({ selector: {} }))).count).toBe(10);
    } finally {
      await reopened.close();
    }
  });

  it('reaches the SQLite instance under the instance RxDB hands to a collection', async () => {
    const db = await openItemsDatabase(getRxStorageSqlite({ directory: temp.dir }), dbName);
    try {
      const collectionInstance = db.items.storageInstance;
      let seen: string[] | null = null;
      await withDeferredIndexes(collectionInstance, async () => {
        await db.items.bulkInsert([makeItem(1), makeItem(2)]);
        const original = (collectionInstance as any).originalStorageInstance;
        seen = indexNames(original);
      });
      expect(seen).toEqual([]);
      expect(await db.items.count().exec()).toBe(2);
    } finally {
      await db.close();
    }
  });
});
