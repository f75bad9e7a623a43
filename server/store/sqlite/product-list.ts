import type { Statement } from 'better-sqlite3';
import type { Product } from '../../../schema/index.ts';
import type { Connection, PageArgs, ProductListFilter } from '../cloud-store.ts';
import { asciiLower } from '../core/product-search.ts';
import { checkPageSize, decodeKeyCursor, encodeKeyCursor } from '../cursor.ts';
import { prepareStatements } from './prepare-statements.ts';
import type { StoreContext } from './store-context.ts';

const MATCH = `(@search IS NULL
  OR instr(lower(id), @search) > 0
  OR instr(lower(json_extract(doc, '$.sku')), @search) > 0
  OR instr(lower(coalesce(json_extract(doc, '$.barcode'), '')), @search) > 0
  OR instr(lower(json_extract(doc, '$.name')), @search) > 0)`;

const PRODUCT_LIST_SQL = {
  // A range scan of the primary key (tenant_id, id), filtered.
  selectProductsPage: `SELECT id, doc FROM products WHERE tenant_id = @tenantId AND deleted = 0
    AND id > @after AND ${MATCH} ORDER BY id LIMIT @limit`,
  countProducts: `SELECT count(*) AS c FROM products WHERE tenant_id = @tenantId AND deleted = 0
    AND ${MATCH}`,
} as const;

/** The admin product list. */
export class ProductList {
  readonly #ctx: StoreContext;
  readonly #s: Record<keyof typeof PRODUCT_LIST_SQL, Statement>;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
    this.#s = prepareStatements(ctx.db, PRODUCT_LIST_SQL);
  }

  list(tenantId: string, filter: ProductListFilter, page: PageArgs): Connection<Product> {
    const first = checkPageSize(page.first);
    const params = {
      tenantId,
      search: filter.search === undefined ? null : asciiLower(filter.search),
    };
    return this.#ctx.db.transaction(() => {
      const rows = this.#s.selectProductsPage.all({
        ...params,
        after: decodeKeyCursor(page.after) ?? '',
        limit: first + 1,
      }) as { id: string; doc: string }[];
      const { c } = this.#s.countProducts.get(params) as { c: number };
      const edges = rows
        .slice(0, first)
        .map((row) => ({ cursor: encodeKeyCursor(row.id), node: JSON.parse(row.doc) as Product }));
      return {
        totalCount: c,
        edges,
        pageInfo: { endCursor: edges.at(-1)?.cursor ?? null, hasNextPage: rows.length > first },
      };
    })();
  }
}
