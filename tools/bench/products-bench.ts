import path from 'node:path';
import type Database from 'better-sqlite3';
import { createRxDatabase, fillWithDefaultSettings, uncacheRxQuery } from 'rxdb';
import type {
  MangoQuery,
  PreparedQuery,
  RxCollection,
  RxDatabase,
  RxDocumentData,
  RxStorage,
} from 'rxdb';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { createIndexKeysFunction, getRxStorageSqlite } from '../../client/storage/index.ts';
import type { Synchronous } from '../../client/storage/index.ts';
import { assertEqual, openRawDatabase, summarize, timed } from './bench-utils.ts';
import type { Summary } from './bench-utils.ts';
import {
  NAME_WORDS,
  PRODUCT_CATEGORIES,
  categoryIdOf,
  createRandom,
  makeProducts,
  productSchema,
} from './product-docs.ts';
import type { BenchProduct } from './product-docs.ts';

export type ProductsBenchOptions = {
  docs: number;
  lookups: number;
  directory: string;
  synchronous: Synchronous;
  withMemory: boolean;
};

export type LookupResult = {
  label: string;
  rxdb: Summary;
  storage: Summary;
  meanRows: number;
  plan: string;
};

export type ProductsBenchResults = {
  docs: number;
  synchronous: Synchronous;
  /** Characters of index keys the storage writes per document (each stored in the row and its index). */
  indexKeyChars: number;
  jsonChars: number;
  insert: Record<InsertKey, number | undefined>;
  lookups: LookupResult[];
  findByIds: Record<'rxdb' | 'storage' | 'raw' | 'parseOnly', Summary>;
};

type InsertKey =
  | 'stringify'
  | 'indexKeys'
  | 'raw'
  | 'rawRealColumns'
  | 'storageBulkWrite'
  | 'rxdbBulkInsert'
  | 'rxdbBulkInsertMemory';

type Products = RxCollection<BenchProduct>;

const FIND_BY_IDS = 3000;
const FIND_BY_IDS_REPEATS = 10;
const WARMUP = 20;
const filledSchema = fillWithDefaultSettings(productSchema);

/** 100,000 products: bulk insert against raw SQLite floors, then indexed lookups on a reopened db. */
export async function runProductsBench(
  options: ProductsBenchOptions,
): Promise<ProductsBenchResults> {
  const products = makeProducts(options.docs);
  const stored = products.map(withRxdbMeta);
  const insert = {} as Record<InsertKey, number | undefined>;

  insert.stringify = (await timed(() => stored.map((d) => JSON.stringify(d)))).ms;
  const keysOf = createIndexKeysFunction(
    filledSchema,
    filledSchema.indexes!.map((index) => [...index] as string[]),
  );
  const keys = await timed(() => stored.map((d) => keysOf(d)));
  insert.indexKeys = keys.ms;

  const rawFile = path.join(options.directory, 'products-raw.sqlite');
  const rawDb = openRawDatabase(rawFile, options.synchronous);
  insert.raw = insertRaw(rawDb, products);
  insert.rawRealColumns = insertRawWithRealColumns(options, stored);
  insert.storageBulkWrite = await bulkWriteStorage(options, stored);

  const storage = getRxStorageSqlite({
    directory: options.directory,
    synchronous: options.synchronous,
  });
  let db = await openProductsDb(storage);
  insert.rxdbBulkInsert = await bulkInsertCollection(db.products, products);
  await db.close();
  if (options.withMemory) {
    const memoryDb = await openProductsDb(getRxStorageMemory());
    insert.rxdbBulkInsertMemory = await bulkInsertCollection(memoryDb.products, products);
    await memoryDb.remove();
  }

  // Reopened, so neither RxDB's document cache nor its query cache holds anything yet.
  db = await openProductsDb(storage);
  assertEqual(await db.products.count().exec(), options.docs, 'products after reopen');
  const findByIds = await measureFindByIds(db.products, rawDb, products);
  const lookups = await measureLookups(db.products, products, options.lookups);
  await db.close();
  rawDb.close();

  return {
    docs: options.docs,
    synchronous: options.synchronous,
    indexKeyChars: keys.value[0]!.reduce((sum, key) => sum + key.length, 0),
    jsonChars: JSON.stringify(stored[0]).length,
    insert,
    lookups,
    findByIds,
  };
}

