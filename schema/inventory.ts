import type { CRDTEntry } from 'rxdb';
import { z } from 'zod';
import { INVENTORY_ID_MAX_LENGTH, INVENTORY_REASONS, ON_HAND_MAX } from './constants.ts';
import { idSchema, isoDateTimeSchema } from './primitives.ts';

export { INVENTORY_ID_MAX_LENGTH, INVENTORY_REASONS, ON_HAND_MAX } from './constants.ts';

/** Why on-hand stock changed. */
export const inventoryReasonSchema = z.enum(INVENTORY_REASONS);

/** Why on-hand stock changed. */
export type InventoryReason = z.infer<typeof inventoryReasonSchema>;

const crdtOperationSchema = z.object({
  body: z
    .array(
      z.object({
        selector: z.record(z.string(), z.unknown()).optional(),
        ifMatch: z.record(z.string(), z.unknown()).optional(),
        ifNotMatch: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .min(1),
  /** The writing database's storage token: an id, so a forged one cannot bloat every log it enters. */
  creator: idSchema,
  /** Milliseconds, within RxDB's own bound for it (`META_LWT_UNIX_TIME_MAX`). */
  time: z.number().min(1).max(1e15),
});

/**
 * The operation log RxDB's `crdt` plugin keeps in each inventory document (`crdts` field). Checked only
 * loosely here: the plugin owns its format, and the server treats it as opaque JSON it stores and merges.
 */
export const inventoryCrdtsSchema = z.object({
  operations: z.array(z.array(crdtOperationSchema)),
  hash: z.string().min(2),
});

/**
 * Stock of one product in one branch, shared by the branch's terminals.
 *
 * `onHand` is a CRDT counter: it is only ever changed by `$inc` operations (`adjustInventory`,
 * `countInventory`), which commute, so the crdt plugin can merge adjustments made concurrently on several
 * terminals without losing any. A `$set` of `onHand` would not commute: concurrent sets would keep one
 * arbitrary value. The document is created with `onHand: 0` (`createInventoryItem`) so that two terminals
 * creating it concurrently write identical creation operations.
 */
export const inventoryItemSchema = z.object({
  id: z.string().min(3).max(INVENTORY_ID_MAX_LENGTH),
  branchId: idSchema,
  productId: idSchema,
  /**
   * May go negative: sales never decrement it, and a count may correct below the previous value.
   * Bounded to a business range (|onHand| ≤ `ON_HAND_MAX`), far inside the safe integers, so no
   * operation can push the counter to where every later increase would be refused.
   */
  onHand: z.int().min(-ON_HAND_MAX).max(ON_HAND_MAX),
  lastCountedAt: isoDateTimeSchema.nullable(),
  lastReason: inventoryReasonSchema.nullable(),
  /**
   * Always present in stored and replicated documents. Optional in the type only because the crdt
   * plugin fills it on insert, so `collection.insert(createInventoryItem(...))` type-checks.
   */
  crdts: inventoryCrdtsSchema.optional(),
});

/** Stock of one product in one branch, with its CRDT operation log. */
export type InventoryItem = z.infer<typeof inventoryItemSchema>;

/** An inventory item as it travels in pulls and pushes: the operation log is required there. */
export const inventoryItemWireSchema = inventoryItemSchema.extend({ crdts: inventoryCrdtsSchema });

/** The document fields without the operation log, as a caller writes them. */
export type InventoryItemData = Omit<InventoryItem, 'crdts'>;

/** The id of a branch's inventory item for a product. */
export function inventoryItemId(branchId: string, productId: string): string {
  return `${branchId}:${productId}`;
}

/**
 * The data to insert for a new inventory item (`collection.insert`); the crdt plugin turns it into the
 * creation operation. `onHand` starts at 0 on purpose, see `inventoryItemSchema`; apply a starting
 * quantity afterwards with `adjustInventory`.
 */
export function createInventoryItem(branchId: string, productId: string): InventoryItemData {
  return {
    id: inventoryItemId(branchId, productId),
    branchId,
    productId,
    onHand: 0,
    lastCountedAt: null,
    lastReason: null,
  };
}

/** A CRDT operation body for `doc.updateCRDT(...)` on an inventory item. */
export type InventoryOperation = CRDTEntry<InventoryItem>;

/** Adds `delta` (negative to remove) to on-hand stock: `doc.updateCRDT(adjustInventory(5, 'receiving'))`. */
export function adjustInventory(delta: number, reason: InventoryReason): InventoryOperation {
  if (!Number.isSafeInteger(delta) || Math.abs(delta) > ON_HAND_MAX) {
    throw new RangeError(`delta must be an integer within ±${ON_HAND_MAX}, got ${delta}`);
  }
  return { ifMatch: { $inc: { onHand: delta }, $set: { lastReason: reason } } };
}

/**
 * Records a stock count. It is stored as the difference between what was counted and the on-hand value
 * the counting terminal saw, not as an absolute value: an adjustment made concurrently on another
 * terminal (goods received during the count) is then kept on top of the count instead of being lost.
 */
export function countInventory(
  counted: number,
  onHandSeen: number,
  countedAt: string,
): InventoryOperation {
  if (!Number.isSafeInteger(counted) || !Number.isSafeInteger(onHandSeen)) {
    throw new RangeError('counted and onHandSeen must be integers');
  }
  return {
    ifMatch: {
      $inc: { onHand: counted - onHandSeen },
      $set: { lastReason: 'count', lastCountedAt: countedAt },
    },
  };
}
