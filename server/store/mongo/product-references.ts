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
  const [branches, categories, holders] = await Promise.all([
    c.branches.find({ tenantId }, { projection: { _id: 0, id: 1 } }).toArray(),
    c.categories
      .find(
        { tenantId, deleted: false, id: { $in: references.categoryIds } },
        { projection: { _id: 0, id: 1 } },
      )
      .toArray(),
    c.products
      .find(
        {
          tenantId,
          deleted: false,
          $or: [
            { 'doc.sku': { $in: references.skus } },
            { 'doc.barcode': { $in: references.barcodes } },
          ],
        },
        { projection: { _id: 0, id: 1, 'doc.sku': 1, 'doc.barcode': 1 } },
      )
      .toArray(),
  ]);
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
