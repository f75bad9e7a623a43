import type { WithDeleted } from 'rxdb';
import { z } from 'zod';
import {
  canonicalJson,
  RECONCILE_MAX_BUCKET_COUNT,
  withoutLocalMeta,
} from '../../replication/index.ts';
import type { InventoryItem } from '../../schema/index.ts';
import { PosError, inventoryItemId, inventoryItemWireSchema } from '../../schema/index.ts';
import type { InventoryPushRow, TerminalScope } from './cloud-store.ts';
import { parseInput } from './parse-input.ts';

/** Input checks both adapters apply before touching their database, so both refuse alike. */

export function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new PosError('POS_INPUT_INVALID', 'limit must be a positive integer');
  }
}

export function checkBucketCount(bucketCount: number): void {
  if (
    !Number.isInteger(bucketCount) ||
    bucketCount < 1 ||
    bucketCount > RECONCILE_MAX_BUCKET_COUNT
  ) {
    throw new PosError(
      'POS_INPUT_INVALID',
      `bucketCount must be an integer in 1..${RECONCILE_MAX_BUCKET_COUNT}`,
    );
  }
}

/** An upsert that changes nothing but `updatedAt` keeps its seq: terminals need not pull it again. */
export function sameCatalogContent<T extends { updatedAt: string }>(a: T, b: T): boolean {
  return canonicalJson({ ...a, updatedAt: '' }) === canonicalJson({ ...b, updatedAt: '' });
}

const pushedInventorySchema = inventoryItemWireSchema.extend({ _deleted: z.boolean() });

/**
 * The inventory documents of a push, parsed and scoped: one row of another branch, or an id that is
 * not `branchId:productId`, refuses the whole push before anything is written.
 */
export function parseInventoryPush(
  scope: TerminalScope,
  rows: InventoryPushRow[],
): WithDeleted<InventoryItem>[] {
  return rows.map((row, i) => {
    const doc = parseInput(
      pushedInventorySchema,
      withoutLocalMeta(row.newDocumentState),
      `rows[${i}]`,
    ) as WithDeleted<InventoryItem>;
    if (doc.branchId !== scope.branchId) {
      throw new PosError('POS_FORBIDDEN', 'inventory of another branch', { id: doc.id });
    }
    if (doc.id !== inventoryItemId(doc.branchId, doc.productId)) {
      throw new PosError('POS_INPUT_INVALID', `inventory id must be branchId:productId`, {
        id: doc.id,
      });
    }
    return doc;
  });
}
