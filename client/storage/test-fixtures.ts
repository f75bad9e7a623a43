import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createRxDatabase,
  fillWithDefaultSettings,
  normalizeMangoQuery,
  now,
  prepareQuery,
  randomToken,
} from 'rxdb';
import type { MangoQuery, RxDocumentData, RxJsonSchema, RxStorage, RxStorageInstance } from 'rxdb';

/** A document with every kind of field a query can touch: strings, numbers, booleans, arrays, objects. */
export type Item = {
  id: string;
  name: string;
  group: string;
  price: number;
  rating: number;
  active: boolean;
  tags: string[];
  dims: { w: number; h: number };
  note?: string;
};

export const itemSchema: RxJsonSchema<Item> = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 40 },
    name: { type: 'string', maxLength: 60 },
    group: { type: 'string', maxLength: 20 },
    price: { type: 'integer', minimum: 0, maximum: 1_000_000, multipleOf: 1 },
    rating: { type: 'number', minimum: 0, maximum: 5, multipleOf: 0.5 },
    active: { type: 'boolean' },
    tags: { type: 'array', items: { type: 'string' } },
    dims: {
      type: 'object',
      properties: { w: { type: 'number' }, h: { type: 'number' } },
      required: ['w', 'h'],
    },
    note: { type: 'string' },
  },
  required: ['id', 'name', 'group', 'price', 'rating', 'active', 'tags', 'dims'],
  indexes: ['name', ['group', 'price'], ['active', 'rating'], 'price'],
};

/** The schema as a storage instance receives it from RxDB. */
export const filledItemSchema: RxJsonSchema<RxDocumentData<Item>> =
  fillWithDefaultSettings(itemSchema);

const NAMES = [
  'apple',
  'Apple',
  'banana',
  'cherry',
  'äpfel',
  'zucchini',
  '😀 smile',
  '\uE000pua',
  'b',
  '',
];
const GROUPS = ['fruit', 'veg', 'dairy', 'bakery'];
const TAGS = ['red', 'green', 'sale', 'new', 'organic'];

/** A deterministic item for index `n`. */
export function makeItem(n: number, overrides: Partial<Item> = {}): Item {
  const item: Item = {
    id: `item-${String(n).padStart(5, '0')}`,
    name: `${NAMES[n % NAMES.length]}${n % 3 === 0 ? '' : ` ${n}`}`,
    group: GROUPS[n % GROUPS.length]!,
    price: (n * 7919) % 5000,
    rating: ((n * 37) % 11) / 2,
    active: n % 4 !== 0,
    tags: TAGS.filter((_, i) => (n >> i) % 2 === 1),
    dims: { w: n % 10, h: (n * 3) % 7 },
  };
  if (n % 5 === 0) item.note = `note ${n}`;
  return { ...item, ...overrides };
}

/** A storage-level document (what bulkWrite takes) for an item. */
export function toStorageDoc(item: Item, rev = '1-aaaa', deleted = false): RxDocumentData<Item> {
  return { ...item, _deleted: deleted, _attachments: {}, _rev: rev, _meta: { lwt: now() } };
}

/** Prepares a mango query the way RxDB does before it reaches a storage instance. */
export function prepareItemQuery(query: MangoQuery<Item>) {
  // RxQuery adds the `_deleted` condition before a query reaches the storage; do the same.
  const selector = { ...query.selector, _deleted: { $eq: false } } as MangoQuery<Item>['selector'];
  return prepareQuery(
    filledItemSchema,
    normalizeMangoQuery(filledItemSchema, { ...query, selector }),
  );
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function makeTempDir(prefix = 'pos-storage-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** An RxDB database with one `items` collection on the given storage. */
export async function openItemsDatabase(
  storage: RxStorage<any, any>,
  name = `db${randomToken(8)}`,
) {
  const db = await createRxDatabase<{ items: any }>({ name, storage, multiInstance: false });
  await db.addCollections({ items: { schema: itemSchema } });
  return db;
}

/** A storage instance created the way RxDB creates one for a collection. */
export async function createInstance<T = Item>(
  storage: RxStorage<any, any>,
  databaseName: string,
  schema: RxJsonSchema<RxDocumentData<T>> = filledItemSchema as any,
  collectionName = 'items',
): Promise<RxStorageInstance<T, any, any>> {
  return storage.createStorageInstance<T>({
    databaseInstanceToken: randomToken(10),
    databaseName,
    collectionName,
    schema,
    options: {},
    multiInstance: false,
    devMode: false,
  });
}
