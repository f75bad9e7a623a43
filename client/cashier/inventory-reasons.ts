import { INVENTORY_REASONS } from '../../schema/constants.ts';
import type { InventoryReason } from '../../schema/constants.ts';

/** The reasons a cashier picks for an adjustment; a count has its own form (`countInventory`). */
export const ADJUSTMENT_REASONS = INVENTORY_REASONS.filter(
  (reason): reason is Exclude<InventoryReason, 'count'> => reason !== 'count',
);
