import { createHash } from 'node:crypto';
import type { WithDeleted } from 'rxdb';
import { contentHash } from '../../replication/index.ts';
import type {
  BranchProduct,
  Category,
  CategoryInput,
  Product,
  ProductInput,
} from '../../schema/index.ts';
import { categoryInputSchema, productInputSchema, toBranchProduct } from '../../schema/index.ts';
import type { CatalogStream } from './cloud-store.ts';
import type { z } from 'zod';

/**
 * What differs between the two catalog streams; `Catalog` does the rest the same way for both.
 * `viewOf` is the branch view of a stored document, `null` when the branch does not carry it.
 */
export type CatalogKind<TStored extends { id: string }, TInput, TView> = {
  stream: CatalogStream;
  inputSchema: z.ZodType<TInput>;
  stamp(input: TInput, updatedAt: string): TStored;
  viewOf(doc: TStored, branchId: string): TView | null;
  /**
   * The tombstone of an id (deleted, outside the branch, or unknown): the id and fixed placeholders in
   * the view's shape, so the wire type never changes and nothing of the product leaks to a branch that
   * does not carry it. Terminals read only `id` and `_deleted` of a tombstone.
   */
  tombstoneOf(id: string): TView;
  /** Whether the view differs between branches; if not, `sharedViewHash` is valid for every branch. */
  isBranchSpecific(doc: TStored): boolean;
  sharedViewHash(doc: TStored): string;
};

export const productKind: CatalogKind<Product, ProductInput, BranchProduct> = {
  stream: 'products',
  inputSchema: productInputSchema,
  stamp: (input, updatedAt) => ({ ...input, updatedAt }),
  viewOf: (doc, branchId) => toBranchProduct(doc, branchId),
  tombstoneOf: (id) => ({
    id,
    sku: '-',
    barcode: '',
    name: '-',
    categoryId: '',
    priceMinor: 0,
    // ISO 4217's code for "no currency".
    currency: 'XXX',
    taxRateBps: 0,
    active: false,
    updatedAt: TOMBSTONE_TIME,
  }),
  isBranchSpecific: (doc) => doc.branchIds !== null || doc.branchPrices.length > 0,
  sharedViewHash: (doc) =>
    contentHash(toBranchProduct({ ...doc, branchIds: null, branchPrices: [] }, '')!),
};

export const categoryKind: CatalogKind<Category, CategoryInput, Category> = {
  stream: 'categories',
  inputSchema: categoryInputSchema as z.ZodType<CategoryInput>,
  stamp: (input, updatedAt) => ({
    id: input.id,
    name: input.name,
    parentId: input.parentId ?? null,
    sortOrder: input.sortOrder ?? 0,
    updatedAt,
  }),
  viewOf: (doc) => doc,
  tombstoneOf: (id) => ({ id, name: '-', parentId: null, sortOrder: 0, updatedAt: TOMBSTONE_TIME }),
  isBranchSpecific: () => false,
  sharedViewHash: (doc) => contentHash(doc),
};

/** The `updatedAt` of every tombstone: a fixed time, so a tombstone tells nothing of the record. */
const TOMBSTONE_TIME = '1970-01-01T00:00:00.000Z';

/**
 * The answer to a by-ids request (reconcile): one document per distinct id asked, in the order asked;
 * the branch view where the branch carries the record, a tombstone otherwise (deleted, outside the
 * branch, or unknown).
 */
export function viewsByIds<TStored extends { id: string }, TView>(
  kind: CatalogKind<TStored, unknown, TView>,
  ids: string[],
  liveDocs: Map<string, TStored>,
  branchId: string,
): WithDeleted<TView>[] {
  return [...new Set(ids)].map((id) => {
    const doc = liveDocs.get(id);
    const view = doc === undefined ? null : kind.viewOf(doc, branchId);
    return view === null
      ? { ...kind.tombstoneOf(id), _deleted: true }
      : { ...view, _deleted: false };
  });
}

/** First 32 bits of SHA-256(id), exactly what `bucketOf` takes the modulo of. */
export function idHash32(id: string): number {
  return createHash('sha256').update(id, 'utf8').digest().readUInt32BE(0);
}
