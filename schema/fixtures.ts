import type { Category } from './category.ts';
import type { BranchProduct, Product } from './product.ts';
import type { Payment, Sale, SaleLine } from './sale.ts';
import type { ReturnedLine } from './return-pricing.ts';
import { NOTHING_RETURNED, buildReturnLine, priceReturnQuantity } from './return-pricing.ts';
import { SALE_LINE_V2_DEFAULTS, SALE_V2_DEFAULTS } from './sale-defaults.ts';
import { computeSaleLine, computeSaleTotals } from './sale-totals.ts';
import { createUuidV7 } from './uuid-v7.ts';

const FIXED_TIME = '2025-01-15T10:00:00.000Z';

/** A valid cloud product for tests; override any field. */
export function makeProduct(overrides: Partial<Product> = {}): Product {
  return {
    id: 'p-1',
    sku: 'SKU-1',
    barcode: '4006381333931',
    name: 'Espresso beans 1kg',
    categoryId: 'c-coffee',
    priceMinor: 1299,
    currency: 'EUR',
    taxRateBps: 700,
    active: true,
    branchIds: null,
    branchPrices: [],
    updatedAt: FIXED_TIME,
    ...overrides,
  };
}

/** A valid branch view of a product for tests; override any field. */
export function makeBranchProduct(overrides: Partial<BranchProduct> = {}): BranchProduct {
  return {
    id: 'p-1',
    sku: 'SKU-1',
    barcode: '4006381333931',
    name: 'Espresso beans 1kg',
    categoryId: 'c-coffee',
    priceMinor: 1299,
    currency: 'EUR',
    taxRateBps: 700,
    active: true,
    updatedAt: FIXED_TIME,
    ...overrides,
  };
}

/** A valid category for tests; override any field. */
export function makeCategory(overrides: Partial<Category> = {}): Category {
  return {
    id: 'c-coffee',
    name: 'Coffee',
    parentId: null,
    sortOrder: 0,
    updatedAt: FIXED_TIME,
    ...overrides,
  };
}

/** A computed sale line for tests: pass pricing, get consistent tax and total. */
export function makeSaleLine(
  overrides: Partial<Omit<SaleLine, 'taxMinor' | 'lineTotalMinor'>> = {},
): SaleLine {
  return computeSaleLine({
    productId: 'p-1',
    sku: 'SKU-1',
    name: 'Espresso beans 1kg',
    quantity: 2,
    unitPriceMinor: 1299,
    discountMinor: 0,
    taxRateBps: 700,
    ...overrides,
  });
}

/**
 * A consistent, queued sale for tests. Totals are computed from `lines`; unless `payments` is given it is
 * paid exactly in cash. Override anything afterwards to make it inconsistent on purpose.
 */
export function makeSale(
  overrides: Partial<Sale> & { lines?: SaleLine[]; payments?: Payment[] } = {},
): Sale {
  const lines = overrides.lines ?? [makeSaleLine()];
  const totals = overrides.totals ?? computeSaleTotals(lines);
  const payments = overrides.payments ?? [{ method: 'cash', amountMinor: totals.totalMinor }];
  const paid = payments.reduce((sum, p) => sum + p.amountMinor, 0);
  return {
    id: createUuidV7(),
    terminalId: 't-1',
    posId: 'pos-1',
    localEventId: 1,
    branchId: 'b-1',
    cashierId: null,
    // Now, not a fixed time: the cloud refuses a createdAt far from its clock (`SaleBounds`).
    createdAt: new Date().toISOString(),
    currency: 'EUR',
    lines,
    totals,
    payments,
    changeMinor: Math.max(0, paid - totals.totalMinor),
    ...SALE_V2_DEFAULTS,
    invoiceNo: null,
    ingestedAt: null,
    syncState: 'queued',
    lastError: null,
    syncAttempts: 0,
    ...overrides,
  };
}

/**
 * A consistent return of `original` for tests: each `{ line, quantity }` priced pro rata by
 * `priceReturnQuantity` given `returned` (what was returned of each original line before), refunded in
 * cash. Override anything afterwards to make it inconsistent on purpose.
 */
export function makeReturn(
  original: Sale,
  lines: { line: number; quantity: number; restock?: boolean }[],
  overrides: Partial<Sale> & { returned?: ReturnedLine[] } = {},
): Sale {
  const { returned = [], ...rest } = overrides;
  const returnLines = lines.map(({ line, quantity, restock = true }) => {
    const sold = original.lines[line]!;
    const amounts = priceReturnQuantity(sold, quantity, returned[line] ?? NOTHING_RETURNED);
    if (!amounts) throw new RangeError(`line ${line}: ${quantity} is more than is left`);
    return buildReturnLine(sold, line, quantity, restock, amounts);
  });
  const totals = {
    subtotalMinor: returnLines.reduce((s, l) => s + l.quantity * l.unitPriceMinor, 0),
    discountMinor: returnLines.reduce((s, l) => s + l.discountMinor, 0),
    taxMinor: returnLines.reduce((s, l) => s + l.taxMinor, 0),
    totalMinor: returnLines.reduce((s, l) => s + l.lineTotalMinor, 0),
  };
  return makeSale({
    terminalId: original.terminalId,
    branchId: original.branchId,
    currency: original.currency,
    kind: 'return',
    returnOf: {
      saleId: original.id,
      invoiceNo: original.invoiceNo,
      terminalId: original.terminalId,
      branchId: original.branchId,
      source: 'own',
    },
    reason: 'Changed mind',
    lines: returnLines,
    totals,
    payments: [{ method: 'cash', amountMinor: totals.totalMinor }],
    changeMinor: 0,
    ...rest,
  });
}

/**
 * A sale as releases before sale schema version 2 wrote it: without the fields version 2 added (kind,
 * customer, return and offline fields, and the lines' `originalLine` and `restock`).
 */
export function asVersion1Sale<T extends Sale>(sale: T): T {
  const old: Record<string, unknown> = { ...sale };
  for (const key of Object.keys(SALE_V2_DEFAULTS)) delete old[key];
  old['lines'] = sale.lines.map((line) => {
    const oldLine: Record<string, unknown> = { ...line };
    for (const key of Object.keys(SALE_LINE_V2_DEFAULTS)) delete oldLine[key];
    return oldLine;
  });
  return old as T;
}
