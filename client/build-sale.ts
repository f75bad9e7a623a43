import { z } from 'zod';
import type { BranchProduct, Sale, SaleLine } from '../schema/index.ts';
import {
  PosError,
  SALE_V2_DEFAULTS,
  computeSaleTotals,
  idSchema,
  paymentSchema,
  priceSaleLine,
  saleLineInputSchema,
  saleOverrideSchema,
  validateSale,
  parseInput,
} from '../schema/index.ts';

/** What a cashier asks `sell()` for. */
export const sellInputSchema = z.object({
  lines: z.array(saleLineInputSchema).min(1).max(1000),
  payments: z.array(paymentSchema).min(1).max(20),
  cashierId: idSchema.nullable().optional(),
  /** The customer: needed by an `account` payment, which charges their account. */
  customerId: idSchema.nullable().optional(),
  /** A manager's override of refusals at the till (credit limit, offline limits). */
  override: saleOverrideSchema.nullable().optional(),
});

/** Parses what a cashier asks `sell()` for; `POS_INPUT_INVALID` with the issues. */
export function parseSellInput(input: SellInput): z.output<typeof sellInputSchema> {
  return parseInput(sellInputSchema, input, 'sale');
}

/** What the till decided about the account of a sale: recorded on it as built. */
export type SaleAccountFields = Pick<Sale, 'customerId' | 'accountCheck' | 'override'>;

/** The fields every document this terminal writes starts with: queued for its first push. */
const QUEUED = {
  invoiceNo: null,
  ingestedAt: null,
  syncState: 'queued',
  lastError: null,
  syncAttempts: 0,
} as const satisfies Partial<Sale>;

/** A sale, return or settlement as a builder assembles it, before it is queued. */
export type QueuedSaleDraft = Omit<Sale, keyof typeof QUEUED>;

/**
 * Completes a document this terminal writes (a sale, a return, a settlement): queued for its first
 * push, and checked by `validateSale` in the terminal's scope (and currency, when given), so what is
 * stored is what the cloud will accept; `POS_INPUT_INVALID` with the problems otherwise.
 */
export function finishSaleDocument(
  draft: QueuedSaleDraft,
  identity: SaleIdentity,
  expectedCurrency?: string,
): Sale {
  const sale: Sale = { ...draft, ...QUEUED };
  const result = validateSale(sale, {
    expectedBranchId: identity.branchId,
    expectedTerminalId: identity.terminalId,
    ...(expectedCurrency === undefined ? {} : { expectedCurrency }),
  });
  if (!result.ok) {
    throw new PosError('POS_INPUT_INVALID', result.problems.map((p) => p.message).join('; '), {
      problems: result.problems,
    });
  }
  return sale;
}

/** What a cashier asks `sell()` for. */
export type SellInput = z.input<typeof sellInputSchema>;

/** A `sell()` request as parsed: defaults filled, every field checked. */
export type ParsedSellInput = z.output<typeof sellInputSchema>;

/** Who sells: fixed per terminal installation. */
export type SaleIdentity = { terminalId: string; posId: string; branchId: string };

/**
 * Builds a complete sale from the local catalog: every line priced with the product's branch price and
 * tax (`priceSaleLine`), totals by `computeSaleTotals`, change from the payments, then checked with the
 * same `validateSale` the cloud runs, so a sale the cloud would refuse is refused at the till instead.
 * Throws `POS_PRODUCT_UNAVAILABLE` (unknown, deleted or inactive product) or `POS_INPUT_INVALID`.
 */
export function buildSale(options: {
  /** What the cashier asked for, parsed (`parseSellInput`). */
  input: ParsedSellInput;
  products: ReadonlyMap<string, BranchProduct>;
  identity: SaleIdentity;
  localEventId: number;
  id: string;
  createdAt: string;
  currency?: string | undefined;
  /** Where the terminal stood with the cloud (docs/design.md#offline-limits). */
  contact?: Pick<Sale, 'offline' | 'lastContactAt'>;
  /** The customer (followed to the survivor of a merge), the credit check and the override. */
  account?: SaleAccountFields;
}): Sale {
  const { input } = options;
  const firstProduct = options.products.get(input.lines[0]!.productId);
  const currency = options.currency ?? firstProduct?.currency ?? 'XXX';
  const lines: SaleLine[] = input.lines.map((line) =>
    priceSaleLine(line, options.products.get(line.productId), currency),
  );
  const totals = computeSaleTotals(lines);
  const paid = input.payments.reduce((sum, p) => sum + p.amountMinor, 0);
  if (paid < totals.totalMinor) {
    throw new PosError(
      'POS_INPUT_INVALID',
      `payments ${paid} are short of the total ${totals.totalMinor}`,
      {
        paidMinor: paid,
        totalMinor: totals.totalMinor,
      },
    );
  }
  // Change comes only out of cash (validateSale's change_without_cash), never out of an account
  // payment.
  const change = paid - totals.totalMinor;
  const sale: QueuedSaleDraft = {
    id: options.id,
    terminalId: options.identity.terminalId,
    posId: options.identity.posId,
    localEventId: options.localEventId,
    branchId: options.identity.branchId,
    cashierId: input.cashierId ?? null,
    createdAt: options.createdAt,
    currency,
    lines,
    totals,
    payments: input.payments,
    changeMinor: change,
    ...SALE_V2_DEFAULTS,
    customerId: input.customerId ?? null,
    ...options.contact,
    ...options.account,
  };
  return finishSaleDocument(sale, options.identity, currency);
}
