import type { InventoryReason } from '../../schema/index.ts';

/**
 * The reasons an adjustment may give (`inventoryReasonSchema`), listed here rather than read from the
 * zod schema so the page's bundle does not carry zod for one enum; `i18n.test.ts` keeps the two equal.
 * `count` is left out: a count is recorded by `countInventory`, which sets it itself.
 */
export const INVENTORY_REASONS = [
  'receiving',
  'count',
  'return',
  'shrinkage',
  'transfer',
  'correction',
] as const satisfies readonly InventoryReason[];

/** The reasons a cashier picks for an adjustment (a count has its own form). */
export const ADJUSTMENT_REASONS = INVENTORY_REASONS.filter(
  (reason): reason is Exclude<InventoryReason, 'count'> => reason !== 'count',
);
