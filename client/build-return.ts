import { z } from 'zod';
import type { ReturnOf, ReturnedLine, Sale, SaleLine } from '../schema/index.ts';
import {
  NOTHING_RETURNED,
  PosError,
  SALE_V2_DEFAULTS,
  buildReturnLine,
  currencySchema,
  idSchema,
  paymentSchema,
  priceReturnQuantity,
  quantitySchema,
  reasonSchema,
  saleLineSchema,
  saleOverrideSchema,
  uuidV7Schema,
  parseInput,
} from '../schema/index.ts';
import type { QueuedSaleDraft, SaleIdentity } from './build-sale.ts';
import { finishSaleDocument } from './build-sale.ts';

/**
 * The original as its printed receipt shows it: what a terminal returns another terminal's sale from
 * while it cannot ask the cloud (`source: 'unverified'`; the cloud checks it against the booking).
 */
export const receiptSchema = z.object({
  id: uuidV7Schema,
  terminalId: idSchema,
  branchId: idSchema,
  invoiceNo: z.int().min(1).nullable(),
  currency: currencySchema,
  lines: z.array(saleLineSchema).min(1).max(1000),
});

/** The original as its receipt shows it. */
export type Receipt = z.infer<typeof receiptSchema>;

/** What a cashier asks `refund()` for: the original, by id or invoice number, and what comes back. */
export const refundInputSchema = z
  .object({
    saleId: uuidV7Schema.optional(),
    invoiceNo: z.int().min(1).optional(),
    lines: z
      .array(
        z.object({
          /** Index of the line in the original sale. */
          line: z.int().min(0).max(999),
          quantity: quantitySchema,
          /** Whether the goods go back into branch inventory. */
          restock: z.boolean(),
        }),
      )
      .min(1)
      .max(1000),
    /** The refund tenders: they pay out exactly the return's total. */
    payments: z.array(paymentSchema).min(1).max(20),
    reason: reasonSchema.nullable().optional(),
    cashierId: idSchema.nullable().optional(),
    /** A manager's override of the offline limits (docs/design.md#offline-limits). */
    override: saleOverrideSchema.nullable().optional(),
    /** Another terminal's sale returned offline: its receipt. */
    receipt: receiptSchema.optional(),
    customerId: idSchema.nullable().optional(),
  })
  .refine((r) => (r.saleId === undefined) !== (r.invoiceNo === undefined), {
    message: 'give saleId or invoiceNo',
  });

/** What a cashier asks `refund()` for. */
export type RefundInput = z.input<typeof refundInputSchema>;

/** Parses a refund request; `POS_INPUT_INVALID` with the issues. */
export function parseRefundInput(input: RefundInput): z.output<typeof refundInputSchema> {
  return parseInput(refundInputSchema, input, 'refund');
}

/** The original a return is priced from, however the terminal knew it. */
export type ReturnOriginal = {
  sale: Pick<Sale, 'id' | 'terminalId' | 'branchId' | 'invoiceNo' | 'currency' | 'lines'>;
  source: ReturnOf['source'];
  /** What was returned of each of its lines before this return, as far as the terminal knows. */
  returned: readonly ReturnedLine[];
};

/**
 * Builds a return (kind `return`) of `original`: each line priced from the original line pro rata
 * (`priceReturnQuantity`, never from today's catalog), totals as sums, the refund tenders paying
 * out exactly the total. Throws `POS_RETURN_EXCEEDS_SOLD` when a line would return more than is
 * left of it, `POS_INPUT_INVALID` for an unknown line or tenders that do not pay out the total.
 */
export function buildReturn(options: {
  input: z.output<typeof refundInputSchema>;
  original: ReturnOriginal;
  identity: SaleIdentity;
  localEventId: number;
  id: string;
  createdAt: string;
  offline: boolean;
  lastContactAt: string | null;
}): Sale {
  const { input, original } = options;
  const lines: SaleLine[] = input.lines.map(({ line, quantity, restock }) => {
    const sold = original.sale.lines[line];
    if (!sold) {
      throw new PosError('POS_INPUT_INVALID', `the original has no line ${line}`, { line });
    }
    const amounts = priceReturnQuantity(
      sold,
      quantity,
      original.returned[line] ?? NOTHING_RETURNED,
    );
    if (!amounts) {
      const returned = original.returned[line]?.quantity ?? 0;
      throw new PosError(
        'POS_RETURN_EXCEEDS_SOLD',
        `line ${line}: ${returned} of ${sold.quantity} are returned already`,
        { line, sold: sold.quantity, returned, asked: quantity },
      );
    }
    return buildReturnLine(sold, line, quantity, restock, amounts);
  });
  const totals = { subtotalMinor: 0, discountMinor: 0, taxMinor: 0, totalMinor: 0 };
  for (const line of lines) {
    totals.subtotalMinor += line.quantity * line.unitPriceMinor;
    totals.discountMinor += line.discountMinor;
    totals.taxMinor += line.taxMinor;
    totals.totalMinor += line.lineTotalMinor;
  }
  const sale: QueuedSaleDraft = {
    id: options.id,
    terminalId: options.identity.terminalId,
    posId: options.identity.posId,
    localEventId: options.localEventId,
    branchId: options.identity.branchId,
    cashierId: input.cashierId ?? null,
    createdAt: options.createdAt,
    currency: original.sale.currency,
    lines,
    totals,
    payments: input.payments,
    changeMinor: 0,
    ...SALE_V2_DEFAULTS,
    kind: 'return',
    customerId: input.customerId ?? null,
    returnOf: {
      saleId: original.sale.id,
      invoiceNo: original.sale.invoiceNo,
      terminalId: original.sale.terminalId,
      branchId: original.sale.branchId,
      source: original.source,
    },
    reason: input.reason ?? null,
    offline: options.offline,
    lastContactAt: options.lastContactAt,
    // The caller records a manager's override once it is known to have passed a refusal.
    override: null,
  };
  return finishSaleDocument(sale, options.identity);
}
