import { memo, useCallback } from 'react';
import type { Cart, PricedCart, PricedCartLine } from './cart.ts';
import { removeLine, setLineDiscount, setQuantity } from './cart.ts';
import { DraftField } from './draft-field.tsx';
import { useI18n } from './i18n-context.tsx';

/** A change to the cart, given as a function of the cart it applies to (a state updater). */
export type CartUpdate = (change: (cart: Cart) => Cart) => void;

/**
 * The lines of the sale being rung up, editable: quantity, line discount, removal. Each line is its
 * own memoised row, so a scan that adds a line renders that line, not every line already rung up.
 */
export function CartLines({
  priced,
  currency,
  onChange,
}: {
  priced: PricedCart;
  currency: string | null;
  onChange: CartUpdate;
}) {
  const { t } = useI18n();
  if (priced.lines.length === 0) {
    return <p className="cart-empty">{t('cart.empty')}</p>;
  }
  return (
    <table className="cart-table" aria-label={t('cart.title')}>
      <thead>
        <tr>
          <th scope="col">{t('cart.item')}</th>
          <th scope="col" className="num">
            {t('cart.quantity')}
          </th>
          <th scope="col" className="num">
            {t('cart.discount')}
          </th>
          <th scope="col" className="num">
            {t('cart.lineTotal')}
          </th>
          <th scope="col">
            <span className="visually-hidden">{t('cart.remove', { name: '' })}</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {priced.lines.map((line) => (
          <CartLineRow key={line.productId} line={line} currency={currency} onChange={onChange} />
        ))}
      </tbody>
    </table>
  );
}

/** What a row shows: a line priced again with the same figures renders nothing new. */
function sameRow(
  before: { line: PricedCartLine; currency: string | null; onChange: CartUpdate },
  after: { line: PricedCartLine; currency: string | null; onChange: CartUpdate },
): boolean {
  const a = before.line;
  const b = after.line;
  return (
    before.currency === after.currency &&
    before.onChange === after.onChange &&
    a.productId === b.productId &&
    a.quantity === b.quantity &&
    a.discountMinor === b.discountMinor &&
    a.unitPriceMinor === b.unitPriceMinor &&
    a.lineTotalMinor === b.lineTotalMinor &&
    a.problem === b.problem &&
    a.product?.name === b.product?.name &&
    a.product?.sku === b.product?.sku
  );
}

const CartLineRow = memo(function CartLineRow({
  line,
  currency,
  onChange,
}: {
  line: PricedCartLine;
  currency: string | null;
  onChange: CartUpdate;
}) {
  const { t, formatMoney, formatNumber, formatMoneyInput, parseMoney, parseInteger } = useI18n();
  const { productId, quantity } = line;
  const name = line.product?.name ?? productId;
  const money = (minor: number) => (currency ? formatMoney(minor, currency) : '');
  // Stable while the currency is: a new `format` would reset a discount being typed.
  const formatDiscount = useCallback(
    (minor: number) => (minor === 0 || !currency ? '' : formatMoneyInput(minor, currency)),
    [currency, formatMoneyInput],
  );
  const parseDiscount = useCallback(
    (text: string) => (text.trim() === '' ? 0 : currency ? parseMoney(text, currency) : null),
    [currency, parseMoney],
  );
  return (
    <tr
      className={line.problem ? 'cart-line has-problem' : 'cart-line'}
      data-testid="cart-line"
      data-product-id={productId}
    >
      <th scope="row" className="cart-item">
        <span className="cart-item-name">{name}</span>
        <span className="cart-item-meta">
          <bdi>{line.product?.sku}</bdi> · {money(line.unitPriceMinor)}
        </span>
        {line.problem ? (
          <span className="line-problem" role="note">
            {line.problem === 'discount_too_large'
              ? t('cart.discountTooLarge')
              : t('cart.unavailable')}
          </span>
        ) : null}
      </th>
      <td className="num">
        <div className="stepper">
          <button
            type="button"
            className="step"
            aria-label={t('cart.decrease', { name })}
            onClick={() => onChange((cart) => setQuantity(cart, productId, quantity - 1))}
          >
            −
          </button>
          <DraftField
            className="qty-input"
            inputMode="numeric"
            aria-label={t('cart.quantityOf', { name })}
            data-testid="line-quantity"
            value={quantity}
            format={formatNumber}
            parse={parseInteger}
            onCommit={(next) => onChange((cart) => setQuantity(cart, productId, next))}
          />
          <button
            type="button"
            className="step"
            aria-label={t('cart.increase', { name })}
            onClick={() => onChange((cart) => setQuantity(cart, productId, quantity + 1))}
          >
            +
          </button>
        </div>
      </td>
      <td className="num">
        {currency ? (
          <DraftField
            className="discount-input"
            aria-label={t('cart.discountOf', { name })}
            value={line.discountMinor}
            format={formatDiscount}
            parse={parseDiscount}
            onCommit={(minor) => onChange((cart) => setLineDiscount(cart, productId, minor))}
          />
        ) : null}
      </td>
      <td className="num line-total" data-testid="line-total">
        {money(line.lineTotalMinor)}
      </td>
      <td>
        <button
          type="button"
          className="icon-button remove"
          aria-label={t('cart.remove', { name })}
          onClick={() => onChange((cart) => removeLine(cart, productId))}
        >
          ×
        </button>
      </td>
    </tr>
  );
}, sameRow);

/** Subtotal, discounts, tax and the total, large; paid and due once payments start. */
export function Totals({ priced, currency }: { priced: PricedCart; currency: string | null }) {
  const { t, formatMoney } = useI18n();
  const money = (minor: number) => (currency ? formatMoney(minor, currency) : '—');
  const { totals } = priced;
  return (
    <dl className="totals" data-testid="totals">
      <div className="totals-row">
        <dt>{t('totals.subtotal')}</dt>
        <dd>{money(totals.subtotalMinor)}</dd>
      </div>
      {totals.discountMinor > 0 ? (
        <div className="totals-row">
          <dt>{t('totals.discount')}</dt>
          <dd>−{money(totals.discountMinor)}</dd>
        </div>
      ) : null}
      <div className="totals-row">
        <dt>{t('totals.tax')}</dt>
        <dd>{money(totals.taxMinor)}</dd>
      </div>
      <div className="totals-row grand">
        <dt>{t('totals.total')}</dt>
        <dd data-testid="total">{money(totals.totalMinor)}</dd>
      </div>
      {priced.paidMinor > 0 ? (
        <>
          <div className="totals-row">
            <dt>{t('totals.paid')}</dt>
            <dd>{money(priced.paidMinor)}</dd>
          </div>
          <div className="totals-row due">
            <dt>{priced.changeMinor > 0 ? t('totals.change') : t('totals.due')}</dt>
            <dd data-testid="due">
              {money(priced.changeMinor > 0 ? priced.changeMinor : priced.dueMinor)}
            </dd>
          </div>
        </>
      ) : null}
    </dl>
  );
}
