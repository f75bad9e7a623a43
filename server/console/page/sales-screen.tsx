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

type KindSums = { count: number; totalMinor: number };

/** `salesTotals` as the summary shows it: each kind apart per currency, never summed together. */
type Summary = {
  count: number;
  currencies: {
    currency: string;
    sales: KindSums;
    returns: KindSums;
    settlements: { count: number; settledMinor: number };
    net: { taxMinor: number; totalMinor: number };
  }[];
};

const SUMMARY_QUERY = `query ($branchId: String, $terminalId: String, $from: String, $to: String, $invoiceNo: Int) {
  salesTotals(branchId: $branchId, terminalId: $terminalId, from: $from, to: $to, invoiceNo: $invoiceNo) {
    count currencies {
      currency sales { count totalMinor } returns { count totalMinor }
      settlements { count settledMinor } net { taxMinor totalMinor }
    }
  }
}`;

/** The number of documents of one kind over every currency (counts add up; amounts do not). */
function countOf(summary: Summary, kind: 'sales' | 'returns' | 'settlements'): number {
  return summary.currencies.reduce((n, c) => n + c[kind].count, 0);
}

/** Sales, returns and net per currency; settlements apart, as payments on account. */
function SummaryTable({ summary }: { summary: Summary }) {
  if (summary.currencies.length === 0) return null;
  const counted = (sums: KindSums, currency: string) =>
    t('sales.counted', { count: sums.count, amount: formatMoney(sums.totalMinor, currency) });
  return (
    <>
      <table className="grid totals" data-testid="sales-totals">
        <thead>
          <tr>
            <th scope="col">{t('sales.currency')}</th>
            <th scope="col">{t('sales.sales')}</th>
            <th scope="col">{t('sales.returns')}</th>
            <th scope="col">{t('sales.net')}</th>
            <th scope="col">{t('sales.netTax')}</th>
            <th scope="col">{t('sales.settlements')}</th>
          </tr>
        </thead>
        <tbody>
          {summary.currencies.map((c) => (
            <tr key={c.currency} data-currency={c.currency}>
              <th scope="row">{c.currency}</th>
              <td data-figure="sales">{counted(c.sales, c.currency)}</td>
              <td data-figure="returns">{counted(c.returns, c.currency)}</td>
              <td data-figure="net">
                <strong>{formatMoney(c.net.totalMinor, c.currency)}</strong>
              </td>
              <td data-figure="net-tax">{formatMoney(c.net.taxMinor, c.currency)}</td>
              <td data-figure="settlements">
                {t('sales.counted', {
                  count: c.settlements.count,
                  amount: formatMoney(c.settlements.settledMinor, c.currency),
                })}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">{t('sales.netNote')}</p>
    </>
  );
}

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
            <strong>
              {t('sales.summary', {
                sales: countOf(summary, 'sales'),
                returns: countOf(summary, 'returns'),
                settlements: countOf(summary, 'settlements'),
              })}
            </strong>
            <SummaryTable summary={summary} />
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
