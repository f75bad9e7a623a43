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

/**
 * The payment methods a sale may use. `other` covers methods the shop records without integration;
 * `account` charges the sale's customer (`customerId`), to be settled later.
 */
export const PAYMENT_METHODS = ['cash', 'card', 'voucher', 'other', 'account'] as const;

/**
 * What a sale document records: a `sale`, a `return` of lines of an earlier sale (`returnOf`), or a
 * `settlement` (a customer paying down an account: no lines). Sales schema version 2.
 */
export const SALE_KINDS = ['sale', 'return', 'settlement'] as const;

/**
 * How the terminal knew the original of a return: `own` (a sale this terminal holds), `cloud` (fetched
 * from the cloud while online) or `unverified` (another terminal's sale, returned offline).
 */
export const RETURN_SOURCES = ['own', 'cloud', 'unverified'] as const;

/** The refusals a manager may override at the till; the override is recorded on the sale. */
export const OVERRIDE_CODES = ['POS_CREDIT_LIMIT_EXCEEDED', 'POS_OFFLINE_LIMIT_EXCEEDED'] as const;

/** What the cloud found when it verified an account charge at ingest. */
export const ACCOUNT_VERIFICATIONS = ['verified', 'over_limit'] as const;

/** Longest return reason and override reason. */
export const REASON_MAX_LENGTH = 200;

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

/** The states of a customer account: `on_hold` and `closed` accounts take no charges. */
export const ACCOUNT_STATUSES = ['active', 'on_hold', 'closed'] as const;

/**
 * The customer fields terminals and admins edit, each merged on its own by its hybrid logical clock
 * (docs/design.md#ownership-rules).
 */
export const CUSTOMER_EDITABLE_FIELDS = [
  'name',
  'phone',
  'email',
  'creditLimitMinor',
  'currency',
  'accountStatus',
] as const;

/** Longest hybrid logical clock string: 15-digit wall time, 6-digit counter, a node id. */
export const HLC_MAX_LENGTH = 15 + 1 + 6 + 1 + ID_MAX_LENGTH;

/** Longest phone number as entered (digits, spaces, `+`, brackets, dashes). */
export const PHONE_MAX_LENGTH = 32;

/** Longest email address (RFC 5321's path limit). */
export const EMAIL_MAX_LENGTH = 254;
