import { useCallback, useEffect, useState } from 'react';
import type { ReviewAnswer, ReviewRow } from '../review-rows.ts';
import { reviewRows } from '../review-rows.ts';
import type { RefusedSale } from './console-context.tsx';
import { REFUSED_FIELDS, useConsole, useRefusalFeed } from './console-context.tsx';
import type { MessageKey } from './messages.ts';
import { t } from './messages.ts';
import type { Column } from './ui.tsx';
import {
  ErrorLine,
  VirtualTable,
  formatMoney,
  formatTime,
  useAnnounce,
  useAnnounceError,
  usePaged,
} from './ui.tsx';

type Filter = {
  branchId: string;
  terminalId: string;
  code: string;
  status: 'OPEN' | 'RESOLVED' | 'ALL';
};

const KNOWN_CODES = ['POS_SYNC_EVENT_INVALID', 'POS_SYNC_EVENT_DUPLICATE'];

const LIST_QUERY = `query ($branchId: String, $terminalId: String, $code: String, $status: RejectedEventStatus, $after: String) {
  rejectedEvents(branchId: $branchId, terminalId: $terminalId, code: $code, status: $status, first: 200, after: $after) {
    totalCount edges { node { ${REFUSED_FIELDS} } } pageInfo { endCursor hasNextPage }
  }
}`;

const REVIEW_QUERY = `query ($id: String!) { rejectedEventReview(id: $id) {
  event { id branchId terminalId eventId code message payload problems { rule path message }
    receivedAt resolution resolutionNote resolvedBy }
  computedLines { index taxMinor lineTotalMinor problem }
  computedTotals { subtotalMinor discountMinor taxMinor totalMinor }
  bookedSale { id terminalId posId localEventId branchId cashierId createdAt currency invoiceNo
    lines { productId sku name quantity unitPriceMinor discountMinor taxRateBps taxMinor lineTotalMinor }
    totals { subtotalMinor discountMinor taxMinor totalMinor }
    payments { method amountMinor } changeMinor }
  catalog { productId found sku name priceMinor currency taxRateBps updatedAt changedSinceSale }
} }`;

function matches(sale: RefusedSale, filter: Filter): boolean {
  return (
    (!filter.branchId || sale.branchId === filter.branchId) &&
    (!filter.terminalId || sale.terminalId === filter.terminalId) &&
    (!filter.code || sale.code === filter.code) &&
    filter.status !== 'RESOLVED'
  );
}

export function RefusedScreen() {
  const { api, branches } = useConsole();
  const [draft, setDraft] = useState<Filter>({
    branchId: '',
    terminalId: '',
    code: '',
    status: 'OPEN',
  });
  const [filter, setFilter] = useState<Filter>(draft);
  const [selected, setSelected] = useState<string | null>(null);
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const load = useCallback(
    async (after: string | null) =>
      (
        await api.gql(LIST_QUERY, {
          branchId: filter.branchId || null,
          terminalId: filter.terminalId || null,
          code: filter.code || null,
          status: filter.status,
          after,
        })
      ).rejectedEvents,
    [api, filter],
  );
  const list = usePaged<RefusedSale>(load, [filter]);
  const { rows, setRows } = list;
  useRefusalFeed(
    useCallback(
      (sale: RefusedSale) => {
        if (!matches(sale, filter)) return;
        setFresh((s) => new Set(s).add(sale.id));
        setRows(rows.some((r) => r.id === sale.id) ? rows : [...rows, sale]);
      },
      [filter, rows, setRows],
    ),
  );
  const columns: Column<RefusedSale>[] = [
    {
      key: 'received',
      label: t('refused.received'),
      width: '12.5rem',
      render: (r) => formatTime(r.receivedAt),
    },
    { key: 'branch', label: t('common.branch'), width: '6rem', render: (r) => r.branchId },
    {
      key: 'terminal',
      label: t('common.terminal'),
      width: '10rem',
      render: (r) => <span className="mono">{r.terminalId}</span>,
    },
    {
      key: 'code',
      label: t('refused.code'),
      width: '14rem',
      render: (r) => <span className="mono">{r.code}</span>,
    },
    {
      key: 'message',
      label: t('refused.message'),
      width: 'minmax(12rem, 1fr)',
      render: (r) => (
        <span title={r.message}>
          {fresh.has(r.id) ? <span className="badge">{t('refused.new')}</span> : null} {r.message}
        </span>
      ),
    },
    {
      key: 'resolution',
      label: t('refused.resolution'),
      width: '6rem',
      render: (r) => r.resolution ?? t('refused.open'),
    },
  ];
  return (
    <div className="split">
      <section className="list-pane">
        <p className="hint">{t('refused.live')}</p>
        <form
          className="filters"
          onSubmit={(e) => {
            e.preventDefault();
            setFilter(draft);
          }}
        >
          <label>
            {t('common.branch')}
            <select
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
          <label>
            {t('common.terminal')}
            <input
              value={draft.terminalId}
              onChange={(e) => setDraft({ ...draft, terminalId: e.target.value.trim() })}
            />
          </label>
          <label>
            {t('refused.code')}
            <input
              list="refusal-codes"
              value={draft.code}
              onChange={(e) => setDraft({ ...draft, code: e.target.value.trim() })}
            />
            <datalist id="refusal-codes">
              {KNOWN_CODES.map((c) => (
                <option key={c} value={c} />
              ))}
            </datalist>
          </label>
          <label>
            {t('refused.status')}
            <select
              value={draft.status}
              onChange={(e) => setDraft({ ...draft, status: e.target.value as Filter['status'] })}
            >
              {(['OPEN', 'RESOLVED', 'ALL'] as const).map((s) => (
                <option key={s} value={s}>
                  {t(`refused.status.${s}` as MessageKey)}
                </option>
              ))}
            </select>
          </label>
          <button type="submit">{t('common.apply')}</button>
        </form>
        <ErrorLine error={list.error} />
        {!list.loading && rows.length === 0 ? <p className="muted">{t('refused.empty')}</p> : null}
        <VirtualTable
          label={t('refused.title')}
          rows={rows}
          total={Math.max(list.total, rows.length)}
          columns={columns}
          rowKey={(r) => r.id}
          onEndReached={list.loadMore}
          onSelect={(r) => setSelected(r.id)}
          selectedKey={selected}
          rowClass={(r) => (fresh.has(r.id) ? 'fresh' : '')}
          height={360}
          testId="refused-list"
        />
      </section>
      <section className="detail-pane" aria-live="polite">
        {selected ? (
          <Review
            id={selected}
            onDecided={(decided) =>
              setRows(
                rows.map((r) =>
                  r.id === decided.id ? { ...r, resolution: decided.resolution } : r,
                ),
              )
            }
          />
        ) : (
          <p className="muted">{t('refused.select')}</p>
        )}
      </section>
    </div>
  );
}

