import { z } from 'zod';
import {
  ACCOUNT_VERIFICATIONS,
  OVERRIDE_CODES,
  PAYMENT_METHODS,
  REASON_MAX_LENGTH,
  RETURN_SOURCES,
  SALE_KINDS,
} from './constants.ts';
import { currencySchema, minorAmountSchema, taxRateBpsSchema } from './money.ts';
import { idSchema, isoDateTimeSchema, nameSchema, textSchema } from './primitives.ts';
import { skuSchema } from './product.ts';
import { uuidV7Schema } from './uuid-v7.ts';

/**
 * Quantity of a sale line in whole units of the product (pieces, packs). Integer by design: money is
 * computed as `quantity * unitPriceMinor` without rounding. Weighed goods are modelled as products with a
 * small unit (for example "100 g"); a fractional quantity would need a new field and a protocol bump.
 */
export const quantitySchema = z.int().min(1).max(1_000_000);

/** One line of a sale, with every amount already computed (see `computeSaleLine`). */
export const saleLineSchema = z.object({
  productId: idSchema,
  sku: skuSchema,
  name: nameSchema,
  quantity: quantitySchema,
  /** Tax-exclusive price of one unit at the time of sale. */
  unitPriceMinor: minorAmountSchema,
  /** Discount on the whole line, subtracted before tax. */
  discountMinor: minorAmountSchema,
  taxRateBps: taxRateBpsSchema,
  taxMinor: minorAmountSchema,
  /** `quantity * unitPriceMinor - discountMinor + taxMinor`. */
  lineTotalMinor: minorAmountSchema,
  /** On a return: the index of the returned line in the original sale's `lines`; null on a sale. */
  originalLine: z.int().min(0).max(999).nullable(),
  /** On a return: whether the goods go back into branch inventory; null on a sale. */
  restock: z.boolean().nullable(),
});

/** One line of a sale. */
export type SaleLine = z.infer<typeof saleLineSchema>;

/** Sums over the lines of a sale; see `computeSaleTotals` for the exact definitions. */
export const saleTotalsSchema = z.object({
  /** Sum of `quantity * unitPriceMinor` (before discounts and tax). */
  subtotalMinor: minorAmountSchema,
  discountMinor: minorAmountSchema,
  taxMinor: minorAmountSchema,
  /** `subtotalMinor - discountMinor + taxMinor`, equal to the sum of the line totals. */
  totalMinor: minorAmountSchema,
});

/** Sums over the lines of a sale. */
export type SaleTotals = z.infer<typeof saleTotalsSchema>;

export { PAYMENT_METHODS } from './constants.ts';

/** A payment method. */
export const paymentMethodSchema = z.enum(PAYMENT_METHODS);

/** A payment method. */
export type PaymentMethod = z.infer<typeof paymentMethodSchema>;

/** One tender of a sale. */
export const paymentSchema = z.object({
  method: paymentMethodSchema,
  amountMinor: minorAmountSchema,
});

/** One tender of a sale. */
export type Payment = z.infer<typeof paymentSchema>;

/**
 * Where a sale stands on the terminal: `queued` until the cloud ingested it, `synced` once the ingested
 * copy came back, `needs_attention` when the cloud refused it (or refused it too often), for an operator,
 * `discarded` once an operator discarded the refused sale in the admin API (final: never pushed again,
 * never booked; `lastError` keeps the refusal's code and the operator's note).
 */
export const saleSyncStateSchema = z.enum(['queued', 'synced', 'needs_attention', 'discarded']);

/** Where a sale stands on the terminal. */
export type SaleSyncState = z.infer<typeof saleSyncStateSchema>;

/** What a sale document records (`SALE_KINDS`). */
export const saleKindSchema = z.enum(SALE_KINDS);

/** What a sale document records. */
export type SaleKind = z.infer<typeof saleKindSchema>;

/** A return reason or an override reason: text shown to people, bounded. */
export const reasonSchema = textSchema(REASON_MAX_LENGTH);

/** What a return points at, and how the terminal knew the original (`RETURN_SOURCES`). */
export const returnOfSchema = z.object({
  saleId: uuidV7Schema,
  /** The original's invoice number as the terminal knew it; null while the original was unbooked. */
  invoiceNo: z.int().min(1).nullable(),
  terminalId: idSchema,
  branchId: idSchema,
  source: z.enum(RETURN_SOURCES),
});

/** What a return points at. */
export type ReturnOf = z.infer<typeof returnOfSchema>;

/** A refusal a manager may override at the till (`OVERRIDE_CODES`). */
export const overrideCodeSchema = z.enum(OVERRIDE_CODES);

/** A refusal a manager may override at the till. */
export type OverrideCode = z.infer<typeof overrideCodeSchema>;

/** A manager's override of refusals at the till; recorded on the sale, audited by the cloud. */
export const saleOverrideSchema = z.object({
  managerId: idSchema,
  reason: reasonSchema,
  codes: z.array(overrideCodeSchema).min(1).max(OVERRIDE_CODES.length),
});

/** A manager's override recorded on a sale. */
export type SaleOverride = z.infer<typeof saleOverrideSchema>;

