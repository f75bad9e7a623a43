import type { Statement } from 'better-sqlite3';
import type { ProductBatchFacts, ProductBatchReferences } from '../product-batch-check.ts';
import { prepareStatements } from './prepare-statements.ts';
import type { StoreContext } from './store-context.ts';

/** The SQL of this part of the store, by statement name; SKU and barcode lookups use the v2 indexes. */
const PRODUCT_REFERENCES_SQL = {
  selectBranchIds: `SELECT id FROM branches WHERE tenant_id = ?`,
  selectLiveCategoryIds: `SELECT c.id FROM json_each(?) AS j
    JOIN categories AS c ON c.tenant_id = ? AND c.id = j.value AND c.deleted = 0`,
  selectSkuHolders: `SELECT id, json_extract(doc, '$.sku') AS sku, json_extract(doc, '$.barcode') AS barcode
    FROM products WHERE tenant_id = ? AND deleted = 0
      AND json_extract(doc, '$.sku') IN (SELECT value FROM json_each(?))`,
  selectBarcodeHolders: `SELECT id, json_extract(doc, '$.sku') AS sku, json_extract(doc, '$.barcode') AS barcode
    FROM products WHERE tenant_id = ? AND deleted = 0
      AND json_extract(doc, '$.barcode') IN (SELECT value FROM json_each(?))`,
};

type HolderRow = { id: string; sku: string; barcode: string | null };

/** Looks up what a product batch refers to (`checkProductBatch`); call it inside the write transaction. */
export class ProductReferences {
  readonly #s: Record<keyof typeof PRODUCT_REFERENCES_SQL, Statement>;

  constructor(ctx: StoreContext) {
    this.#s = prepareStatements(ctx.db, PRODUCT_REFERENCES_SQL);
  }

  facts(tenantId: string, references: ProductBatchReferences): ProductBatchFacts {
    const ids = (rows: unknown[]) => new Set((rows as { id: string }[]).map((r) => r.id));
    return {
      branchIds: ids(this.#s.selectBranchIds.all(tenantId)),
      categoryIds: ids(
        this.#s.selectLiveCategoryIds.all(JSON.stringify(references.categoryIds), tenantId),
      ),
      holders: [
        ...(this.#s.selectSkuHolders.all(tenantId, JSON.stringify(references.skus)) as HolderRow[]),
        ...(this.#s.selectBarcodeHolders.all(
          tenantId,
          JSON.stringify(references.barcodes),
        ) as HolderRow[]),
      ],
    };
  }
}
