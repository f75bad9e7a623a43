import { z } from 'zod';
import type { Sale } from '../schema/index.ts';
import {
  PosError,
  SALE_V2_DEFAULTS,
  idSchema,
  minorAmountSchema,
  paymentSchema,
  parseInput,
} from '../schema/index.ts';
import type { QueuedSaleDraft, SaleIdentity } from './build-sale.ts';
import { finishSaleDocument } from './build-sale.ts';

/** What a cashier asks `settle()` for: a customer paying down their account. */
export const settleInputSchema = z.object({
  customerId: idSchema,
  /** The tenders, never `account`; cash beyond `amountMinor` is handed back as change. */
  payments: z.array(paymentSchema).min(1).max(20),
  /** What the account is credited; the sum of the payments when omitted. */
  amountMinor: minorAmountSchema.min(1).optional(),
  cashierId: idSchema.nullable().optional(),
});

/** What a cashier asks `settle()` for. */
export type SettleInput = z.input<typeof settleInputSchema>;

/** Parses a settlement request; `POS_INPUT_INVALID` with the issues. */
export function parseSettleInput(input: SettleInput): z.output<typeof settleInputSchema> {
  return parseInput(settleInputSchema, input, 'settlement');
}

/**
 * Builds a settlement (kind `settlement`): no lines, zero totals, the customer (followed to the
 * survivor of a merge) credited with the payments less change, checked with the cloud's
 * `validateSale`. Throws `POS_INPUT_INVALID`.
 */
export function buildSettlement(options: {
  input: z.output<typeof settleInputSchema>;
  customerId: string;
  identity: SaleIdentity;
  localEventId: number;
  id: string;
  createdAt: string;
  currency: string;
  /** Where the terminal stood with the cloud (docs/design.md#offline-limits). */
  contact?: Pick<Sale, 'offline' | 'lastContactAt'>;
}): Sale {
  const { input } = options;
  const paid = input.payments.reduce((sum, p) => sum + p.amountMinor, 0);
  const credited = input.amountMinor ?? paid;
  if (credited > paid) {
    throw new PosError('POS_INPUT_INVALID', `payments ${paid} are short of ${credited}`, {
      paidMinor: paid,
      amountMinor: credited,
    });
  }
  const sale: QueuedSaleDraft = {
    id: options.id,
    terminalId: options.identity.terminalId,
    posId: options.identity.posId,
    localEventId: options.localEventId,
    branchId: options.identity.branchId,
    cashierId: input.cashierId ?? null,
    createdAt: options.createdAt,
    currency: options.currency,
    lines: [],
    totals: { subtotalMinor: 0, discountMinor: 0, taxMinor: 0, totalMinor: 0 },
    payments: input.payments,
    changeMinor: paid - credited,
    ...SALE_V2_DEFAULTS,
    ...options.contact,
    kind: 'settlement',
    customerId: options.customerId,
  };
  return finishSaleDocument(sale, options.identity, options.currency);
}
