import { useCallback, useEffect, useState } from 'react';
import type { ImportReport } from '../product-import.ts';
import { PRODUCT_CSV_COLUMNS } from '../product-csv-columns.ts';
import { useConsole } from './console-context.tsx';
import { t } from './messages.ts';
import type { Column } from './ui.tsx';
import {
  ErrorLine,
  VirtualTable,
  formatMoney,
  useAnnounce,
  useAnnounceError,
  usePaged,
} from './ui.tsx';

type ProductRow = {
  id: string;
  sku: string;
  barcode: string | null;
  name: string;
  priceMinor: number;
  currency: string;
  taxRateBps: number;
  active: boolean;
};

const LIST_QUERY = `query ($search: String, $after: String) {
  productList(search: $search, first: 500, after: $after) {
    totalCount edges { node { id sku barcode name priceMinor currency taxRateBps active } }
    pageInfo { endCursor hasNextPage }
  }
}`;

/** The list's columns: fixed, so the memoised rows keep their output while the list scrolls. */
const COLUMNS: Column<ProductRow>[] = [
  { key: 'id', label: 'Id', width: '8rem', render: (p) => <span className="mono">{p.id}</span> },
  {
    key: 'sku',
    label: 'SKU',
    width: '8rem',
    render: (p) => <span className="mono">{p.sku}</span>,
  },
  {
    key: 'barcode',
    label: 'Barcode',
    width: '8.5rem',
    render: (p) => <span className="mono">{p.barcode ?? ''}</span>,
  },
  { key: 'name', label: 'Name', width: 'minmax(10rem, 1fr)', render: (p) => p.name },
  {
    key: 'price',
    label: t('catalog.price'),
    width: '7.5rem',
    render: (p) => formatMoney(p.priceMinor, p.currency),
  },
  { key: 'tax', label: t('catalog.tax'), width: '3.5rem', render: (p) => `${p.taxRateBps / 100}%` },
  {
    key: 'active',
    label: t('catalog.active'),
    width: '4.5rem',
    render: (p) => (p.active ? t('common.yes') : t('common.no')),
  },
];

export function CatalogScreen() {
  const { api } = useConsole();
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => setQuery(search.trim()), 250);
    return () => clearTimeout(timer);
  }, [search]);
  const [generation, setGeneration] = useState(0);
  const load = useCallback(
    async (after: string | null) =>
      (await api.gql(LIST_QUERY, { search: query || null, after })).productList,
    [api, query],
  );
  const list = usePaged<ProductRow>(load, [query, generation]);
  return (
    <div className="split">
      <section className="list-pane">
        <label htmlFor="product-search" className="block-label">
          {t('catalog.search')}
        </label>
        <input
          className="search"
          id="product-search"
          type="search"
          value={search}
          placeholder={t('catalog.searchHint')}
          onChange={(e) => setSearch(e.target.value)}
        />
        <ErrorLine error={list.error} />
        {!list.loading && list.rows.length === 0 ? (
          <p className="muted">{t('catalog.empty')}</p>
        ) : null}
        <VirtualTable
          label={t('catalog.title')}
          rows={list.rows}
          total={list.total}
          columns={COLUMNS}
          rowKey={(p) => p.id}
          onEndReached={list.loadMore}
          height={480}
          testId="product-list"
        />
      </section>
      <ImportPanel onImported={() => setGeneration((g) => g + 1)} />
    </div>
  );
}

type Phase =
  | { kind: 'idle' }
  | { kind: 'checking'; done: number; total: number }
  | { kind: 'checked'; report: ImportReport }
  | { kind: 'importing'; done: number; total: number; report: ImportReport }
  | { kind: 'imported'; count: number };