type ProductsDb = RxDatabase<{ products: Products }>;

async function openProductsDb(storage: RxStorage<any, any>): Promise<ProductsDb> {
  const db = await createRxDatabase<{ products: Products }>({
    name: 'products',
    storage,
    multiInstance: false,
  });
  await db.addCollections({ products: { schema: productSchema } });
  return db;
}

async function bulkInsertCollection(collection: Products, products: BenchProduct[]) {
  const { ms, value } = await timed(() => collection.bulkInsert(products));
  assertEqual(value.error.length, 0, 'bulkInsert errors');
  assertEqual(value.success.length, products.length, 'bulkInsert successes');
  assertEqual(await collection.count().exec(), products.length, 'collection count');
  return ms;
}

/** The floor: one prepared INSERT per document in one transaction into (id PRIMARY KEY, data). */
function insertRaw(db: Database.Database, products: BenchProduct[]): number {
  db.exec('CREATE TABLE products (id TEXT PRIMARY KEY NOT NULL, data TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO products (id, data) VALUES (?, ?)');
  const start = performance.now();
  db.transaction(() => {
    for (const p of products) insert.run(p.id, JSON.stringify(p));
  })();
  const elapsed = performance.now() - start;
  assertEqual(countRows(db, 'products'), products.length, 'raw rows');
  return elapsed;
}

