import fc from 'fast-check';
import type { MangoQuery, MangoQuerySelector } from 'rxdb';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { describe, expect, it } from 'vitest';
import { getRxStorageSqlite } from './sqlite-storage.ts';
import { openItemsDatabase, prepareItemQuery } from './test-fixtures.ts';
import type { Item } from './test-fixtures.ts';

const ids = fc.constantFrom(...Array.from({ length: 30 }, (_, n) => `id-${n}`));
// Names mix ASCII, case, trailing spaces, emoji, private-use and lone surrogates.
const names = fc.oneof(
  fc.constantFrom('a', 'A', 'b', 'ab', 'a ', 'a b', 'a  b', ' a', 'a\u0001', 'a \u0001', '', 'zz'),
  fc.constantFrom('😀', '\uE000', '\uFFFF', '\uD800', 'ä'),
  fc.string({ maxLength: 6, unit: 'binary' }),
);
const groups = fc.constantFrom('fruit', 'veg', 'dairy');
const prices = fc.integer({ min: 0, max: 50 });
const ratings = fc.integer({ min: 0, max: 10 }).map((n) => n / 2);

const itemFields = fc.record({
  name: names,
  group: groups,
  price: prices,
  rating: ratings,
  active: fc.boolean(),
  tags: fc.uniqueArray(fc.constantFrom('red', 'sale', 'new'), { maxLength: 3 }),
  dims: fc.record({ w: fc.integer({ min: 0, max: 3 }), h: fc.integer({ min: 0, max: 3 }) }),
});

const selector: fc.Arbitrary<MangoQuerySelector<Item>> = fc.oneof(
  fc.constant({}),
  names.map((name) => ({ name })),
  names.map((name) => ({ name: { $gt: name } })),
  fc.tuple(names, names).map(([a, b]) => ({ name: { $gte: a, $lte: b } })),
  groups.map((group) => ({ group })),
  fc.tuple(groups, prices).map(([group, price]) => ({ group, price: { $lt: price } })),
  fc
    .tuple(prices, prices)
    .map(([a, b]) => ({ price: { $gte: Math.min(a, b), $lte: Math.max(a, b) } })),
  fc.tuple(fc.boolean(), ratings).map(([active, rating]) => ({ active, rating: { $gte: rating } })),
  fc.constantFrom('red', 'sale').map((tag) => ({ tags: { $elemMatch: { $eq: tag } } })),
  fc
    .tuple(groups, prices)
    .map(([group, price]) => ({ $or: [{ group }, { price: { $gt: price } }] })),
  fc.array(names, { maxLength: 3 }).map((list) => ({ name: { $in: list } })),
);
const sortField = fc.constantFrom('name', 'group', 'price', 'rating', 'active', 'dims.w');
const query: fc.Arbitrary<MangoQuery<Item>> = fc
  .record(
    {
      selector,
      sort: fc.uniqueArray(
        fc.tuple(sortField, fc.constantFrom('asc', 'desc')).map(([f, d]) => ({ [f]: d })),
        { maxLength: 2, selector: (s) => Object.keys(s)[0] },
      ),
      skip: fc.integer({ min: 0, max: 5 }),
      limit: fc.integer({ min: 0, max: 12 }),
    },
    { requiredKeys: ['selector'] },
  )
  .map((q) => {
    // A deterministic order needs the primary key as the last sort field, as RxDB adds it itself.
    const sort = [...(q.sort ?? []), { id: 'asc' }];
    return { ...q, sort } as MangoQuery<Item>;
  });

type Operation =
  | { kind: 'upsert'; id: string; fields: Omit<Item, 'id'> }
  | { kind: 'remove'; id: string }
  | { kind: 'query'; query: MangoQuery<Item> };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('upsert' as const), id: ids, fields: itemFields }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), id: ids }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('query' as const), query }) },
);

async function apply(db: Awaited<ReturnType<typeof openItemsDatabase>>, op: Operation) {
  switch (op.kind) {
    case 'upsert':
      await db.items.upsert({ id: op.id, ...op.fields });
      return null;
    case 'remove': {
      const doc = await db.items.findOne(op.id).exec();
      if (doc) await doc.remove();
      return null;
    }
    case 'query': {
      // Straight to the storage instance: RxDB's query cache and event-reduce would otherwise answer
      // repeated queries without asking the storage at all.
      const storage = db.items.storageInstance;
      const { documents } = await storage.query(prepareItemQuery(op.query));
      const { count } = await storage.count(prepareItemQuery({ selector: op.query.selector }));
      // Revisions and write times differ between two databases by design; everything else must not.
      return { docs: documents.map(({ _rev, _meta, ...doc }: any) => doc), count };
    }
  }
}

describe('random operations', () => {
  // The document cache must never change an answer: run with it off, tiny (constant eviction), default.
  it.each([
    ['no document cache', 0],
    ['a 3-document cache', 3],
    ['the default document cache', undefined],
  ])(
    'give the same results as the memory storage with %s',
    async (_name, documentCacheSize) => {
      await fc.assert(
        fc.asyncProperty(fc.array(operation, { minLength: 10, maxLength: 60 }), async (ops) => {
          const sqlite = await openItemsDatabase(getRxStorageSqlite({ documentCacheSize }));
          const memory = await openItemsDatabase(getRxStorageMemory());
          try {
            for (const op of ops) {
              const expected = await apply(memory, op);
              const actual = await apply(sqlite, op);
              expect(actual).toEqual(expected);
            }
          } finally {
            await sqlite.close();
            await memory.close();
          }
        }),
        { numRuns: process.env.CI ? 50 : 30 },
      );
    },
    120_000,
  );
});
