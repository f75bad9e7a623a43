import { createHash } from 'node:crypto';
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
 * What differs between the two catalog streams; `CatalogTable` does the rest the same way for both.
 * `viewOf` is the branch view of a stored document, `null` when the branch does not carry it.
 */
export type CatalogKind<TStored extends { id: string }, TInput, TView> = {
  stream: CatalogStream;
  inputSchema: z.ZodType<TInput>;
  stamp(input: TInput, updatedAt: string): TStored;
  viewOf(doc: TStored, branchId: string): TView | null;
  /** The view served as a tombstone when `viewOf` is null: same shape, so the wire type never changes. */
  tombstoneViewOf(doc: TStored, branchId: string): TView;
  /** Whether the view differs between branches; if not, `sharedViewHash` is valid for every branch. */
  isBranchSpecific(doc: TStored): boolean;
  sharedViewHash(doc: TStored): string;
};

export const productKind: CatalogKind<Product, ProductInput, BranchProduct> = {
  stream: 'products',
  inputSchema: productInputSchema,
  stamp: (input, updatedAt) => ({ ...input, updatedAt }),
  viewOf: (doc, branchId) => toBranchProduct(doc, branchId),
  // The last branch-neutral version of the product: the terminal only needs the id and `_deleted`.
  tombstoneViewOf: (doc, branchId) => toBranchProduct({ ...doc, branchIds: null }, branchId)!,
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
  tombstoneViewOf: (doc) => doc,
  isBranchSpecific: () => false,
  sharedViewHash: (doc) => contentHash(doc),
};

/** First 32 bits of SHA-256(id), exactly what `bucketOf` takes the modulo of. */
export function idHash32(id: string): number {
  return createHash('sha256').update(id, 'utf8').digest().readUInt32BE(0);
}