type Review = ReviewAnswer & {
  event: ReviewAnswer['event'] & {
    id: string;
    terminalId: string;
    code: string;
    message: string;
    problems: { rule: string; path: string; message: string }[];
    receivedAt: string;
    resolution: string | null;
    resolutionNote: string | null;
    resolvedBy: string | null;
  };
  bookedSale: (Record<string, unknown> & { invoiceNo: number }) | null;
};

function Review(props: {
  id: string;
  onDecided: (decided: { id: string; resolution: string }) => void;
}) {
  const { api } = useConsole();
  const announce = useAnnounce();
  const announceError = useAnnounceError();
  const [review, setReview] = useState<Review | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const load = useCallback(async () => {
    try {
      setReview(
        (await api.gql<{ rejectedEventReview: Review }>(REVIEW_QUERY, { id: props.id }))
          .rejectedEventReview,
      );
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [api, props.id]);
  useEffect(() => {
    setReview(null);
    setNote('');
    void load();
  }, [load]);
  const decide = async (kind: 'accept' | 'discard') => {
    setBusy(true);
    try {
      const field = kind === 'accept' ? 'acceptRejectedSale' : 'discardRejectedSale';
      const data = await api.gql(
        `mutation ($id: String!, $note: String!) { ${field}(id: $id, note: $note) { id resolution } }`,
        { id: props.id, note },
      );
      announce(t(kind === 'accept' ? 'refused.accepted' : 'refused.discarded'));
      props.onDecided(data[field]);
      await load();
    } catch (e) {
      announceError(e);
    } finally {
      setBusy(false);
    }
  };
  if (error) return <ErrorLine error={error} />;
  if (!review) return <p>{t('common.loading')}</p>;
  const rows = reviewRows(review);
  const currency = String((review.event.payload as { currency?: unknown } | null)?.currency ?? '');
  const differing = rows.filter((r) => r.differs).length;
  const show = (row: ReviewRow, value: unknown) =>
    row.money && typeof value === 'number'
      ? formatMoney(value, currency)
      : value === undefined
        ? t('common.none')
        : JSON.stringify(value);
  return (
    <article aria-labelledby="review-title" data-testid="review">
      <h2 id="review-title">{t('refused.detail', { id: review.event.id })}</h2>
      <p>
        <span className="mono">{review.event.code}</span> — {review.event.message}
      </p>
      <p>
        {review.bookedSale
          ? t('refused.booked', { invoiceNo: review.bookedSale.invoiceNo })
          : t('refused.noBooked')}{' '}
        <strong data-testid="difference-count">
          {t('refused.differences', { count: differing })}
        </strong>
      </p>
      <table className="grid compare" data-testid="compare">
        <thead>
          <tr>
            <th scope="col">{t('refused.field')}</th>
            <th scope="col">{t('refused.pushed')}</th>
            <th scope="col">{t('refused.cloud')}</th>
            <th scope="col">{t('refused.source')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr
              key={`${row.source}:${row.field}`}
              className={row.differs ? 'differs' : ''}
              data-field={row.field}
              data-differs={row.differs}
            >
              <th scope="row" className="mono">
                {row.field}
                {row.differs ? <span className="sr-only"> ({t('refused.differs')})</span> : null}
              </th>
              <td>{show(row, row.pushed)}</td>
              <td>{show(row, row.cloud)}</td>
              <td>{t(`refused.source.${row.source}` as MessageKey)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>{t('refused.problems')}</h3>
      <ul className="problems">
        {review.event.problems.map((p, i) => (
          <li key={i}>
            <span className="mono">{p.rule}</span>{' '}
            {p.path ? <span className="mono">{p.path}</span> : null}: {p.message}
          </li>
        ))}
      </ul>
      {review.event.resolution ? (
        <p className="decided">
          {t('refused.decided', {
            resolution: review.event.resolution,
            by: review.event.resolvedBy ?? '',
            note: review.event.resolutionNote ?? '',
          })}
        </p>
      ) : (
        <form className="decision" onSubmit={(e) => e.preventDefault()}>
          <label htmlFor="decision-note">{t('refused.note')}</label>
          <textarea
            id="decision-note"
            required
            value={note}
            maxLength={2000}
            onChange={(e) => setNote(e.target.value)}
          />
          <div className="actions">
            <button
              type="button"
              className="primary"
              disabled={busy || !note.trim()}
              onClick={() => void decide('accept')}
            >
              {t('refused.accept')}
            </button>
            <button
              type="button"
              disabled={busy || !note.trim()}
              onClick={() => void decide('discard')}
            >
              {t('refused.discard')}
            </button>
          </div>
        </form>
      )}
    </article>
  );
}
