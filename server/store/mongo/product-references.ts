import type { ProductBatchFacts, ProductBatchReferences } from '../product-batch-check.ts';
import type { Collections } from './collections.ts';

/**
 * Looks up what a product batch refers to (`checkProductBatch`). Without a transaction, two admin
 * imports racing each other may both pass the check; one import at a time is always checked whole.
 */
export async function productBatchFacts(
  c: Collections,
  tenantId: string,
  references: ProductBatchReferences,
): Promise<ProductBatchFacts> {
  // One query per field, each on its own index; an empty list costs no query.
  const holdersOf = (field: 'doc.sku' | 'doc.barcode', values: string[]) =>
    values.length === 0
      ? Promise.resolve([])
      : c.products
          .find(
            { tenantId, deleted: false, [field]: { $in: values } },
            { projection: { _id: 0, id: 1, 'doc.sku': 1, 'doc.barcode': 1 } },
          )
          .toArray();
  const [branches, categories, skuHolders, barcodeHolders] = await Promise.all([
    c.branches.find({ tenantId }, { projection: { _id: 0, id: 1 } }).toArray(),
    references.categoryIds.length === 0
      ? Promise.resolve([])
      : c.categories
          .find(
            { tenantId, deleted: false, id: { $in: references.categoryIds } },
            { projection: { _id: 0, id: 1 } },
          )
          .toArray(),
    holdersOf('doc.sku', references.skus),
    holdersOf('doc.barcode', references.barcodes),
  ]);
  const holders = [...skuHolders, ...barcodeHolders];
  return {
    branchIds: new Set(branches.map((b) => b.id)),
    categoryIds: new Set(categories.map((d) => d.id as string)),
    holders: holders.map((d) => ({
      id: d.id as string,
      sku: d.doc.sku as string,
      barcode: (d.doc.barcode ?? null) as string | null,
    })),
  };
}