/** The alternative layout: the indexed fields as real columns under compound SQLite indexes. */
function insertRawWithRealColumns(
  options: ProductsBenchOptions,
  stored: RxDocumentData<BenchProduct>[],
): number {
  const file = path.join(options.directory, 'products-columns.sqlite');
  const db = openRawDatabase(file, options.synchronous);
  db.exec(`CREATE TABLE products (id TEXT PRIMARY KEY NOT NULL, rev TEXT NOT NULL,
    deleted INTEGER NOT NULL, lwt REAL NOT NULL, data TEXT NOT NULL,
    sku TEXT, barcode TEXT, categoryId TEXT, name TEXT)`);
  db.exec(`CREATE INDEX products_sku ON products (deleted, sku, id);
    CREATE INDEX products_barcode ON products (deleted, barcode, id);
    CREATE INDEX products_category_name ON products (deleted, categoryId, name, id);
    CREATE INDEX products_lwt ON products (lwt, id);`);
  const insert = db.prepare('INSERT INTO products VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const start = performance.now();
  db.transaction(() => {
    for (const d of stored) {
      insert.run(
        d.id,
        d._rev,
        0,
        d._meta.lwt,
        JSON.stringify(d),
        d.sku,
        d.barcode,
        d.categoryId,
        d.name,
      );
    }
  })();
  const elapsed = performance.now() - start;
  assertEqual(countRows(db, 'products'), stored.length, 'raw real-column rows');
  db.close();
  return elapsed;
}

/** pos-sqlite without RxDB's collection layer (no RxDocuments, no revision hashing, no events out). */
async function bulkWriteStorage(
  options: ProductsBenchOptions,
  stored: RxDocumentData<BenchProduct>[],
): Promise<number> {
  const storage = getRxStorageSqlite({
    directory: options.directory,
    synchronous: options.synchronous,
  });
  const instance = await storage.createStorageInstance<BenchProduct>({
    databaseInstanceToken: 'bench',
    databaseName: 'products-storage',
    collectionName: 'products',
    schema: filledSchema,
    options: {},
    multiInstance: false,
    devMode: false,
  });
  const rows = stored.map((document) => ({ document }));
  const { ms, value } = await timed(() => instance.bulkWrite(rows, 'bench'));
  assertEqual(value.error.length, 0, 'storage bulkWrite errors');
  assertEqual(
    countRows(instance.internals.handle.db, instance.internals.table),
    stored.length,
    'storage rows',
  );
  await instance.close();
  return ms;
}

/** find by 3,000 ids through RxDB, through the storage, in raw SQL, and JSON.parse alone. */
async function measureFindByIds(
  collection: Products,
  rawDb: Database.Database,
  products: BenchProduct[],
): Promise<ProductsBenchResults['findByIds']> {
  const shuffled = shuffle(
    products.map((p) => p.id),
    createRandom(7),
  );
  const repeats = Math.min(FIND_BY_IDS_REPEATS, Math.floor(products.length / (2 * FIND_BY_IDS)));
  const select = rawDb.prepare('SELECT data FROM products WHERE id = ?').pluck();
  const samples = {
    rxdb: [] as number[],
    storage: [] as number[],
    raw: [] as number[],
    parseOnly: [] as number[],
  };
  for (let r = 0; r < repeats; r++) {
    // Disjoint id sets: RxDB's document cache answers ids it has seen, which would measure nothing.
    const ids = shuffled.slice(2 * r * FIND_BY_IDS, (2 * r + 1) * FIND_BY_IDS);
    const storageIds = shuffled.slice((2 * r + 1) * FIND_BY_IDS, (2 * r + 2) * FIND_BY_IDS);
    const viaRxdb = await timed(() => collection.findByIds(ids).exec());
    assertEqual(viaRxdb.value.size, FIND_BY_IDS, 'findByIds size');
    samples.rxdb.push(viaRxdb.ms);
    const viaStorage = await timed(() =>
      collection.storageInstance.findDocumentsById(storageIds, false),
    );
    assertEqual(viaStorage.value.length, FIND_BY_IDS, 'findDocumentsById size');
    samples.storage.push(viaStorage.ms);
    const rawRows = await timed(() => ids.map((id) => JSON.parse(select.get(id) as string)));
    samples.raw.push(rawRows.ms);
    const strings = ids.map((id) => select.get(id) as string);
    samples.parseOnly.push((await timed(() => strings.map((s) => JSON.parse(s)))).ms);
  }
  return {
    rxdb: summarize(samples.rxdb),
    storage: summarize(samples.storage),
    raw: summarize(samples.raw),
    parseOnly: summarize(samples.parseOnly),
  };
}

type Lookup = {
  label: string;
  op: 'find' | 'findOne' | 'count';
  query: (random: () => number) => { query: MangoQuery<BenchProduct>; expected: number };
};

function defineLookups(products: BenchProduct[]): Lookup[] {
  const perCategory = new Map<string, number>();
  for (const p of products) perCategory.set(p.categoryId, (perCategory.get(p.categoryId) ?? 0) + 1);
  const anyProduct = (random: () => number) => products[Math.floor(random() * products.length)]!;
  const prefix = (random: () => number) => {
    const word = NAME_WORDS[Math.floor(random() * NAME_WORDS.length)]!;
    // "<word> " up to (excluding) "<word>!": every name starting with the word, as an index range.
    return {
      categoryId: categoryIdOf(Math.floor(random() * PRODUCT_CATEGORIES)),
      name: { $gte: `${word} `, $lt: `${word}!` },
    };
  };
  return [
    {
      label: 'findOne by sku',
      op: 'findOne',
      query: (random) => ({ query: { selector: { sku: anyProduct(random).sku } }, expected: 1 }),
    },
    {
      label: 'findOne by barcode',
      op: 'findOne',
      query: (random) => ({
        query: { selector: { barcode: anyProduct(random).barcode } },
        expected: 1,
      }),
    },
    {
      label: 'category + name prefix, limit 20',
      op: 'find',
      query: (random) => ({
        query: {
          selector: prefix(random),
          sort: [{ categoryId: 'asc' }, { name: 'asc' }],
          limit: 20,
        },
        expected: -1,
      }),
    },
    {
      label: 'category + name prefix, all',
      op: 'find',
      query: (random) => ({ query: { selector: prefix(random) }, expected: -1 }),
    },
    {
      label: 'count of one category',
      op: 'count',
      query: (random) => {
        const categoryId = categoryIdOf(Math.floor(random() * PRODUCT_CATEGORIES));
        return { query: { selector: { categoryId } }, expected: perCategory.get(categoryId) ?? 0 };
      },
    },
  ];
}

/**
 * Each lookup through RxDB (a fresh RxQuery every time: a cached one answers without the storage)
 * and directly on the storage instance with the same prepared query, after a short warm-up.
 */
async function measureLookups(
  collection: Products,
  products: BenchProduct[],
  repeats: number,
): Promise<LookupResult[]> {
  const results: LookupResult[] = [];
  for (const lookup of defineLookups(products)) {
    const random = createRandom(lookup.label.length * 1_000_003);
    const rxdb: number[] = [];
    const storage: number[] = [];
    let rows = 0;
    let plan = '';
    for (let i = 0; i < WARMUP + repeats; i++) {
      const { query, expected } = lookup.query(random);
      const viaRxdb = await timed(() => runRxdbLookup(collection, lookup.op, query));
      const prepared = preparedQueryOf(collection, lookup.op, query);
      const viaStorage = await timed(() => runStorageLookup(collection, lookup.op, prepared));
      assertEqual(viaRxdb.value, viaStorage.value, `${lookup.label}: rxdb and storage agree`);
      if (expected >= 0) assertEqual(viaRxdb.value, expected, lookup.label);
      if (i < WARMUP) continue;
      rxdb.push(viaRxdb.ms);
      storage.push(viaStorage.ms);
      rows += viaRxdb.value;
      plan ||= describePlan(collection, lookup.op, query);
    }
    results.push({
      label: lookup.label,
      rxdb: summarize(rxdb),
      storage: summarize(storage),
      meanRows: rows / repeats,
      plan,
    });
  }
  return results;
}

/** Returns the number of documents found (or counted). */
async function runRxdbLookup(
  collection: Products,
  op: Lookup['op'],
  query: MangoQuery<BenchProduct>,
): Promise<number> {
  if (op === 'count') {
    const rxQuery = collection.count(query);
    const count = await rxQuery.exec();
    uncacheRxQuery(collection._queryCache, rxQuery);
    return count;
  }
  if (op === 'findOne') {
    const rxQuery = collection.findOne(query);
    const doc = await rxQuery.exec();
    uncacheRxQuery(collection._queryCache, rxQuery);
    return doc ? 1 : 0;
  }
  const rxQuery = collection.find(query);
  const docs = await rxQuery.exec();
  uncacheRxQuery(collection._queryCache, rxQuery);
  return docs.length;
}

/** The same lookup on the storage instance, with the prepared query RxDB itself passes to it. */
async function runStorageLookup(
  collection: Products,
  op: Lookup['op'],
  prepared: PreparedQuery<BenchProduct>,
): Promise<number> {
  if (op === 'count') return (await collection.storageInstance.count(prepared)).count;
  return (await collection.storageInstance.query(prepared)).documents.length;
}

function preparedQueryOf(collection: Products, op: Lookup['op'], query: MangoQuery<BenchProduct>) {
  const rxQuery =
    op === 'count'
      ? collection.count(query)
      : op === 'findOne'
        ? collection.findOne(query)
        : collection.find(query);
  const prepared = rxQuery.getPreparedQuery();
  uncacheRxQuery(collection._queryCache, rxQuery);
  return prepared;
}

function describePlan(
  collection: Products,
  op: Lookup['op'],
  query: MangoQuery<BenchProduct>,
): string {
  const plan = preparedQueryOf(collection, op, query).queryPlan;
  const flags = [
    plan.selectorSatisfiedByIndex ? 'selector by index' : 'selector by matcher',
    plan.sortSatisfiedByIndex ? 'sort by index' : 'sort in JS',
  ];
  return `[${plan.index.join(', ')}] ${flags.join(', ')}`;
}

function shuffle<T>(values: T[], random: () => number): T[] {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [values[i], values[j]] = [values[j]!, values[i]!];
  }
  return values;
}

function countRows(db: Database.Database, table: string): number {
  return db.prepare(`SELECT COUNT(*) FROM "${table}"`).pluck().get() as number;
}

function withRxdbMeta(product: BenchProduct): RxDocumentData<BenchProduct> {
  return {
    ...product,
    _deleted: false,
    _attachments: {},
    _meta: { lwt: Date.now() },
    _rev: '1-bench',
  };
}
