import { useMemo } from 'react';
import type { MangoQuery } from 'rxdb';
import { useLiveRxQuery } from 'rxdb/plugins/react';
import type { BranchProduct, Category, InventoryItem, Sale } from '../../schema/index.ts';

/** Results of one search, at most this many. */
export const SEARCH_LIMIT = 24;

/** A query that matches nothing, by primary key: hooks run on every render, searches do not. */
function nothing<T>(): MangoQuery<T> {
  return { selector: { id: '\u0000' } as MangoQuery<T>['selector'], limit: 1 };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function plain<T>(docs: readonly { toJSON(): unknown }[]): T[] {
  return docs.map((doc) => doc.toJSON() as T);
}

/**
 * Products matching what the cashier typed, live: SKUs starting with it (the `sku` index) first, then
 * names containing it, within the chosen category when there is one (the `[categoryId, name]` index).
 * With nothing typed, a category lists its products by name.
 */
export function useProductSearch(
  text: string,
  categoryId: string | null,
): { products: BranchProduct[]; loading: boolean } {
  const term = text.trim();
  const skuQuery = useMemo<MangoQuery<BranchProduct>>(() => {
    if (!term) return nothing();
    const prefix = term.toUpperCase();
    return {
      selector: {
        sku: { $gte: prefix, $lt: `${prefix}\uffff` },
        ...(categoryId ? { categoryId } : {}),
      },
      sort: [{ sku: 'asc' }],
      limit: SEARCH_LIMIT,
    };
  }, [term, categoryId]);
  const nameQuery = useMemo<MangoQuery<BranchProduct>>(() => {
    if (!term && !categoryId) return nothing();
    return {
      selector: {
        ...(categoryId ? { categoryId } : {}),
        ...(term ? { name: { $regex: escapeRegex(term), $options: 'i' } } : {}),
      },
      ...(categoryId ? { sort: [{ categoryId: 'asc' }, { name: 'asc' }] } : {}),
      limit: SEARCH_LIMIT,
    };
  }, [term, categoryId]);
  const bySku = useLiveRxQuery<BranchProduct>({ collection: 'products', query: skuQuery });
  const byName = useLiveRxQuery<BranchProduct>({ collection: 'products', query: nameQuery });
  const products = useMemo(() => {
    const seen = new Set<string>();
    const merged: BranchProduct[] = [];
    for (const product of [
      ...plain<BranchProduct>(bySku.results),
      ...plain<BranchProduct>(byName.results),
    ]) {
      if (seen.has(product.id)) continue;
      seen.add(product.id);
      merged.push(product);
    }
    return merged.slice(0, SEARCH_LIMIT);
  }, [bySku.results, byName.results]);
  return { products, loading: bySku.loading || byName.loading };
}

/** The products of the given ids, live (a price change reaches the open cart). */
export function useProductsByIds(ids: readonly string[]): ReadonlyMap<string, BranchProduct> {
  const key = [...new Set(ids)].sort().join('\u0000');
  const query = useMemo<MangoQuery<BranchProduct>>(
    () => (key ? { selector: { id: { $in: key.split('\u0000') } } } : nothing()),
    [key],
  );
  const { results } = useLiveRxQuery<BranchProduct>({ collection: 'products', query });
  return useMemo(
    () => new Map(plain<BranchProduct>(results).map((product) => [product.id, product])),
    [results],
  );
}

const CATEGORIES: MangoQuery<Category> = { selector: {}, limit: 200 };

/** The branch's categories in display order. */
export function useCategories(): Category[] {
  const { results } = useLiveRxQuery<Category>({ collection: 'categories', query: CATEGORIES });
  return useMemo(
    () =>
      plain<Category>(results).sort(
        (a, b) => a.sortOrder - b.sortOrder || a.name.localeCompare(b.name),
      ),
    [results],
  );
}

/** One sale, live: the receipt learns its invoice number when the booked copy is pulled. */
export function useSale(id: string | null): Sale | null {
  const query = useMemo<MangoQuery<Sale>>(
    () => (id ? { selector: { id }, limit: 1 } : nothing()),
    [id],
  );
  const { results } = useLiveRxQuery<Sale>({ collection: 'sales', query });
  return useMemo(() => plain<Sale>(results)[0] ?? null, [results]);
}

/** The inventory items of the given products, live, keyed by product id. */
export function useInventoryOf(productIds: readonly string[]): ReadonlyMap<string, InventoryItem> {
  const key = [...new Set(productIds)].sort().join('\u0000');
  const query = useMemo<MangoQuery<InventoryItem>>(
    () => (key ? { selector: { productId: { $in: key.split('\u0000') } } } : nothing()),
    [key],
  );
  const { results } = useLiveRxQuery<InventoryItem>({ collection: 'inventory', query });
  return useMemo(
    () => new Map(plain<InventoryItem>(results).map((item) => [item.productId, item])),
    [results],
  );
}
