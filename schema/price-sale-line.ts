import { PosError } from './pos-error.ts';
import type { BranchProduct } from './product.ts';
import type { SaleLine, SaleLineInput } from './sale.ts';
import { saleLineInputSchema } from './sale.ts';
import { computeSaleLine } from './sale-totals.ts';

/**
 * Turns what the cashier asked for into a priced sale line, with the branch price and tax rate of the
 * product as the terminal holds it. Throws `POS_PRODUCT_UNAVAILABLE` for a missing, deleted or inactive
 * product, and `POS_INPUT_INVALID` for a bad quantity or a discount above the line amount: both are the
 * cashier's mistakes to show, not data to store.
 */
export function priceSaleLine(
  input: SaleLineInput,
  product: BranchProduct | null | undefined,
  currency: string,
): SaleLine {
  const parsed = saleLineInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new PosError('POS_INPUT_INVALID', 'invalid sale line', { issues: parsed.error.issues });
  }
  const line = parsed.data;
  if (!product || !product.active || product.id !== line.productId) {
    throw new PosError('POS_PRODUCT_UNAVAILABLE', `product ${line.productId} cannot be sold`, {
      productId: line.productId,
    });
  }
  if (product.currency !== currency) {
    throw new PosError(
      'POS_INPUT_INVALID',
      `product ${product.id} is priced in ${product.currency}`,
      {
        productId: product.id,
        currency,
      },
    );
  }
  if (line.discountMinor > line.quantity * product.priceMinor) {
    throw new PosError('POS_INPUT_INVALID', 'discount exceeds the line amount', {
      productId: product.id,
    });
  }
  return computeSaleLine({
    productId: product.id,
    sku: product.sku,
    name: product.name,
    quantity: line.quantity,
    unitPriceMinor: product.priceMinor,
    discountMinor: line.discountMinor,
    taxRateBps: product.taxRateBps,
  });
}
