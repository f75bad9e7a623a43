import type { MangoQuery } from 'rxdb';
import { fillWithDefaultSettings, normalizeMangoQuery, prepareQuery } from 'rxdb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { StoredProduct } from '../../schema/index.ts';
import { makeBranchProduct, withNameKey } from '../../schema/index.ts';
import { productRxSchema } from '../../schema/product-rx-schema.ts';
import { writeCatalogDocuments } from '../catalog-writer.ts';
import { removeDir, tempDir } from '../test-support/cloud-process.ts';
import type { TerminalDatabase } from '../terminal-database.ts';
import { openTerminalDatabase } from '../terminal-database.ts';
import { CONTAINS_SEARCH_MAX_PRODUCTS, SEARCH_LIMIT, searchQueries } from './catalog-hooks.ts';

const schema = fillWithDefaultSettings(productRxSchema);

/** RxDB's plan for a query as the collection runs it (`_deleted` added, as RxQuery does). */
function planOf(query: MangoQuery<StoredProduct>) {
  const selector = { ...query.selector, _deleted: { $eq: false } } as MangoQuery<any>['selector'];
  return prepareQuery(schema, normalizeMangoQuery(schema, { ...query, selector })).queryPlan;
}

function expectIndexed(query: MangoQuery<StoredProduct>, index: string[]) {
  const plan = planOf(query);
  expect(plan.selectorSatisfiedByIndex, JSON.stringify(query)).toBe(true);
  expect(plan.sortSatisfiedByIndex, JSON.stringify(query)).toBe(true);
  // RxDB puts `_deleted` first and the primary key last in every index.
  expect(plan.index.filter((field) => field !== '_deleted').slice(0, index.length)).toEqual(index);
  expect(query.limit).toBe(SEARCH_LIMIT);
}

describe('search queries', () => {
  test('on a large catalog a search is two index ranges: SKU prefix, name key prefix across categories', () => {
    const queries = searchQueries({ text: 'Green', categoryId: null, catalogSize: 100_000 });
    expect(queries).toHaveLength(2);
    expectIndexed(queries[0]!, ['sku']);
    expect(queries[0]!.selector).toEqual({ sku: { $gte: 'GREEN', $lt: 'GREEN\uffff' } });
    expectIndexed(queries[1]!, ['nameKey']);
    expect(queries[1]!.selector).toEqual({ nameKey: { $gte: 'green', $lt: 'green\uffff' } });
  });

  test('a chosen category narrows every query to the [categoryId, nameKey] range', () => {
    const queries = searchQueries({ text: 'Crème', categoryId: 'c-tea', catalogSize: 10 });
    for (const query of queries) expect(query.selector).toMatchObject({ categoryId: 'c-tea' });
    expectIndexed(queries[1]!, ['categoryId', 'nameKey']);
    expect(queries[1]!.selector).toEqual({
      categoryId: 'c-tea',
      nameKey: { $gte: 'creme', $lt: 'creme\uffff' },
    });
    const listing = searchQueries({ text: ' ', categoryId: 'c-tea', catalogSize: 10 });
    expect(listing).toHaveLength(1);
    expectIndexed(listing[0]!, ['categoryId', 'nameKey']);
    expect(searchQueries({ text: '', categoryId: null, catalogSize: 10 })).toEqual([]);
  });

  test('adds "contains" on the name key only on a catalog small enough to read', () => {
    const small = searchQueries({ text: 'Thé', categoryId: null, catalogSize: 10 });
    expect(small.at(-1)).toEqual({ selector: { nameKey: { $regex: 'the' } }, limit: SEARCH_LIMIT });
    const large = searchQueries({
      text: 'tea',
      categoryId: null,
      catalogSize: CONTAINS_SEARCH_MAX_PRODUCTS + 1,
    });
    expect(large.some((q) => JSON.stringify(q).includes('$regex'))).toBe(false);
    const unknown = searchQueries({ text: 'tea', categoryId: null, catalogSize: null });
    expect(unknown.some((q) => JSON.stringify(q).includes('$regex'))).toBe(false);
  });

  test('typed regex characters are searched literally', () => {
    const [contains] = searchQueries({ text: 'a.b(C', categoryId: null, catalogSize: 10 }).slice(
      -1,
    );
    expect(contains!.selector).toEqual({ nameKey: { $regex: 'a\\.b\\(c' } });
  });
});

describe('search queries on a terminal database', () => {
  let dataDir: string;
  let db: TerminalDatabase;

  beforeAll(async () => {
    dataDir = tempDir('pos-search-');
    db = await openTerminalDatabase({ dataDir, catalogSynchronous: 'NORMAL' });
    const products = [
      makeBranchProduct({ id: 'p-1', sku: 'COF-1', name: 'Espresso beans', categoryId: 'c-1' }),
      makeBranchProduct({ id: 'p-2', sku: 'COF-2', name: 'espresso cup', categoryId: 'c-2' }),
      makeBranchProduct({ id: 'p-3', sku: 'PAS-1', name: 'Crème brûlée', categoryId: 'c-2' }),
      makeBranchProduct({ id: 'p-4', sku: 'ESP-9', name: 'Lungo', categoryId: '' }),
      makeBranchProduct({ id: 'p-5', sku: 'TEA-1', name: 'Green tea', categoryId: 'c-1' }),
    ];
    await writeCatalogDocuments(
      db.products,
      products.map((p) => ({ ...withNameKey(p), _deleted: false })),
    );
  });

  afterAll(async () => {
    await db?.close();
    removeDir(dataDir);
  });

  async function found(text: string, categoryId: string | null, catalogSize = 100_000) {
    const ids = new Set<string>();
    for (const query of searchQueries({ text, categoryId, catalogSize })) {
      for (const doc of await db.products.find(query).exec()) ids.add(doc.id);
    }
    return [...ids].sort();
  }

  test('finds names by prefix whatever the case and accents typed, across categories', async () => {
    expect(await found('esp', null)).toEqual(['p-1', 'p-2', 'p-4']);
    expect(await found('ESPRESSO C', null)).toEqual(['p-2']);
    expect(await found('creme', null)).toEqual(['p-3']);
    expect(await found('CRÈME BRÛ', null)).toEqual(['p-3']);
  });

  test('a chosen category keeps to its products', async () => {
    expect(await found('esp', 'c-2')).toEqual(['p-2']);
    expect(await found('', 'c-1')).toEqual(['p-1', 'p-5']);
  });

  test('on a small catalog also finds names containing the text', async () => {
    expect(await found('tea', null, 10)).toEqual(['p-5']);
    expect(await found('brulee', null, 10)).toEqual(['p-3']);
    expect(await found('brulee', null)).toEqual([]);
  });
});
