import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import type { MangoQuery, RxDatabase } from 'rxdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRxStorageSqlite } from './sqlite-storage.ts';
import type { SqliteStorageInternals } from './sqlite-storage-instance.ts';
import { makeItem, makeTempDir, openItemsDatabase, prepareItemQuery } from './test-fixtures.ts';
import type { Item } from './test-fixtures.ts';

/**
 * Every query runs on this storage and on RxDB's memory storage over the same documents; the memory
 * storage is the reference for what RxDB means by each operator, sort and page.
 */
const queries: [string, MangoQuery<Item>][] = [
  ['everything in primary key order', { selector: {} }],
  ['$eq on an indexed string', { selector: { name: { $eq: 'banana 4' } } }],
  ['$eq on a non-indexed field', { selector: { note: 'note 10' } }],
  ['$ne', { selector: { group: { $ne: 'fruit' } }, sort: [{ id: 'desc' }] }],
  ['$gt and $lt on an indexed integer', { selector: { price: { $gt: 1000, $lt: 2000 } } }],
  [
    '$gte and $lte with a sort on the index',
    { selector: { price: { $gte: 100, $lte: 900 } }, sort: [{ price: 'asc' }] },
  ],
  ['$in on an indexed string', { selector: { name: { $in: ['apple', 'cherry', 'missing'] } } }],
  ['$nin', { selector: { group: { $nin: ['fruit', 'veg'] } } }],
  ['$regex prefix', { selector: { name: { $regex: '^ban' } } }],
  ['$regex case-insensitive', { selector: { name: { $regex: 'APPLE', $options: 'i' } } }],
  ['$exists true', { selector: { note: { $exists: true } } }],
  ['$exists false', { selector: { note: { $exists: false } }, limit: 7 }],
  ['$and of two indexes', { selector: { $and: [{ group: 'veg' }, { price: { $gt: 2500 } }] } }],
  ['$or', { selector: { $or: [{ group: 'dairy' }, { rating: { $gte: 4.5 } }] } }],
  ['$nor', { selector: { $nor: [{ group: 'dairy' }, { active: false }] } }],
  ['$not', { selector: { price: { $not: { $gt: 2500 } } } }],
  ['$elemMatch on an array', { selector: { tags: { $elemMatch: { $eq: 'sale' } } } }],
  ['$size', { selector: { tags: { $size: 2 } } }],
  ['$mod', { selector: { price: { $mod: [7, 3] } } }],
  ['$type', { selector: { note: { $type: 'string' } } }],
  ['array contains by equality', { selector: { tags: 'organic' } as MangoQuery<Item>['selector'] }],
  [
    'nested field',
    { selector: { 'dims.w': { $gte: 5 } }, sort: [{ 'dims.h': 'desc' }, { id: 'asc' }] },
  ],
  ['boolean index with number range', { selector: { active: true, rating: { $gt: 2.5 } } }],
  ['compound index equality and range', { selector: { group: 'fruit', price: { $lte: 3000 } } }],
  [
    'sort by two fields, descending',
    { selector: {}, sort: [{ group: 'desc' }, { price: 'desc' }] },
  ],
  [
    'sort not covered by an index',
    { selector: { active: true }, sort: [{ 'dims.w': 'asc' }, { id: 'asc' }] },
  ],
  [
    'skip and limit on an index-satisfied query',
    { selector: {}, sort: [{ name: 'asc' }], skip: 13, limit: 11 },
  ],
  [
    'skip and limit with a matcher',
    { selector: { group: 'veg', tags: { $size: 1 } }, skip: 2, limit: 5 },
  ],
  ['limit zero', { selector: {}, limit: 0 }],
  ['skip past the end', { selector: {}, skip: 10_000 }],
  [
    'emoji and private-use characters in a range',
    { selector: { name: { $gt: 'zucchini' } }, sort: [{ name: 'asc' }] },
  ],
  ['empty-string lower bound', { selector: { name: { $gte: '' } }, sort: [{ name: 'asc' }] }],
  ['upper bound on a string', { selector: { name: { $lt: 'b' } }, sort: [{ name: 'desc' }] }],
  ['decimal range', { selector: { rating: { $gte: 1.5, $lt: 3.5 } } }],
  ['explicit index hint', { selector: { price: { $gt: 10 } }, index: ['group', 'price'] }],
];

