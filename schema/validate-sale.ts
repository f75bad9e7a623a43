import { multiplyMinor } from './money.ts';
import type { Sale } from './sale.ts';
import { saleSchema } from './sale.ts';
import { computeSaleLineAmounts } from './sale-totals.ts';

/** The rule a sale problem breaks; stable strings, shown to operators next to `needs_attention` sales. */
export type SaleRule =
  | 'shape'
  | 'empty_lines'
  | 'line_amount_overflow'
  | 'line_discount_exceeds_amount'
  | 'line_tax_mismatch'
  | 'line_total_mismatch'
  | 'totals_mismatch'
  | 'payments_short'
  | 'change_mismatch'
  | 'change_without_cash'
  | 'currency_mismatch'
  | 'scope_mismatch'
  | 'created_at_out_of_window'
  | 'local_event_id_jump'
  | 'account_without_customer'
  | 'kind_fields'
  | 'return_line_repeated'
  | 'refund_payments_mismatch';

/** One thing wrong with a sale. */
export type SaleProblem = { rule: SaleRule; path: string; message: string };

/** Either the parsed sale or every problem found. */
export type SaleValidationResult =
  { ok: true; sale: Sale; problems: [] } | { ok: false; problems: SaleProblem[] };

const DAY_MS = 86_400_000;

/**
 * How far a sale may stray from what the cloud knows, so that one nonsense value cannot hide sales from
 * date reports (`createdAt` of year 9999 or 0001) or spoil lost-sale detection for good (a
 * `localEventId` of 2^53−1). Wide enough for every real sale: a till offline for months, a clock a
 * day off (docs/api.md, "Sale bounds").
 */
export type SaleBounds = {
  /** Oldest `createdAt` accepted, as an age before the server's time. */
  maxAgeMs: number;
  /** How far `createdAt` may lie after the server's time (a terminal clock running ahead). */
  maxAheadMs: number;
  /** Largest step of `localEventId` beyond the highest one that arrived from its installation. */
  maxEventIdJump: number;
};

/** The default bounds: 400 days back, 2 days ahead, a million events beyond the highest arrived. */
export const DEFAULT_SALE_BOUNDS: Readonly<SaleBounds> = {
  maxAgeMs: 400 * DAY_MS,
  maxAheadMs: 2 * DAY_MS,
  maxEventIdJump: 1_000_000,
};

/**
 * What the checker knows about the context: the server passes the scope derived from the token, its
 * clock (`now`, for the `createdAt` window) and the highest `localEventId` that arrived from the sale's
 * installation (for the jump bound). A check whose context is missing is skipped.
 */
export type ValidateSaleOptions = {
  expectedCurrency?: string;
  expectedBranchId?: string;
  expectedTerminalId?: string;
  now?: Date;
  highestArrivedEventId?: number;
  bounds?: SaleBounds;
};

/**
 * Checks a sale completely and lists every problem; never throws for bad data. The shape is checked by
 * `saleSchema` first (types, ranges, payment methods, negative numbers); arithmetic is only checked on a
 * well-shaped sale, because amounts of the wrong type cannot be summed meaningfully.
 */
export function validateSale(
  input: unknown,
  options: ValidateSaleOptions = {},
): SaleValidationResult {
  const parsed = saleSchema.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => ({
        rule: 'shape',
        path: issue.path.map(String).join('.'),
        message: issue.message,
      })),
    };
  }
  const sale = parsed.data;
  const problems = [
    ...checkScope(sale, options),
    ...checkBounds(sale, options),
    ...checkKind(sale),
    ...checkAccount(sale),
  ];
  return problems.length === 0 ? { ok: true, sale, problems: [] } : { ok: false, problems };
}

