import type { BranchProduct, Payment, PaymentMethod, SaleTotals } from '../../schema/index.ts';
import { computeSaleLineAmounts, computeSaleTotals } from '../../schema/sale-totals.ts';
import type { SellInput } from '../build-sale.ts';

/**
 * The sale being rung up, as pure data. A line holds what the cashier chose (product, quantity,
 * discount), never a price: prices come from the live catalog each time the cart is priced, exactly as
 * `sell()` prices the sale from the local catalog, so what the page shows is what the sale will hold.
 */
export type Cart = {
  lines: readonly CartLine[];
  payments: readonly Payment[];
};

/** One line as the cashier chose it. */
export type CartLine = { productId: string; quantity: number; discountMinor: number };

/** Why a line cannot be sold as it stands. */
export type CartLineProblem = 'unavailable' | 'discount_too_large' | 'too_large';

/** A line with the product's current price and the amounts `computeSaleTotals` derives. */
export type PricedCartLine = CartLine & {
  product: BranchProduct | null;
  unitPriceMinor: number;
  taxRateBps: number;
  grossMinor: number;
  netMinor: number;
  taxMinor: number;
  lineTotalMinor: number;
  problem: CartLineProblem | null;
};

/** A priced cart: lines, totals over the sellable lines, and where the payments stand. */
export type PricedCart = {
  lines: PricedCartLine[];
  totals: SaleTotals;
  paidMinor: number;
  /** What is still to pay (0 once paid). */
  dueMinor: number;
  /** Cash handed back: what was paid beyond the total. */
  changeMinor: number;
  /** Every line sellable, at least one line, and the payments cover the total. */
  canComplete: boolean;
};

/** Largest quantity of one line (the sale schema's bound). */
export const MAX_QUANTITY = 1_000_000;

/** Largest number of lines (`sellInputSchema`). */
export const MAX_LINES = 1000;

/** Largest number of payments (`sellInputSchema`). */
export const MAX_PAYMENTS = 20;

/** An empty cart. */
export const EMPTY_CART: Cart = { lines: [], payments: [] };

/**
 * Adds a product: one more of it when it is already in the cart (a scanner reading the same item
 * twice), a new line at the end otherwise.
 */
export function addProduct(cart: Cart, productId: string, quantity = 1): Cart {
  const index = cart.lines.findIndex((line) => line.productId === productId);
  if (index >= 0) {
    const line = cart.lines[index]!;
    return setQuantity(cart, productId, line.quantity + quantity);
  }
  if (cart.lines.length >= MAX_LINES) return cart;
  return {
    ...cart,
    lines: [...cart.lines, { productId, quantity: clampQuantity(quantity), discountMinor: 0 }],
  };
}

/** Sets a line's quantity; zero or less removes the line. */
export function setQuantity(cart: Cart, productId: string, quantity: number): Cart {
  if (quantity <= 0) return removeLine(cart, productId);
  return mapLine(cart, productId, (line) => ({ ...line, quantity: clampQuantity(quantity) }));
}

/** Sets the discount of a whole line in minor units (kept as typed: pricing flags one too large). */
export function setLineDiscount(cart: Cart, productId: string, discountMinor: number): Cart {
  const discount = Number.isSafeInteger(discountMinor) && discountMinor > 0 ? discountMinor : 0;
  return mapLine(cart, productId, (line) => ({ ...line, discountMinor: discount }));
}

/** Removes a line. */
export function removeLine(cart: Cart, productId: string): Cart {
  return { ...cart, lines: cart.lines.filter((line) => line.productId !== productId) };
}

/** Adds a tender. Amounts of zero are ignored: they record nothing. */
export function addPayment(cart: Cart, method: PaymentMethod, amountMinor: number): Cart {
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) return cart;
  if (cart.payments.length >= MAX_PAYMENTS) return cart;
  return { ...cart, payments: [...cart.payments, { method, amountMinor }] };
}

/** Removes the tender at `index`. */
export function removePayment(cart: Cart, index: number): Cart {
  return { ...cart, payments: cart.payments.filter((_, i) => i !== index) };
}

/**
 * Checks a tender before it is added: only cash may exceed what is due (change is counted out in
 * cash; a card or voucher charged above the total would have to be refunded). Null when acceptable.
 */
export function checkPayment(
  priced: Pick<PricedCart, 'dueMinor'>,
  method: PaymentMethod,
  amountMinor: number,
): 'invalid_amount' | 'change_only_cash' | null {
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) return 'invalid_amount';
  if (method !== 'cash' && amountMinor > priced.dueMinor) return 'change_only_cash';
  return null;
}

/**
 * Prices the cart against the current catalog. A line whose product is gone or inactive, or whose
 * discount exceeds its amount, is flagged and left out of the totals (the sale cannot complete until
 * the cashier fixes it), the rules `priceSaleLine` and `buildSale` apply when the sale is built.
 */
