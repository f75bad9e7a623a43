import { useCallback, useState } from 'react';
import type { ExportedSale, SalesExportFilter } from '../sales-export.ts';
import { EXPORT_SALES_QUERY, exportSales } from '../sales-export.ts';
import { useConsole } from './console-context.tsx';
import { t } from './messages.ts';
import type { Column } from './ui.tsx';
import {
  ErrorLine,
  VirtualTable,
  formatMoney,
  formatTime,
  isoOfLocal,
  useAnnounce,
  useAnnounceError,
  usePaged,
} from './ui.tsx';

type Draft = { branchId: string; terminalId: string; from: string; to: string; invoiceNo: string };

type Summary = {
  count: number;
  currencies: {
    currency: string;
    count: number;
    subtotalMinor: number;
    discountMinor: number;
    taxMinor: number;
    totalMinor: number;
  }[];
};

const SUMMARY_QUERY = `query ($branchId: String, $terminalId: String, $from: String, $to: String, $invoiceNo: Int) {
  salesTotals(branchId: $branchId, terminalId: $terminalId, from: $from, to: $to, invoiceNo: $invoiceNo) {
    count currencies { currency count subtotalMinor discountMinor taxMinor totalMinor }
  }
}`;

/** The API filter of the form's values (times in the operator's zone, sent as UTC). */
function filterOf(draft: Draft): SalesExportFilter {
  const invoiceNo = /^\d{1,15}$/.test(draft.invoiceNo.trim())
    ? Number(draft.invoiceNo.trim())
    : undefined;
  return {
    ...(draft.branchId ? { branchId: draft.branchId } : {}),
    ...(draft.terminalId ? { terminalId: draft.terminalId } : {}),
    ...(isoOfLocal(draft.from) ? { from: isoOfLocal(draft.from) } : {}),
    ...(isoOfLocal(draft.to) ? { to: isoOfLocal(draft.to) } : {}),
    ...(invoiceNo ? { invoiceNo } : {}),
  };
}

/** Hands a file to the browser's download. */
function download(parts: BlobPart[], name: string, type: string): void {
  const url = URL.createObjectURL(new Blob(parts, { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The list's columns: fixed, so the memoised rows keep their output while the list scrolls. */
const COLUMNS: Column<ExportedSale>[] = [
  { key: 'invoice', label: t('sales.invoice'), width: '7rem', render: (s) => s.invoiceNo },
  { key: 'branch', label: t('common.branch'), width: '7rem', render: (s) => s.branchId },
  {
    key: 'terminal',
    label: t('common.terminal'),
    width: 'minmax(8rem, 1fr)',
    render: (s) => <span className="mono">{s.terminalId}</span>,
  },
  {
    key: 'created',
    label: t('sales.created'),
    width: '13rem',
    render: (s) => formatTime(s.createdAt),
  },
  { key: 'lines', label: t('sales.lines'), width: '4rem', render: (s) => s.lines.length },
  {
    key: 'total',
    label: t('sales.total'),
    width: '9rem',
    render: (s) => formatMoney(s.totals.totalMinor, s.currency),
  },
];

export function SalesScreen() {
  const { api, branches } = useConsole();
  const announce = useAnnounce();
  const announceError = useAnnounceError();
  const [draft, setDraft] = useState<Draft>({
    branchId: '',
    terminalId: '',
    from: '',
    to: '',
    invoiceNo: '',
  });
  const [filter, setFilter] = useState<SalesExportFilter>({});
  const [summary, setSummary] = useState<Summary | null>(null);
  const [exporting, setExporting] = useState<number | null>(null);
  const load = useCallback(
    async (after: string | null) => {
      // A small first page paints sooner; pages of 200 keep each arrival's parse and render short.
      const first = after === null ? 50 : 200;
      const page = (await api.gql(EXPORT_SALES_QUERY, { ...filter, after, first })).sales;
      if (after === null) {
        // The sums read every sale of the filter: asked for once the first rows are on screen.
        setSummary(null);
        api
          .gql<{ salesTotals: Summary }>(SUMMARY_QUERY, { ...filter })
          .then((data) => setSummary(data.salesTotals))
          .catch(() => setSummary(null));
      }
      return page;
    },
    [api, filter],
  );
  const list = usePaged<ExportedSale>(load, [filter]);
  const runExport = async (format: 'csv' | 'ndjson') => {
    setExporting(0);
    const parts: string[] = [];
    try {
      const count = await exportSales(
        (query, variables) => api.answer(query, variables),
        filter,
        format,
        (text) => {
          parts.push(text);
          setExporting((n) => (n ?? 0) + (format === 'ndjson' ? text.split('\n').length - 1 : 0));
        },
      );
      download(
        parts,
        `sales.${format}`,
        format === 'csv' ? 'text/csv;charset=utf-8' : 'application/x-ndjson',
      );
      announce(t('sales.exported', { count }));
    } catch (e) {
      announceError(e);
    } finally {
      setExporting(null);
    }
  };
  const field = (name: keyof Draft, label: string, type = 'text') => (
    <label>
      {label}
      <input
        type={type}
        name={name}
        value={draft[name]}
        onChange={(e) => setDraft({ ...draft, [name]: e.target.value })}
      />
    </label>
  );
  return (
    <section>
      <form
        className="filters"
        aria-label={t('sales.search')}
        onSubmit={(e) => {
          e.preventDefault();
          setFilter(filterOf(draft));
        }}
      >
        <label>
          {t('common.branch')}
          <select
            name="branchId"
            value={draft.branchId}
            onChange={(e) => setDraft({ ...draft, branchId: e.target.value })}
          >
            <option value="">{t('common.allBranches')}</option>
            {branches.map((b) => (
              <option key={b.id} value={b.id}>
                {b.name}
              </option>
            ))}
          </select>
        </label>
        {field('terminalId', t('common.terminal'))}
        {field('from', t('common.from'), 'datetime-local')}
        {field('to', t('common.to'), 'datetime-local')}
        {field('invoiceNo', t('sales.invoice'))}
        <button type="submit">{t('sales.search')}</button>
      </form>
      <div className="summary" aria-live="polite" data-testid="sales-summary">
        {summary ? (
          <>
            <strong>{t('sales.summary', { count: summary.count })}</strong>
            <ul>
              {summary.currencies.map((c) => (
                <li key={c.currency}>
                  {t('sales.sum', {
                    currency: c.currency,
                    count: c.count,
                    subtotal: formatMoney(c.subtotalMinor, c.currency),
                    discount: formatMoney(c.discountMinor, c.currency),
                    tax: formatMoney(c.taxMinor, c.currency),
                    total: formatMoney(c.totalMinor, c.currency),
                  })}
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </div>
      <div className="actions">
        <button type="button" disabled={exporting !== null} onClick={() => void runExport('csv')}>
          {t('sales.exportCsv')}
        </button>
        <button
          type="button"
          disabled={exporting !== null}
          onClick={() => void runExport('ndjson')}
        >
          {t('sales.exportNdjson')}
        </button>
        {exporting !== null ? (
          <span role="status">{t('sales.exporting', { count: exporting })}</span>
        ) : null}
      </div>
      <ErrorLine error={list.error} />
      {!list.loading && list.rows.length === 0 ? <p className="muted">{t('sales.empty')}</p> : null}
      <VirtualTable
        label={t('sales.title')}
        rows={list.rows}
        total={list.total}
        columns={COLUMNS}
        rowKey={(s) => s.id}
        onEndReached={list.loadMore}
        height={520}
        testId="sales-list"
      />
    </section>
  );
}