/** The figures of the terminal's credit check of an account charge, as it made them. */
export const accountCheckSchema = z.object({
  limitMinor: minorAmountSchema,
  balanceSeenMinor: z.int(),
  unsyncedMinor: z.int(),
  availableMinor: z.int(),
});

/** The figures of the terminal's credit check of an account charge. */
export type AccountCheck = z.infer<typeof accountCheckSchema>;

/** What the cloud found when it verified an account charge at ingest (`ACCOUNT_VERIFICATIONS`). */
export const accountVerificationSchema = z.enum(ACCOUNT_VERIFICATIONS);

/** The last error code and message a sale's push received. */
export const saleErrorSchema = z.object({
  code: z.string().min(1).max(64),
  message: z.string().max(2000),
});

/** The last error a sale's push received. */
export type SaleError = z.infer<typeof saleErrorSchema>;

/**
 * A sale document: a sale, a return or a settlement (`kind`). Made by one terminal, immutable
 * afterwards (append-only), pushed to the cloud, which adds `invoiceNo` and `ingestedAt`; that copy
 * comes back by pull and wins.
 *
 * Three groups of fields:
 * - content, fixed at `sell()` / `refund()`: everything from `id` to `accountCheck`; `saleContentOf`
 *   extracts it;
 * - cloud fields: `invoiceNo`, `ingestedAt` (null until ingested), `accountVerification`,
 *   `accountLedgerSeq`;
 * - terminal state: `syncState`, `lastError`, `syncAttempts` (never part of the idempotency comparison).
 */
export const saleSchema = z.object({
  id: uuidV7Schema,
  terminalId: idSchema,
  posId: idSchema,
  /** Strictly increasing per `posId`; with `terminalId` and `posId` the idempotency key. */
  localEventId: z.int().min(1),
  branchId: idSchema,
  cashierId: idSchema.nullable(),
  /** Terminal clock at the sale: recorded, never trusted for ordering. */
  createdAt: isoDateTimeSchema,
  currency: currencySchema,
  lines: z.array(saleLineSchema).max(1000),
  totals: saleTotalsSchema,
  payments: z.array(paymentSchema).max(20),
  /** Cash handed back; `sum(payments) - totals.totalMinor`. */
  changeMinor: minorAmountSchema,
  kind: saleKindSchema,
  /** The account customer (an `account` payment charges them, a settlement credits them). */
  customerId: idSchema.nullable(),
  /** On a return: the original sale. */
  returnOf: returnOfSchema.nullable(),
  /** On a return: why the goods came back. */
  reason: reasonSchema.nullable(),
  /**
   * The terminal had not reached the cloud within the offline policy's threshold when it made the
   * event (docs/design.md#offline-limits).
   */
  offline: z.boolean(),
  /** The terminal's last successful cloud contact when it made the event; null if never. */
  lastContactAt: isoDateTimeSchema.nullable(),
  /** A manager's override of refusals at the till. */
  override: saleOverrideSchema.nullable(),
  /** The terminal's credit check of an account charge. */
  accountCheck: accountCheckSchema.nullable(),
  invoiceNo: z.int().min(1).nullable(),
  ingestedAt: isoDateTimeSchema.nullable(),
  /** The cloud's verification of an account charge at ingest; null for anything else. */
  accountVerification: accountVerificationSchema.nullable(),
  /**
   * The ledger position of the account entry this document booked (null: none): a terminal compares
   * it with a customer's `ledgerSeq` to tell whether the pulled balance includes it.
   */
  accountLedgerSeq: z.int().min(1).nullable(),
  syncState: saleSyncStateSchema,
  lastError: saleErrorSchema.nullable(),
  /** Server-side rejections counted so far; the retry policy caps them. */
  syncAttempts: z.int().min(0),
});

/** A sale. */
export type Sale = z.infer<typeof saleSchema>;

/** The fields of a sale fixed at `sell()`; what "same content" means for the idempotency check. */
export type SaleContent = Omit<
  Sale,
  | 'invoiceNo'
  | 'ingestedAt'
  | 'accountVerification'
  | 'accountLedgerSeq'
  | 'syncState'
  | 'lastError'
  | 'syncAttempts'
>;

/** Returns the content of a sale, without cloud fields and terminal state. */
export function saleContentOf(sale: Sale): SaleContent {
  const {
    invoiceNo: _invoiceNo,
    ingestedAt: _ingestedAt,
    accountVerification: _accountVerification,
    accountLedgerSeq: _accountLedgerSeq,
    syncState: _syncState,
    lastError: _lastError,
    syncAttempts: _syncAttempts,
    ...content
  } = sale;
  return content;
}

/** The idempotency key of a sale (docs/design.md#idempotency-and-exactly-once). */
export function saleIdempotencyKey(
  sale: Pick<Sale, 'terminalId' | 'posId' | 'localEventId'>,
): string {
  return `${sale.terminalId}:${sale.posId}:${sale.localEventId}`;
}

/** One line a cashier asks for; prices come from the branch product when the sale is built. */
export const saleLineInputSchema = z.object({
  productId: idSchema,
  quantity: quantitySchema,
  discountMinor: minorAmountSchema.default(0),
});

/** One line a cashier asks for. */
export type SaleLineInput = z.input<typeof saleLineInputSchema>;
