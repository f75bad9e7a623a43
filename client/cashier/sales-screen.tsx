import { useMemo, useState } from 'react';
import type { MangoQuery } from 'rxdb';
import { useLiveRxQuery } from 'rxdb/plugins/react';
import type { Sale, SaleSyncState } from '../../schema/index.ts';
import { useAnnounce } from './announcer.tsx';
import { useI18n } from './i18n-context.tsx';
import { SyncBadge } from './sync-badge.tsx';
import { useTerminal } from './terminal-context.tsx';

/** Sales shown at once, newest first. */
const SALES_LIMIT = 200;

type Filter = 'all' | 'attention' | 'queued';

const FILTER_STATES: Record<Filter, SaleSyncState | null> = {
  all: null,
  attention: 'needs_attention',
  queued: 'queued',
};

/**
 * This terminal's sales with their sync state, live. A refused sale shows the cloud's code and
 * message and can be queued again; the terminal decides whether it goes (see `requeue`).
 */
export function SalesScreen() {
  const { t, formatMoney, formatNumber, formatOrdinal, formatDateTime } = useI18n();
  const terminal = useTerminal();
  const announce = useAnnounce();
  const [filter, setFilter] = useState<Filter>('all');
  const [pending, setPending] = useState<string | null>(null);
  const query = useMemo<MangoQuery<Sale>>(() => {
    const state = FILTER_STATES[filter];
    return {
      selector: state ? { syncState: state } : {},
      sort: [{ createdAt: 'desc' }],
      limit: SALES_LIMIT,
    };
  }, [filter]);
  const { results } = useLiveRxQuery<Sale>({ collection: 'sales', query });
  const sales = useMemo(() => results.map((doc) => doc.toJSON() as Sale), [results]);

  const requeue = async (sale: Sale) => {
    setPending(sale.id);
    try {
      const requeued = await terminal.requeue([sale.id]);
      announce(
        requeued.includes(sale.id) ? t('sales.requeued') : t('sales.notRequeued'),
        requeued.includes(sale.id) ? 'info' : 'error',
      );
    } catch (error) {
      announce(t('error.generic', { message: (error as Error).message }), 'error');
    } finally {
      setPending(null);
    }
  };

  return (
    <section className="screen" aria-labelledby="sales-title">
      <header className="screen-head">
        <h1 id="sales-title">{t('sales.title')}</h1>
        <div className="chips" role="group" aria-label={t('sales.filter')}>
          {(['all', 'attention', 'queued'] as const).map((value) => (
            <button
              key={value}
              type="button"
              className="chip"
              aria-pressed={filter === value}
              onClick={() => setFilter(value)}
            >
              {t(`sales.filter.${value}` as const)}
            </button>
          ))}
        </div>
      </header>
      {sales.length === 0 ? (
        <p className="empty">{t('sales.empty')}</p>
      ) : (
        <table className="data-table" data-testid="sales-table">
          <thead>
            <tr>
              <th scope="col" className="num">
                {t('sales.local')}
              </th>
              <th scope="col">{t('sales.time')}</th>
              <th scope="col" className="num">
                {t('sales.items')}
              </th>
              <th scope="col" className="num">
                {t('sales.total')}
              </th>
              <th scope="col" className="num">
                {t('sales.invoice')}
              </th>
              <th scope="col">{t('sales.state')}</th>
            </tr>
          </thead>
          <tbody>
            {sales.map((sale) => (
              <SaleRow
                key={sale.id}
                sale={sale}
                busy={pending === sale.id}
                onRequeue={() => void requeue(sale)}
                text={{
                  local: formatOrdinal(sale.localEventId),
                  time: formatDateTime(sale.createdAt),
                  items: formatNumber(sale.lines.reduce((sum, line) => sum + line.quantity, 0)),
                  total: formatMoney(sale.totals.totalMinor, sale.currency),
                  invoice: sale.invoiceNo === null ? '—' : formatOrdinal(sale.invoiceNo),
                }}
              />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function SaleRow({
  sale,
  text,
  busy,
  onRequeue,
}: {
  sale: Sale;
  text: { local: string; time: string; items: string; total: string; invoice: string };
  busy: boolean;
  onRequeue: () => void;
}) {
  const { t } = useI18n();
  return (
    <>
      <tr data-testid="sale-row" data-sale-id={sale.id} data-local-id={sale.localEventId}>
        <th scope="row" className="num">
          {text.local}
        </th>
        <td>
          <time dateTime={sale.createdAt}>{text.time}</time>
        </td>
        <td className="num">{text.items}</td>
        <td className="num">{text.total}</td>
        <td className="num" data-testid="sale-invoice">
          {text.invoice}
        </td>
        <td>
          <SyncBadge sale={sale} />
        </td>
      </tr>
      {sale.lastError && sale.syncState !== 'synced' ? (
        <tr className="error-row" data-testid="sale-error" data-sale-id={sale.id}>
          <td colSpan={6}>
            <div className="error-detail">
              <code data-testid="sale-error-code">{sale.lastError.code}</code>
              <span className="error-message">{sale.lastError.message}</span>
              {sale.syncState === 'needs_attention' ? (
                <button
                  type="button"
                  className="secondary"
                  data-testid="requeue"
                  disabled={busy}
                  onClick={onRequeue}
                >
                  {t('sales.requeue')}
                </button>
              ) : null}
            </div>
          </td>
        </tr>
      ) : null}
    </>
  );
}
