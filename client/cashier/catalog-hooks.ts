import { useEffect, useMemo, useState } from 'react';
import type { MangoQuery, RxDocument } from 'rxdb';
import { useLiveRxQuery, useRxDatabase } from 'rxdb/plugins/react';
import { flushSync } from 'react-dom';
import { combineLatest } from 'rxjs';
import { startWith } from 'rxjs/operators';
import type {
  BranchProduct,
  Category,
  InventoryItem,
  Sale,
  StoredProduct,
} from '../../schema/index.ts';
import { nameKeyOf } from '../../schema/name-key.ts';
import type { TerminalCollections } from '../terminal-database.ts';

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
 * Largest catalog searched by "name contains": that search reads the table until it has its results,
 * about 70 ms at 10,000 products and 700 ms at 100,000, and the daemon's SQLite calls are synchronous,
 * so on a larger catalog it would stall the till. Above it, names are searched by prefix only.
 */
export const CONTAINS_SEARCH_MAX_PRODUCTS = 10_000;

/**
 * The RxDB queries of one search, each served by an index except "contains": SKUs starting with the
 * text (the `sku` index); names whose search key (`nameKeyOf`: lower-cased, accents removed) starts
 * with the text's key, across all categories (the `nameKey` index) or within the chosen one
 * (`[categoryId, nameKey]`); names containing it on a catalog small enough. With nothing typed, the
 * chosen category's products by name.
 */
export function searchQueries(options: {
  text: string;
  categoryId: string | null;
  catalogSize: number | null;
}): MangoQuery<StoredProduct>[] {
  const term = options.text.trim();
  const inCategory = options.categoryId !== null ? { categoryId: options.categoryId } : {};
  const byName: MangoQuery<StoredProduct>['sort'] =
    options.categoryId !== null
      ? [{ categoryId: 'asc' }, { nameKey: 'asc' }]
      : [{ nameKey: 'asc' }];
  if (!term) {
    return options.categoryId === null
      ? []
      : [{ selector: inCategory, sort: byName, limit: SEARCH_LIMIT }];
  }
  const sku = term.toUpperCase();
  const queries: MangoQuery<StoredProduct>[] = [
    {
      selector: { sku: { $gte: sku, $lt: `${sku}\uffff` }, ...inCategory },
      sort: [{ sku: 'asc' }],
      limit: SEARCH_LIMIT,
    },
  ];
  const key = nameKeyOf(term);
  // A term of combining marks alone has no key: it would match every name.
  if (!key) return queries;
  queries.push({
    selector: { ...inCategory, nameKey: { $gte: key, $lt: `${key}\uffff` } },
    sort: byName,
    limit: SEARCH_LIMIT,
  });
  if (options.catalogSize !== null && options.catalogSize <= CONTAINS_SEARCH_MAX_PRODUCTS) {
    queries.push({
      selector: { ...inCategory, nameKey: { $regex: escapeRegex(key) } },
      limit: SEARCH_LIMIT,
    });
  }
  return queries;
}

/**
 * Products matching what the cashier typed, live (RxDB's reactive queries, merged in the order of
 * `searchQueries`): a price change shows in the results without typing again.
 */
export function useProductSearch(
  text: string,
  categoryId: string | null,
  catalogSize: number | null,
): { products: BranchProduct[]; loading: boolean } {
  const database = useRxDatabase<TerminalCollections>();
  const key = JSON.stringify(searchQueries({ text, categoryId, catalogSize }));
  const [state, setState] = useState<{ key: string; products: BranchProduct[]; done: boolean }>({
    key: '',
    products: [],
    done: true,
  });
  useEffect(() => {
    const queries = JSON.parse(key) as MangoQuery<StoredProduct>[];
    if (queries.length === 0) {
      setState({ key, products: [], done: true });
      return;
    }
    // Each query shows its results as soon as it answers (an SKU hit does not wait for the name
    // range); `null` marks one still running.
    const show = (lists: (readonly RxDocument<StoredProduct>[] | null)[]) => {
      const seen = new Set<string>();
      const merged: BranchProduct[] = [];
      for (const doc of lists.flatMap((list) => list ?? [])) {
        if (seen.has(doc.id) || merged.length >= SEARCH_LIMIT) continue;
        seen.add(doc.id);
        merged.push(doc.toJSON() as BranchProduct);
      }
      const done = lists.every((list) => list !== null);
      // Until the first answer, the previous results stay: no flicker between keystrokes. An answer
      // is rendered in the task that brought it, so the next frame shows it; one already cached
      // arrives while this effect subscribes, where React renders it after the effect.
      if (merged.length === 0 && !done) return;
      if (subscribing) setState({ key, products: merged, done });
      else flushSync(() => setState({ key, products: merged, done }));
    };
    // Once every query has answered, the results show at once; a partial answer waits for the next
    // animation frame, so answers arriving within one frame make one render, not one each.
    let latest: (readonly RxDocument<StoredProduct>[] | null)[] = [];
    let frame = 0;
    let subscribing = true;
    const showLatest = () => {
      frame = 0;
      show(latest);
    };
    const subscription = combineLatest(
      queries.map((query) => database.products.find(query).$.pipe(startWith(null))),
    ).subscribe((lists) => {
      latest = lists;
      if (lists.every((list) => list !== null)) {
        cancelAnimationFrame(frame);
        showLatest();
      } else if (frame === 0) {
        frame = requestAnimationFrame(showLatest);
      }
    });
    subscribing = false;
    return () => {
      subscription.unsubscribe();
      cancelAnimationFrame(frame);
    };
  }, [database, key]);
  return { products: state.products, loading: state.key !== key || !state.done };
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
