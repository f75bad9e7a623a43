import type { Cart, PricedCart } from './cart.ts';
import { removeLine, setLineDiscount, setQuantity } from './cart.ts';
import { DraftField } from './draft-field.tsx';
import { useI18n } from './i18n-context.tsx';

/** The lines of the sale being rung up, editable: quantity, line discount, removal. */
export function CartLines({
  cart,
  priced,
  currency,
  onChange,
}: {
  cart: Cart;
  priced: PricedCart;
  currency: string | null;
  onChange: (cart: Cart) => void;
}) {
  const { t, formatMoney, formatNumber, formatMoneyInput, parseMoney, parseInteger } = useI18n();
  if (priced.lines.length === 0) {
    return <p className="cart-empty">{t('cart.empty')}</p>;
  }
  const money = (minor: number) => (currency ? formatMoney(minor, currency) : '');
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
        {priced.lines.map((line) => {
          const name = line.product?.name ?? line.productId;
          return (
            <tr
              key={line.productId}
              className={line.problem ? 'cart-line has-problem' : 'cart-line'}
              data-testid="cart-line"
              data-product-id={line.productId}
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
                    onClick={() => onChange(setQuantity(cart, line.productId, line.quantity - 1))}
                  >
                    −
                  </button>
                  <DraftField
                    className="qty-input"
                    inputMode="numeric"
                    aria-label={t('cart.quantityOf', { name })}
                    data-testid="line-quantity"
                    value={line.quantity}
                    format={formatNumber}
                    parse={parseInteger}
                    onCommit={(quantity) => onChange(setQuantity(cart, line.productId, quantity))}
                  />
                  <button
                    type="button"
                    className="step"
                    aria-label={t('cart.increase', { name })}
                    onClick={() => onChange(setQuantity(cart, line.productId, line.quantity + 1))}
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
                    format={(minor) => (minor === 0 ? '' : formatMoneyInput(minor, currency))}
                    parse={(text) => (text.trim() === '' ? 0 : parseMoney(text, currency))}
                    onCommit={(minor) => onChange(setLineDiscount(cart, line.productId, minor))}
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
                  onClick={() => onChange(removeLine(cart, line.productId))}
                >
                  ×
                </button>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

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