describe('queries match RxDB memory storage', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let sqlite: RxDatabase<{ items: any }>;
  let memory: RxDatabase<{ items: any }>;

  beforeAll(async () => {
    temp = makeTempDir();
    sqlite = await openItemsDatabase(getRxStorageSqlite({ directory: temp.dir }));
    memory = await openItemsDatabase(getRxStorageMemory());
    const items = Array.from({ length: 400 }, (_, n) => makeItem(n));
    await sqlite.items.bulkInsert(items);
    await memory.items.bulkInsert(items);
    // Tombstones must never show up in a query.
    const removed = items.filter((_, n) => n % 9 === 0).map((i) => i.id);
    await sqlite.items.bulkRemove(removed);
    await memory.items.bulkRemove(removed);
  });

  afterAll(async () => {
    await sqlite.close();
    await memory.close();
    temp.remove();
  });

  it.each(queries)('%s', async (_name, query) => {
    const expected = (await memory.items.find(query).exec()).map((d: any) => d.toJSON());
    const actual = (await sqlite.items.find(query).exec()).map((d: any) => d.toJSON());
    expect(actual).toEqual(expected);
    if (query.skip === undefined && query.limit === undefined) {
      const expectedCount = await memory.items.count({ selector: query.selector }).exec();
      const actualCount = await sqlite.items
        .count({ selector: query.selector })
        .exec()
        .catch(
          // A count the index cannot answer is refused as slow (QU14), exactly as RxDB documents.
          (error: { code?: string }) =>
            error.code === 'QU14' ? expectedCount : Promise.reject(error),
        );
      expect(actualCount).toBe(expectedCount);
    }
  });

  it('answers a count the index cannot satisfy when the database allows slow counts', async () => {
    const db = await openItemsDatabase(getRxStorageSqlite());
    (db as any).allowSlowCount = true;
    await db.items.bulkInsert(Array.from({ length: 50 }, (_, n) => makeItem(n)));
    expect(await db.items.count({ selector: { tags: { $size: 1 } } }).exec()).toBe(
      Array.from({ length: 50 }, (_, n) => makeItem(n)).filter((i) => i.tags.length === 1).length,
    );
    await db.close();
  });

  describe('the SQL plan reads only the index range', () => {
    function storageInstance() {
      return (sqlite.items as any).storageInstance.originalStorageInstance;
    }

    /** A search of one index between a lower and an upper bound, inclusive or not. */
    function bothBounds(column: string): RegExp {
      return new RegExp(
        `SEARCH .* USING INDEX \\S+_${column} \\(${column}>=?\\? AND ${column}<=?\\?\\)`,
      );
    }

    function plan(query: MangoQuery<Item>) {
      const instance = storageInstance();
      const internals = instance.internals as SqliteStorageInternals;
      const prepared = prepareItemQuery(query);
      const column = internals.indexColumns.find(
        (c) => c.fields.join(',') === prepared.queryPlan.index.join(','),
      )!.column;
      return { column, detail: instance.explainQuery(prepared) as string, prepared };
    }

    it('searches the index of the planned RxDB index for a range on an indexed field', () => {
      const { column, detail, prepared } = plan({
        selector: { price: { $gt: 10, $lt: 20 } },
        sort: [{ price: 'asc' }],
        limit: 5,
      });
      expect(prepared.queryPlan.index).toEqual(['_deleted', 'price', 'id']);
      expect(detail).toMatch(
        new RegExp(`SEARCH .* USING INDEX \\S+_${column} \\(${column}>\\? AND ${column}<\\?\\)`),
      );
      expect(detail).not.toMatch(/SCAN|TEMP B-TREE/);
    });

    it('searches the compound index for equality plus range', () => {
      const { column, detail, prepared } = plan({
        selector: { group: 'veg', price: { $lt: 100 } },
      });
      expect(prepared.queryPlan.index).toEqual(['_deleted', 'group', 'price', 'id']);
      expect(detail).toMatch(bothBounds(column));
      expect(detail).not.toMatch(/SCAN|TEMP B-TREE/);
    });

    it('still reads one index range when RxDB must finish the selector and the sort', () => {
      const { column, detail, prepared } = plan({
        selector: { group: 'veg', tags: { $size: 1 } },
        sort: [{ 'dims.w': 'asc' }],
      });
      expect(prepared.queryPlan.selectorSatisfiedByIndex).toBe(false);
      expect(detail).toMatch(bothBounds(column));
    });

    it('uses the primary key for lookups by id', async () => {
      const storageInstance = (sqlite.items as any).storageInstance.originalStorageInstance;
      const internals = storageInstance.internals as SqliteStorageInternals;
      const rows = internals.handle.db
        .prepare(
          `EXPLAIN QUERY PLAN SELECT id, data, deleted FROM "${internals.table}" WHERE id IN (?, ?)`,
        )
        .all('a', 'b') as { detail: string }[];
      expect(rows.map((r) => r.detail).join(' ')).toMatch(
        /USING INDEX sqlite_autoindex_\S+ \(id=\?\)|USING PRIMARY KEY/,
      );
    });
  });
});
