import { useEffect, useRef, useState } from 'react';
import type { BranchProduct, PaymentMethod } from '../../schema/index.ts';
import type { Cart, PricedCart } from './cart.ts';
import {
  addPayment,
  checkPayment,
  looksLikeBarcode,
  priceCart,
  quickCashAmounts,
  removePayment,
} from './cart.ts';
import { currencyDigits, toAsciiDigits } from './i18n.ts';
import { useI18n } from './i18n-context.tsx';

/** The tenders the till offers; `voucher` stays in the data model for integrations. */
export const TILL_METHODS = ['cash', 'card', 'other'] as const satisfies readonly PaymentMethod[];

/** The catalogue key naming a payment method. */
export function methodKey(method: PaymentMethod) {
  return `pay.method.${method}` as const;
}

/**
 * Takes the payments. Enter in the amount field adds the tender with the chosen method; once the
 * payments cover the total it completes the sale. The field starts with what is due, selected, so an
 * exact payment is one Enter and cash handed over is typed over it.
 */
export function PaymentPanel({
  cart,
  priced,
  products,
  currency,
  busy,
  onChange,
  onComplete,
  onBack,
  onScan,
}: {
  cart: Cart;
  priced: PricedCart;
  products: ReadonlyMap<string, BranchProduct>;
  currency: string;
  busy: boolean;
  onChange: (cart: Cart) => void;
  onComplete: (cart: Cart) => void;
  onBack: () => void;
  /** Digits that may be a scan: adds the product and resolves true when one has that code. */
  onScan: (code: string) => Promise<boolean>;
}) {
  const { t, formatMoney, formatMoneyInput, parseMoney } = useI18n();
  const [method, setMethod] = useState<PaymentMethod>('cash');
  const [amount, setAmount] = useState(() => formatMoneyInput(priced.dueMinor, currency));
  const [error, setError] = useState<string | null>(null);
  const amountRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    setAmount(formatMoneyInput(priced.dueMinor, currency));
    amountRef.current?.focus();
    amountRef.current?.select();
  }, [priced.dueMinor, currency, formatMoneyInput]);

  const tender = (tenderMethod: PaymentMethod, minor: number | null) => {
    if (busy) return;
    if (minor === null) {
      setError(t('pay.invalidAmount', { example: formatMoneyInput(priced.dueMinor, currency) }));
      return;
    }
    if (minor === 0 && priced.canComplete) {
      onComplete(cart);
      return;
    }
    const problem = checkPayment(priced, tenderMethod, minor);
    if (problem) {
      setError(
        problem === 'change_only_cash'
          ? t('pay.changeOnlyCash')
          : t('pay.invalidAmount', { example: formatMoneyInput(priced.dueMinor, currency) }),
      );
      return;
    }
    setError(null);
    const next = addPayment(cart, tenderMethod, minor);
    if (priceCart(next, products, currency).canComplete) onComplete(next);
    else onChange(next);
  };

  return (
    <section className="payment" aria-labelledby="payment-title">
      <h2 id="payment-title" className="panel-title">
        {t('pay.title')}
      </h2>
      <fieldset className="methods">
        <legend>{t('pay.method')}</legend>
        {TILL_METHODS.map((m) => (
          <label key={m} className={m === method ? 'method selected' : 'method'}>
            <input
              type="radio"
              name="method"
              value={m}
              checked={m === method}
              onChange={() => {
                setMethod(m);
                amountRef.current?.focus();
              }}
            />
            {t(methodKey(m))}
          </label>
        ))}
      </fieldset>
      <form
        className="amount-row"
        onSubmit={(event) => {
          event.preventDefault();
          // A scanner read while the amount field has the focus is an item, not a tender.
          const typed = toAsciiDigits(amount.trim());
          const asAmount = () => tender(method, typed === '' ? 0 : parseMoney(typed, currency));
          if (!looksLikeBarcode(typed)) asAmount();
          else
            void onScan(typed).then((found) => {
              if (!found) asAmount();
            });
        }}
      >
        <label htmlFor="pay-amount">{t('pay.amount')}</label>
        <input
          id="pay-amount"
          ref={amountRef}
          className="amount-input"
          data-testid="pay-amount"
          inputMode="decimal"
          autoComplete="off"
          value={amount}
          aria-describedby="pay-hint pay-error"
          aria-invalid={error ? true : undefined}
          onChange={(event) => setAmount(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Escape') onBack();
          }}
        />
        <button type="submit" className="primary" disabled={busy}>
          {priced.canComplete ? t('pay.complete') : t('pay.add')}
        </button>
      </form>
      <p id="pay-hint" className="hint">
        {t('pay.keyboardHint')}
      </p>
      <p id="pay-error" className="field-error" role="alert">
        {error}
      </p>
      {method === 'cash' && priced.dueMinor > 0 ? (
        <div className="quick-cash">
          {quickCashAmounts(priced.dueMinor, currencyDigits(currency)).map((minor) => (
            <button
              key={minor}
              type="button"
              className="quick"
              disabled={busy}
              onClick={() => tender('cash', minor)}
            >
              {formatMoney(minor, currency)}
            </button>
          ))}
        </div>
      ) : null}
      {cart.payments.length > 0 ? (
        <ul className="payments" aria-label={t('pay.payments')}>
          {cart.payments.map((payment, index) => {
            const label = `${t(methodKey(payment.method))} ${formatMoney(payment.amountMinor, currency)}`;
            return (
              <li key={index} data-testid="payment">
                <span>{label}</span>
                <button
                  type="button"
                  className="icon-button"
                  aria-label={t('pay.remove', {
                    method: t(methodKey(payment.method)),
                    amount: formatMoney(payment.amountMinor, currency),
                  })}
                  onClick={() => onChange(removePayment(cart, index))}
                >
                  ×
                </button>
              </li>
            );
          })}
        </ul>
      ) : null}
      <div className="payment-actions">
        <button type="button" className="secondary" onClick={onBack}>
          {t('pay.back')}
        </button>
        {priced.canComplete ? (
          <button
            type="button"
            className="primary"
            disabled={busy}
            onClick={() => onComplete(cart)}
          >
            {t('pay.complete')}
          </button>
        ) : null}
      </div>
    </section>
  );
}
