/**
 * Constants shared by the zod schemas and the RxDB JSON schemas. Zod-free, so the RxDB schema modules
 * bundle for a browser page without zod (most of the page's bundle otherwise).
 */

/**
 * Longest id the model accepts. Ids take part in RxDB indexes, which need a bound to build fixed-width
 * index keys; 64 fits a UUID, a SKU-derived id and most external keys.
 */
export const ID_MAX_LENGTH = 64;

/** Length of every ISO date-time string of the model. */
export const ISO_DATE_TIME_MAX_LENGTH = 24;

/** Longest inventory row id: `branchId:productId`. */
export const INVENTORY_ID_MAX_LENGTH = ID_MAX_LENGTH * 2 + 1;

/** Largest on-hand quantity (and largest single adjustment) of an inventory item, either sign. */
export const ON_HAND_MAX = 1_000_000_000;

/** The payment methods a sale may use. `other` covers methods the shop records without integration. */
export const PAYMENT_METHODS = ['cash', 'card', 'voucher', 'other'] as const;

/** Why on-hand stock changed: the values of `inventoryReasonSchema`. */
export const INVENTORY_REASONS = [
  'receiving',
  'count',
  'return',
  'shrinkage',
  'transfer',
  'correction',
] as const;

/** One of `INVENTORY_REASONS`. */
export type InventoryReason = (typeof INVENTORY_REASONS)[number];
