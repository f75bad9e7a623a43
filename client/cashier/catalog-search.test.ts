import type { MangoQuery } from 'rxdb';
import { fillWithDefaultSettings, normalizeMangoQuery, prepareQuery } from 'rxdb';
import { describe, expect, test } from 'vitest';
import type { BranchProduct } from '../../schema/index.ts';
import { productRxSchema } from '../../schema/product-rx-schema.ts';
import { CONTAINS_SEARCH_MAX_PRODUCTS, SEARCH_LIMIT, searchQueries } from './catalog-hooks.ts';

const schema = fillWithDefaultSettings(productRxSchema);

/** RxDB's plan for a query as the collection runs it (`_deleted` added, as RxQuery does). */
function planOf(query: MangoQuery<BranchProduct>) {
  const selector = { ...query.selector, _deleted: { $eq: false } } as MangoQuery<any>['selector'];
  return prepareQuery(schema, normalizeMangoQuery(schema, { ...query, selector })).queryPlan;
}

const categoryIds = ['c-coffee', 'c-tea'];

describe('search queries', () => {
  test('on a large catalog every query is an index range: SKU prefix, name prefix per category', () => {
    const queries = searchQueries({
      text: 'green',
      categoryId: null,
      categoryIds,
      catalogSize: 100_000,
    });
    // SKU, then "green" and "Green" in the uncategorized products and each category.
    expect(queries).toHaveLength(1 + 2 * 3);
    for (const query of queries) {
      const plan = planOf(query);
      expect(plan.selectorSatisfiedByIndex, JSON.stringify(query)).toBe(true);
      expect(plan.sortSatisfiedByIndex, JSON.stringify(query)).toBe(true);
      expect(query.limit).toBe(SEARCH_LIMIT);
    }
    expect(planOf(queries[0]!).index).toContain('sku');
    expect(planOf(queries[1]!).index).toEqual(expect.arrayContaining(['categoryId', 'name']));
    expect(queries.map((q) => (q.selector as any).name?.$gte).filter(Boolean)).toEqual([
      'green',
      'green',
      'green',
      'Green',
      'Green',
      'Green',
    ]);
  });

  test('adds a case-insensitive "contains" only on a catalog small enough to read', () => {
    const small = searchQueries({ text: 'tea', categoryId: null, categoryIds, catalogSize: 10 });
    expect(small.at(-1)).toEqual({
      selector: { name: { $regex: 'tea', $options: 'i' } },
      limit: SEARCH_LIMIT,
    });
    const large = searchQueries({
      text: 'tea',
      categoryId: null,
      categoryIds,
      catalogSize: CONTAINS_SEARCH_MAX_PRODUCTS + 1,
    });
    expect(large.some((q) => JSON.stringify(q).includes('$regex'))).toBe(false);
    const unknown = searchQueries({
      text: 'tea',
      categoryId: null,
      categoryIds,
      catalogSize: null,
    });
    expect(unknown.some((q) => JSON.stringify(q).includes('$regex'))).toBe(false);
  });

  test('a chosen category narrows every query; with nothing typed it lists the category by name', () => {
    const queries = searchQueries({
      text: 'ea',
      categoryId: 'c-tea',
      categoryIds,
      catalogSize: 10,
    });
    for (const query of queries) expect(query.selector).toMatchObject({ categoryId: 'c-tea' });
    const listing = searchQueries({ text: ' ', categoryId: 'c-tea', categoryIds, catalogSize: 10 });
    expect(listing).toEqual([
      {
        selector: { categoryId: 'c-tea' },
        sort: [{ categoryId: 'asc' }, { name: 'asc' }],
        limit: SEARCH_LIMIT,
      },
    ]);
    expect(planOf(listing[0]!).selectorSatisfiedByIndex).toBe(true);
    expect(searchQueries({ text: '', categoryId: null, categoryIds, catalogSize: 10 })).toEqual([]);
  });

  test('typed regex characters are searched literally', () => {
    const [contains] = searchQueries({
      text: 'a.b(c',
      categoryId: null,
      categoryIds: [],
      catalogSize: 10,
    }).slice(-1);
    expect(contains!.selector).toEqual({ name: { $regex: 'a\\.b\\(c', $options: 'i' } });
  });
});