function ImportPanel(props: { onImported: () => void }) {
  const { api, branches } = useConsole();
  const announce = useAnnounce();
  const announceError = useAnnounceError();
  const currencies = [...new Set(branches.map((b) => b.currency).filter((c): c is string => !!c))];
  const [currency, setCurrency] = useState(currencies[0] ?? 'EUR');
  const [file, setFile] = useState<File | null>(null);
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const [error, setError] = useState<unknown>(null);
  const gql = (q: string, v?: Record<string, unknown>) => api.answer(q, v);

  const check = async () => {
    if (!file) return;
    setError(null);
    setPhase({ kind: 'checking', done: 0, total: 0 });
    try {
      // The CSV parser and the product schema load with the first import, not with the console.
      const { dryRunProductFile } = await import('../product-import.ts');
      const report = await dryRunProductFile(gql, file, currency, (done, total) =>
        setPhase({ kind: 'checking', done, total }),
      );
      setPhase({ kind: 'checked', report });
      announce(t('catalog.report', { good: report.good.length, bad: report.bad.length }));
    } catch (e) {
      setError(e);
      setPhase({ kind: 'idle' });
      announceError(e);
    }
  };
  const run = async (report: ImportReport) => {
    setPhase({ kind: 'importing', done: 0, total: report.good.length, report });
    try {
      const { importRows } = await import('../product-import.ts');
      const count = await importRows(
        gql,
        report.good.map((r) => r.input),
        (done, total) => setPhase({ kind: 'importing', done, total, report }),
      );
      setPhase({ kind: 'imported', count });
      announce(t('catalog.imported', { count }));
      props.onImported();
    } catch (e) {
      setError(e);
      setPhase({ kind: 'checked', report });
      announceError(e);
    }
  };
  const progress = phase.kind === 'checking' || phase.kind === 'importing' ? phase : null;
  const report = phase.kind === 'checked' || phase.kind === 'importing' ? phase.report : null;
  return (
    <section className="detail-pane" aria-labelledby="import-title">
      <h2 id="import-title">{t('catalog.import')}</h2>
      <p className="hint">
        {t('catalog.importHelp', {
          columns: Object.entries(PRODUCT_CSV_COLUMNS)
            .map(([name, spec]) => (spec.required ? name : `${name} (optional)`))
            .join(', '),
        })}
      </p>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          {t('catalog.currency')}
          <select value={currency} onChange={(e) => setCurrency(e.target.value)}>
            {(currencies.length ? currencies : ['EUR']).map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('catalog.file')}
          <input
            type="file"
            accept=".csv,text/csv"
            data-testid="import-file"
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              setPhase({ kind: 'idle' });
            }}
          />
        </label>
        <button type="button" disabled={!file || progress !== null} onClick={() => void check()}>
          {t('catalog.dryRun')}
        </button>
      </form>
      <ErrorLine error={error} />
      {progress ? (
        <div className="progress-block">
          <label htmlFor="import-progress">
            {t(phase.kind === 'checking' ? 'catalog.checking' : 'catalog.importing', {
              done: progress.done,
              total: progress.total,
            })}
          </label>
          <progress id="import-progress" max={Math.max(progress.total, 1)} value={progress.done} />
        </div>
      ) : null}
      {report ? <ImportReportView report={report} /> : null}
      {phase.kind === 'checked' &&
      report &&
      report.bad.length === 0 &&
      report.headerProblems.length === 0 &&
      report.good.length > 0 ? (
        <button type="button" className="primary" onClick={() => void run(report)}>
          {t('catalog.importRun', { count: report.good.length })}
        </button>
      ) : null}
      {phase.kind === 'imported' ? (
        <p role="status" className="ok-line">
          {t('catalog.imported', { count: phase.count })}
        </p>
      ) : null}
    </section>
  );
}

function ImportReportView({ report }: { report: ImportReport }) {
  if (report.headerProblems.length > 0) {
    return (
      <p className="error-line" role="alert">
        {t('catalog.headerBad', { problems: report.headerProblems.join('; ') })}
      </p>
    );
  }
  return (
    <div data-testid="import-report">
      <p className={report.bad.length ? 'error-line' : 'ok-line'}>
        {report.bad.length
          ? t('catalog.reportBad', { bad: report.bad.length })
          : t('catalog.reportClean', { good: report.good.length })}
      </p>
      {report.bad.length ? (
        <table className="grid" data-testid="bad-rows">
          <thead>
            <tr>
              <th scope="col">{t('catalog.line')}</th>
              <th scope="col">Id</th>
              <th scope="col">{t('catalog.reasons')}</th>
            </tr>
          </thead>
          <tbody>
            {report.bad.slice(0, 1000).map((row) => (
              <tr key={row.line} data-line={row.line}>
                <td>{row.line}</td>
                <td className="mono">{row.id ?? ''}</td>
                <td>{row.reasons.join('; ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
