import type { Collection, Filter } from 'mongodb';
import type { Product } from '../../../schema/index.ts';
import type { Connection, PageArgs, ProductListFilter } from '../cloud-store.ts';
import { asciiCaseInsensitivePattern } from '../core/product-search.ts';
import { checkPageSize, decodeKeyCursor, encodeKeyCursor } from '../cursor.ts';
import type { CatalogDoc } from './collections.ts';

/** The admin product list: live products in id order, filtered like SQLite's (`product-search.ts`). */
export async function listProducts(
  coll: Collection<CatalogDoc<Product>>,
  tenantId: string,
  filter: ProductListFilter,
  page: PageArgs,
): Promise<Connection<Product>> {
  const first = checkPageSize(page.first);
  const after = decodeKeyCursor(page.after);
  const pattern = filter.search === undefined ? null : asciiCaseInsensitivePattern(filter.search);
  const query: Filter<CatalogDoc<Product>> = {
    tenantId,
    deleted: false,
    ...(pattern === null
      ? {}
      : {
          $or: [
            { id: { $regex: pattern } },
            { 'doc.sku': { $regex: pattern } },
            { 'doc.barcode': { $regex: pattern } },
            { 'doc.name': { $regex: pattern } },
          ],
        }),
  };
  const [rows, totalCount] = await Promise.all([
    coll
      .find(after === null ? query : { ...query, id: { $gt: after } }, {
        sort: { id: 1 },
        limit: first + 1,
        projection: { _id: 0, id: 1, doc: 1 },
      })
      .toArray(),
    coll.countDocuments(query),
  ]);
  const edges = rows
    .slice(0, first)
    .map((row) => ({ cursor: encodeKeyCursor(row.id), node: row.doc }));
  return {
    totalCount,
    edges,
    pageInfo: { endCursor: edges.at(-1)?.cursor ?? null, hasNextPage: rows.length > first },
  };
}