export function priceCart(
  cart: Cart,
  products: ReadonlyMap<string, BranchProduct>,
  branchCurrency: string | null,
): PricedCart {
  const currency = saleCurrency(cart, products, branchCurrency);
  const lines = cart.lines.map((line) => priceLine(line, products.get(line.productId), currency));
  const sellable = lines.filter((line) => line.problem === null);
  const totals = computeSaleTotals(
    sellable.map((line) => ({
      quantity: line.quantity,
      unitPriceMinor: line.unitPriceMinor,
      discountMinor: line.discountMinor,
      taxRateBps: line.taxRateBps,
    })),
  );
  const paidMinor = cart.payments.reduce((sum, payment) => sum + payment.amountMinor, 0);
  return {
    lines,
    totals,
    paidMinor,
    dueMinor: Math.max(0, totals.totalMinor - paidMinor),
    changeMinor: Math.max(0, paidMinor - totals.totalMinor),
    canComplete:
      lines.length > 0 && sellable.length === lines.length && paidMinor >= totals.totalMinor,
  };
}

/**
 * The currency the sale will be in: the branch's, or (a branch without one) the first line's product
 * currency, as `buildSale` decides it.
 */
export function saleCurrency(
  cart: Cart,
  products: ReadonlyMap<string, BranchProduct>,
  branchCurrency: string | null,
): string | null {
  if (branchCurrency) return branchCurrency;
  const first = cart.lines[0];
  return (first && products.get(first.productId)?.currency) ?? null;
}

/**
 * Round cash amounts above what is due, as a cashier is handed them: the amount due itself, then the
 * next multiples of 5, 10, 20 and 50 major units (`digits`: the currency's minor-unit digits), at most
 * four in all.
 */
export function quickCashAmounts(dueMinor: number, digits: number): number[] {
  const unit = 10 ** digits;
  const amounts = [dueMinor];
  for (const step of [5, 10, 20, 50]) {
    const note = Math.ceil(dueMinor / (step * unit)) * step * unit;
    if (note > dueMinor && !amounts.includes(note)) amounts.push(note);
  }
  return amounts.slice(0, 4);
}

/**
 * Whether typed text may be a scanned code rather than an amount: eight digits or more with no
 * separator (EAN-8, EAN-13, UPC). A wedge scanner types into whichever field has the focus; the page
 * looks such digits up as a barcode first (large amounts without separators are real in currencies
 * without minor units, so a miss is still an amount).
 */
export function looksLikeBarcode(text: string): boolean {
  return /^\d{8,}$/.test(text);
}

/** What `sell()` receives for the cart: products, quantities, discounts and the tenders. */
export function toSellInput(cart: Cart, cashierId?: string | null): SellInput {
  return {
    lines: cart.lines.map(({ productId, quantity, discountMinor }) => ({
      productId,
      quantity,
      discountMinor,
    })),
    payments: cart.payments.map(({ method, amountMinor }) => ({ method, amountMinor })),
    ...(cashierId === undefined ? {} : { cashierId }),
  };
}

function priceLine(
  line: CartLine,
  product: BranchProduct | undefined,
  currency: string | null,
): PricedCartLine {
  const zero = { grossMinor: 0, netMinor: 0, taxMinor: 0, lineTotalMinor: 0 };
  if (!product || !product.active || product.currency !== currency) {
    return {
      ...line,
      product: product ?? null,
      unitPriceMinor: product?.priceMinor ?? 0,
      taxRateBps: product?.taxRateBps ?? 0,
      ...zero,
      problem: 'unavailable',
    };
  }
  const pricing = {
    quantity: line.quantity,
    unitPriceMinor: product.priceMinor,
    discountMinor: line.discountMinor,
    taxRateBps: product.taxRateBps,
  };
  const base = {
    ...line,
    product,
    unitPriceMinor: product.priceMinor,
    taxRateBps: product.taxRateBps,
  };
  const gross = BigInt(line.quantity) * BigInt(product.priceMinor);
  if (gross > BigInt(Number.MAX_SAFE_INTEGER)) return { ...base, ...zero, problem: 'too_large' };
  if (BigInt(line.discountMinor) > gross) {
    return { ...base, ...zero, grossMinor: Number(gross), problem: 'discount_too_large' };
  }
  return { ...base, ...computeSaleLineAmounts(pricing), problem: null };
}

function mapLine(cart: Cart, productId: string, change: (line: CartLine) => CartLine): Cart {
  return {
    ...cart,
    lines: cart.lines.map((line) => (line.productId === productId ? change(line) : line)),
  };
}

function clampQuantity(quantity: number): number {
  return Math.min(MAX_QUANTITY, Math.max(1, Math.trunc(quantity)));
}