function checkScope(sale: Sale, options: ValidateSaleOptions): SaleProblem[] {
  const problems: SaleProblem[] = [];
  if (options.expectedCurrency !== undefined && sale.currency !== options.expectedCurrency) {
    problems.push({
      rule: 'currency_mismatch',
      path: 'currency',
      message: `sale is in ${sale.currency}, the branch sells in ${options.expectedCurrency}`,
    });
  }
  if (options.expectedBranchId !== undefined && sale.branchId !== options.expectedBranchId) {
    problems.push({ rule: 'scope_mismatch', path: 'branchId', message: 'sale of another branch' });
  }
  if (options.expectedTerminalId !== undefined && sale.terminalId !== options.expectedTerminalId) {
    problems.push({
      rule: 'scope_mismatch',
      path: 'terminalId',
      message: 'sale of another terminal',
    });
  }
  return problems;
}

function checkBounds(sale: Sale, options: ValidateSaleOptions): SaleProblem[] {
  const bounds = options.bounds ?? DEFAULT_SALE_BOUNDS;
  const problems: SaleProblem[] = [];
  if (options.now !== undefined) {
    const problem = checkCreatedAt(sale.createdAt, options.now, bounds);
    if (problem) problems.push(problem);
  }
  if (options.highestArrivedEventId !== undefined) {
    const problem = checkEventIdJump(sale.localEventId, options.highestArrivedEventId, bounds);
    if (problem) problems.push(problem);
  }
  return problems;
}

/** The `createdAt` window around the server's time `now`; null when inside. */
export function checkCreatedAt(
  createdAt: string,
  now: Date,
  bounds: SaleBounds = DEFAULT_SALE_BOUNDS,
): SaleProblem | null {
  const at = Date.parse(createdAt);
  const from = now.getTime() - bounds.maxAgeMs;
  const to = now.getTime() + bounds.maxAheadMs;
  if (at >= from && at <= to) return null;
  return {
    rule: 'created_at_out_of_window',
    path: 'createdAt',
    message:
      `createdAt ${createdAt} is outside ${new Date(from).toISOString()}` +
      ` .. ${new Date(to).toISOString()} (the server's time minus the age bound, plus the clock skew bound)`,
  };
}

/** The `localEventId` jump bound beyond the highest id that arrived; null when inside. */
export function checkEventIdJump(
  localEventId: number,
  highestArrived: number,
  bounds: SaleBounds = DEFAULT_SALE_BOUNDS,
): SaleProblem | null {
  if (localEventId <= highestArrived + bounds.maxEventIdJump) return null;
  return {
    rule: 'local_event_id_jump',
    path: 'localEventId',
    message:
      `localEventId ${localEventId} jumps more than ${bounds.maxEventIdJump} beyond the highest` +
      ` that arrived from this installation (${highestArrived})`,
  };
}

/** The fields each kind may carry, then the arithmetic of that kind. */
function checkKind(sale: Sale): SaleProblem[] {
  switch (sale.kind) {
    case 'sale':
      return [...checkSaleOnlyFields(sale), ...checkArithmetic(sale)];
    case 'return':
      return [...checkReturnFields(sale), ...checkReturnArithmetic(sale)];
    case 'settlement':
      return checkSettlement(sale);
  }
}

/**
 * A settlement pays down a customer's account: no lines and zero totals, a customer, and payments
 * by any method but `account` (cash may give change); what it credits is the payments less change.
 */
function checkSettlement(sale: Sale): SaleProblem[] {
  const problems: SaleProblem[] = [...checkSaleOnlyFields(sale)];
  const fail = (path: string, message: string) =>
    problems.push({ rule: 'kind_fields', path, message });
  if (sale.lines.length > 0) fail('lines', 'a settlement has no lines');
  if (Object.values(sale.totals).some((v) => v !== 0)) fail('totals', 'a settlement totals 0');
  if (sale.customerId === null) fail('customerId', 'a settlement pays down a customer account');
  if (sale.payments.length === 0) fail('payments', 'a settlement needs a payment');
  if (sale.payments.some((p) => p.method === 'account')) {
    fail('payments', 'a settlement is not paid on account');
  }
  const paid = sale.payments.reduce((sum, p) => sum + p.amountMinor, 0);
  if (sale.changeMinor > paid) fail('changeMinor', 'change exceeds what was paid');
  return problems;
}

