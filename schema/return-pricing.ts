import type { ErrorCode } from './error-codes.ts';
import type { Sale, SaleLine } from './sale.ts';

/**
 * Pricing and checking returns against their original sale (docs/design.md#returns). Zod-free and
 * pure: the terminal prices a return with it, the cloud checks one with it, so they cannot drift.
 */

/** What was returned of one original line so far: the sums over the returns of that line. */
export type ReturnedLine = { quantity: number; discountMinor: number; taxMinor: number };

/** Nothing returned of a line. */
export const NOTHING_RETURNED: Readonly<ReturnedLine> = {
  quantity: 0,
  discountMinor: 0,
  taxMinor: 0,
};

/** The amounts of one return line. */
export type ReturnLineAmounts = {
  discountMinor: number;
  taxMinor: number;
  lineTotalMinor: number;
};

function divCeil(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

function amounts(original: SaleLine, quantity: number, discount: bigint, tax: bigint) {
  const gross = BigInt(quantity) * BigInt(original.unitPriceMinor);
  return {
    discountMinor: Number(discount),
    taxMinor: Number(tax),
    lineTotalMinor: Number(gross - discount + tax),
  };
}

/**
 * A part of a line that does not complete it: the discount rounded up and the tax rounded down,
 * `ceil(D·q/Q)` and `floor(T·q/Q)`. Each part refunds at most its share, whatever else was returned,
 * so returns made with different views of what was returned before never refund more than the line.
 */
export function partialReturnAmounts(original: SaleLine, quantity: number): ReturnLineAmounts {
  const q = BigInt(quantity);
  const sold = BigInt(original.quantity);
  return amounts(
    original,
    quantity,
    divCeil(BigInt(original.discountMinor) * q, sold),
    (BigInt(original.taxMinor) * q) / sold,
  );
}

/**
 * The part that completes a line (`returned.quantity + quantity` is all that was sold): what is left
 * of the line's discount and tax, so a line returned in parts refunds exactly what was paid for it.
 * The discount left is never below 0 (rounding up in parts may have taken more than the discount);
 * then the line refunds slightly less than was paid, never more.
 */
export function completingReturnAmounts(
  original: SaleLine,
  quantity: number,
  returned: ReturnedLine,
): ReturnLineAmounts {
  const discount = Math.max(0, original.discountMinor - returned.discountMinor);
  const tax = Math.max(0, original.taxMinor - returned.taxMinor);
  return amounts(original, quantity, BigInt(discount), BigInt(tax));
}

/**
 * The amounts a terminal computes for returning `quantity` of `original` when it knows `returned`
 * of it was returned before; `null` when that is more than was sold.
 */
export function priceReturnQuantity(
  original: SaleLine,
  quantity: number,
  returned: ReturnedLine,
): ReturnLineAmounts | null {
  const after = returned.quantity + quantity;
  if (quantity < 1 || after > original.quantity) return null;
  return after === original.quantity
    ? completingReturnAmounts(original, quantity, returned)
    : partialReturnAmounts(original, quantity);
}

/** A return line as the terminal writes it: the original line's identity and price, returned amounts. */
export function buildReturnLine(
  original: SaleLine,
  originalLine: number,
  quantity: number,
  restock: boolean,
  amountsOf: ReturnLineAmounts,
): SaleLine {
  return {
    productId: original.productId,
    sku: original.sku,
    name: original.name,
    quantity,
    unitPriceMinor: original.unitPriceMinor,
    taxRateBps: original.taxRateBps,
    ...amountsOf,
    originalLine,
    restock,
  };
}

/** Adds a return's lines to what was returned per line of its original (mutates `returned`). */
export function addReturned(returned: ReturnedLine[], ret: Pick<Sale, 'lines'>): ReturnedLine[] {
  for (const line of ret.lines) {
    if (line.originalLine === null) continue;
    const before = returned[line.originalLine] ?? NOTHING_RETURNED;
    returned[line.originalLine] = {
      quantity: before.quantity + line.quantity,
      discountMinor: before.discountMinor + line.discountMinor,
      taxMinor: before.taxMinor + line.taxMinor,
    };
  }
  return returned;
}

/** One reason a return does not fit its original. */
export type ReturnProblem = {
  code: Extract<
    ErrorCode,
    'POS_RETURN_EXCEEDS_SOLD' | 'POS_RETURN_ORIGINAL_UNKNOWN' | 'POS_RETURN_AMOUNT_MISMATCH'
  >;
  path: string;
  message: string;
};

/** The code a refusal carries when several problems were found: the most fundamental one. */
export function returnRefusalCode(problems: readonly ReturnProblem[]): ReturnProblem['code'] {
  for (const code of [
    'POS_RETURN_ORIGINAL_UNKNOWN',
    'POS_RETURN_EXCEEDS_SOLD',
    'POS_RETURN_AMOUNT_MISMATCH',
  ] as const) {
    if (problems.some((p) => p.code === code)) return code;
  }
  return 'POS_RETURN_AMOUNT_MISMATCH';
}

/**
 * Checks a return (already valid on its own, `validateSale`) against its booked original and what the
 * cloud booked as returned of each of its lines. A line is accepted with the partial amounts, or, when
 * it completes the line in the cloud's count, with the completing amounts over the booked returns:
 * exactly what an honest terminal computed, whichever returns it knew of (docs/design.md#returns).
 */
export function checkReturnAgainstOriginal(
  ret: Sale,
  original: Sale | null,
  returned: readonly ReturnedLine[],
): ReturnProblem[] {
  const unknown = (message: string): ReturnProblem[] => [
    { code: 'POS_RETURN_ORIGINAL_UNKNOWN', path: 'returnOf.saleId', message },
  ];
  const of = ret.returnOf;
  if (of === null) return unknown('a return names its original');
  if (original === null) return unknown(`sale ${of.saleId} is not booked in this branch`);
  if (original.kind !== 'sale') return unknown(`${of.saleId} is a ${original.kind}, not a sale`);
  if (original.branchId !== ret.branchId) {
    return unknown(`sale ${of.saleId} belongs to another branch`);
  }
  if (original.terminalId !== of.terminalId || original.branchId !== of.branchId) {
    return unknown('returnOf names another terminal or branch than the original');
  }
  if (of.invoiceNo !== null && of.invoiceNo !== original.invoiceNo) {
    return unknown(`the original's invoice number is ${original.invoiceNo}, not ${of.invoiceNo}`);
  }
  const problems: ReturnProblem[] = [];
  if (ret.currency !== original.currency) {
    problems.push({
      code: 'POS_RETURN_AMOUNT_MISMATCH',
      path: 'currency',
      message: `the original was paid in ${original.currency}`,
    });
  }
  ret.lines.forEach((line, i) => {
    const problem = checkReturnLine(line, original, returned);
    if (problem) problems.push({ ...problem, path: `lines.${i}${problem.path}` });
  });
  return problems;
}

function checkReturnLine(
  line: SaleLine,
  original: Sale,
  returned: readonly ReturnedLine[],
): ReturnProblem | null {
  const index = line.originalLine;
  const sold = index === null ? undefined : original.lines[index];
  if (index === null || sold === undefined) {
    return {
      code: 'POS_RETURN_AMOUNT_MISMATCH',
      path: '.originalLine',
      message: `the original has no line ${index}`,
    };
  }
  const identity = ['productId', 'sku', 'unitPriceMinor', 'taxRateBps'] as const;
  const differs = identity.find((key) => line[key] !== sold[key]);
  if (differs) {
    return {
      code: 'POS_RETURN_AMOUNT_MISMATCH',
      path: `.${differs}`,
      message: `${differs} differs from the original line ${index}`,
    };
  }
  const before = returned[index] ?? NOTHING_RETURNED;
  if (before.quantity + line.quantity > sold.quantity) {
    return {
      code: 'POS_RETURN_EXCEEDS_SOLD',
      path: '.quantity',
      message:
        `returns ${line.quantity} of line ${index}; ${before.quantity} of ${sold.quantity} sold` +
        ' are returned already',
    };
  }
  const matches = (expected: ReturnLineAmounts) =>
    line.discountMinor === expected.discountMinor &&
    line.taxMinor === expected.taxMinor &&
    line.lineTotalMinor === expected.lineTotalMinor;
  const completes = before.quantity + line.quantity === sold.quantity;
  if (matches(partialReturnAmounts(sold, line.quantity))) return null;
  if (completes && matches(completingReturnAmounts(sold, line.quantity, before))) return null;
  const expected = priceReturnQuantity(sold, line.quantity, before)!;
  return {
    code: 'POS_RETURN_AMOUNT_MISMATCH',
    path: '',
    message:
      `line ${index}: discount ${line.discountMinor}, tax ${line.taxMinor}, total` +
      ` ${line.lineTotalMinor}; pro rata ${expected.discountMinor}, ${expected.taxMinor},` +
      ` ${expected.lineTotalMinor}`,
  };
}
