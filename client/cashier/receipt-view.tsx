import { useEffect, useRef } from 'react';
import type { Sale } from '../../schema/index.ts';
import { useSale } from './catalog-hooks.ts';
import { useI18n } from './i18n-context.tsx';
import { methodKey } from './payment-panel.tsx';
import { SyncBadge } from './sync-badge.tsx';

/**
 * The receipt of the sale just completed. It follows the stored sale live, so the invoice number
 * appears as soon as the cloud's booked copy is pulled, without the cashier doing anything.
 */
export function ReceiptView({ sale: completed, onNewSale }: { sale: Sale; onNewSale: () => void }) {
  const { t, formatMoney, formatNumber, formatOrdinal, formatDateTime } = useI18n();
  const live = useSale(completed.id);
  const sale = live ?? completed;
  const newSaleRef = useRef<HTMLButtonElement>(null);
  useEffect(() => newSaleRef.current?.focus(), []);
  const money = (minor: number) => formatMoney(minor, sale.currency);
  return (
    <section className="receipt" aria-labelledby="receipt-title" data-testid="receipt">
      <header className="receipt-head">
        <h2 id="receipt-title" className="panel-title">
          {t('receipt.title')}
        </h2>
        <SyncBadge sale={sale} />
      </header>
      <p className="receipt-numbers">
        <span data-testid="receipt-local">
          {t('receipt.local', { number: formatOrdinal(sale.localEventId) })}
        </span>
        <span data-testid="receipt-invoice" aria-live="polite">
          {sale.invoiceNo === null
            ? t('receipt.invoicePending')
            : t('receipt.invoice', { number: formatOrdinal(sale.invoiceNo) })}
        </span>
        <time dateTime={sale.createdAt}>{formatDateTime(sale.createdAt)}</time>
      </p>
      <table className="receipt-lines">
        <tbody>
          {sale.lines.map((line) => (
            <tr key={line.productId}>
              <td>
                {line.name}
                <span className="receipt-qty">
                  {formatNumber(line.quantity)} × {money(line.unitPriceMinor)}
                  {line.discountMinor > 0 ? ` − ${money(line.discountMinor)}` : ''}
                </span>
              </td>
              <td className="num">{money(line.lineTotalMinor)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <dl className="totals compact">
        <div className="totals-row">
          <dt>{t('totals.subtotal')}</dt>
          <dd>{money(sale.totals.subtotalMinor)}</dd>
        </div>
        {sale.totals.discountMinor > 0 ? (
          <div className="totals-row">
            <dt>{t('totals.discount')}</dt>
            <dd>−{money(sale.totals.discountMinor)}</dd>
          </div>
        ) : null}
        <div className="totals-row">
          <dt>{t('totals.tax')}</dt>
          <dd>{money(sale.totals.taxMinor)}</dd>
        </div>
        <div className="totals-row grand">
          <dt>{t('totals.total')}</dt>
          <dd data-testid="receipt-total">{money(sale.totals.totalMinor)}</dd>
        </div>
        {sale.payments.map((payment, index) => (
          <div className="totals-row" key={index}>
            <dt>{t(methodKey(payment.method))}</dt>
            <dd>{money(payment.amountMinor)}</dd>
          </div>
        ))}
      </dl>
      <div className="change-due" data-testid="receipt-change" id="receipt-change">
        <span>{t('receipt.change')}</span>
        <strong>{money(sale.changeMinor)}</strong>
      </div>
      <button
        ref={newSaleRef}
        type="button"
        className="primary wide"
        aria-describedby="receipt-change"
        onClick={onNewSale}
      >
        {t('receipt.newSale')}
      </button>
    </section>
  );
}