/** A plain sale points at nothing and restocks nothing. */
function checkSaleOnlyFields(sale: Sale): SaleProblem[] {
  const problems: SaleProblem[] = [];
  for (const key of ['returnOf', 'reason'] as const) {
    if (sale[key] !== null) {
      problems.push({ rule: 'kind_fields', path: key, message: `a sale has no ${key}` });
    }
  }
  sale.lines.forEach((line, i) => {
    for (const key of ['originalLine', 'restock'] as const) {
      if (line[key] !== null) {
        problems.push({
          rule: 'kind_fields',
          path: `lines.${i}.${key}`,
          message: `a sale line has no ${key}`,
        });
      }
    }
  });
  return problems;
}

/**
 * A return names its original and, per line, the original line and whether it is restocked. Its
 * amounts against the original are the cloud's check (`checkReturnAgainstOriginal`).
 */
function checkReturnFields(sale: Sale): SaleProblem[] {
  const problems: SaleProblem[] = [];
  if (sale.returnOf === null) {
    problems.push({
      rule: 'kind_fields',
      path: 'returnOf',
      message: 'a return names its original',
    });
  } else if (sale.returnOf.saleId === sale.id) {
    problems.push({ rule: 'kind_fields', path: 'returnOf.saleId', message: 'a return of itself' });
  }
  const seen = new Set<number>();
  sale.lines.forEach((line, i) => {
    for (const key of ['originalLine', 'restock'] as const) {
      if (line[key] === null) {
        problems.push({
          rule: 'kind_fields',
          path: `lines.${i}.${key}`,
          message: `a return line needs ${key}`,
        });
      }
    }
    if (line.originalLine !== null) {
      if (seen.has(line.originalLine)) {
        problems.push({
          rule: 'return_line_repeated',
          path: `lines.${i}.originalLine`,
          message: `original line ${line.originalLine} is returned twice in one return`,
        });
      }
      seen.add(line.originalLine);
    }
  });
  return problems;
}

/**
 * A return's own arithmetic: each line's total is `quantity * unitPrice - discount + tax` (its tax is
 * the original's pro rata, not recomputed), totals are the sums, and the refund tenders pay out exactly
 * the total (no change).
 */
function checkReturnArithmetic(sale: Sale): SaleProblem[] {
  if (sale.lines.length === 0) {
    return [{ rule: 'empty_lines', path: 'lines', message: 'a return needs at least one line' }];
  }
  const problems: SaleProblem[] = [];
  const expected = { subtotalMinor: 0, discountMinor: 0, taxMinor: 0, totalMinor: 0 };
  for (const [i, line] of sale.lines.entries()) {
    const gross = multiplyMinor(line.quantity, line.unitPriceMinor);
    if (gross === null || line.discountMinor > gross) {
      problems.push({
        rule: gross === null ? 'line_amount_overflow' : 'line_discount_exceeds_amount',
        path: `lines.${i}`,
        message: 'the line amount is out of range or below its discount',
      });
      return problems;
    }
    const total = gross - line.discountMinor + line.taxMinor;
    if (line.lineTotalMinor !== total) {
      problems.push({
        rule: 'line_total_mismatch',
        path: `lines.${i}.lineTotalMinor`,
        message: `line total is ${line.lineTotalMinor}, expected ${total}`,
      });
    }
    expected.subtotalMinor += gross;
    expected.discountMinor += line.discountMinor;
    expected.taxMinor += line.taxMinor;
    expected.totalMinor += total;
  }
  for (const key of ['subtotalMinor', 'discountMinor', 'taxMinor', 'totalMinor'] as const) {
    if (sale.totals[key] !== expected[key]) {
      problems.push({
        rule: 'totals_mismatch',
        path: `totals.${key}`,
        message: `${key} is ${sale.totals[key]}, expected ${expected[key]}`,
      });
    }
  }
  const paid = sale.payments.reduce((sum, p) => sum + p.amountMinor, 0);
  if (paid !== expected.totalMinor || sale.changeMinor !== 0) {
    problems.push({
      rule: 'refund_payments_mismatch',
      path: 'payments',
      message: `refund tenders pay out ${paid} with change ${sale.changeMinor}; the return is ${expected.totalMinor} without change`,
    });
  }
  return problems;
}

/** An `account` payment charges a customer, so it needs one. */
function checkAccount(sale: Sale): SaleProblem[] {
  const index = sale.payments.findIndex((p) => p.method === 'account');
  if (index < 0 || sale.customerId !== null) return [];
  return [
    {
      rule: 'account_without_customer',
      path: `payments.${index}.method`,
      message: 'an account payment needs the sale to name its customer (customerId)',
    },
  ];
}

function checkArithmetic(sale: Sale): SaleProblem[] {
  if (sale.lines.length === 0) {
    return [{ rule: 'empty_lines', path: 'lines', message: 'a sale needs at least one line' }];
  }
  const problems: SaleProblem[] = [];
  const expected = { subtotalMinor: 0, discountMinor: 0, taxMinor: 0, totalMinor: 0 };
  let linesComputable = true;
  sale.lines.forEach((line, i) => {
    const gross = multiplyMinor(line.quantity, line.unitPriceMinor);
    if (gross === null) {
      linesComputable = false;
      problems.push({
        rule: 'line_amount_overflow',
        path: `lines.${i}`,
        message: 'quantity * unitPriceMinor is too large',
      });
      return;
    }
    if (line.discountMinor > gross) {
      linesComputable = false;
      problems.push({
        rule: 'line_discount_exceeds_amount',
        path: `lines.${i}.discountMinor`,
        message: `discount ${line.discountMinor} exceeds line amount ${gross}`,
      });
      return;
    }
    const amounts = computeSaleLineAmounts(line);
    if (line.taxMinor !== amounts.taxMinor) {
      problems.push({
        rule: 'line_tax_mismatch',
        path: `lines.${i}.taxMinor`,
        message: `tax is ${line.taxMinor}, expected ${amounts.taxMinor}`,
      });
    }
    if (line.lineTotalMinor !== amounts.lineTotalMinor) {
      problems.push({
        rule: 'line_total_mismatch',
        path: `lines.${i}.lineTotalMinor`,
        message: `line total is ${line.lineTotalMinor}, expected ${amounts.lineTotalMinor}`,
      });
    }
    expected.subtotalMinor += amounts.grossMinor;
    expected.discountMinor += line.discountMinor;
    expected.taxMinor += amounts.taxMinor;
    expected.totalMinor += amounts.lineTotalMinor;
  });
  if (!linesComputable) return problems;

  for (const key of ['subtotalMinor', 'discountMinor', 'taxMinor', 'totalMinor'] as const) {
    if (sale.totals[key] !== expected[key]) {
      problems.push({
        rule: 'totals_mismatch',
        path: `totals.${key}`,
        message: `${key} is ${sale.totals[key]}, expected ${expected[key]}`,
      });
    }
  }
  problems.push(...checkPayments(sale, expected.totalMinor));
  return problems;
}

function checkPayments(sale: Sale, totalMinor: number): SaleProblem[] {
  const paid = sale.payments.reduce((sum, p) => sum + p.amountMinor, 0);
  const cash = sale.payments
    .filter((p) => p.method === 'cash')
    .reduce((sum, p) => sum + p.amountMinor, 0);
  if (paid < totalMinor) {
    return [
      {
        rule: 'payments_short',
        path: 'payments',
        message: `payments cover ${paid} of ${totalMinor}`,
      },
    ];
  }
  const problems: SaleProblem[] = [];
  if (sale.changeMinor !== paid - totalMinor) {
    problems.push({
      rule: 'change_mismatch',
      path: 'changeMinor',
      message: `change is ${sale.changeMinor}, payments minus total is ${paid - totalMinor}`,
    });
  }
  // Only cash can be handed back: overpaying by card or voucher is a data error, not change.
  if (sale.changeMinor > cash) {
    problems.push({
      rule: 'change_without_cash',
      path: 'changeMinor',
      message: `change ${sale.changeMinor} exceeds the cash tendered (${cash})`,
    });
  }
  return problems;
}
