import { useVirtualizer } from '@tanstack/react-virtual';
import type { ReactNode } from 'react';
import { createContext, memo, useCallback, useContext, useEffect, useRef, useState } from 'react';
import { currencyDigits, minorToDecimal } from '../money-text.ts';
import { describeError } from './api.ts';
import { t } from './messages.ts';

/** Minor units as an exact decimal with the currency code: 1299 EUR → "12.99 EUR". */
export function formatMoney(minor: number | null | undefined, currency: string | null | undefined) {
  if (minor === null || minor === undefined) return t('common.none');
  if (!currency) return String(minor);
  try {
    return `${minorToDecimal(minor, currencyDigits(currency))} ${currency}`;
  } catch {
    return `${minor} ${currency}`;
  }
}

/** An ISO time shown in the operator's zone, to the second. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return t('common.none');
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : TIME_FORMAT.format(date);
}

/** One formatter for every row: `toLocaleString` would build a new one per call. */
const TIME_FORMAT = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'short',
  timeStyle: 'medium',
  hour12: false,
});

/** A `datetime-local` value as the API's ISO time (UTC, milliseconds), or undefined when empty. */
export function isoOfLocal(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

type Announcement = { text: string; tone: 'info' | 'error'; id: number };
const AnnounceContext = createContext<(text: string, tone?: 'info' | 'error') => void>(() => {});

/** Tells the operator (and screen readers) how an action went. */
export function useAnnounce() {
  return useContext(AnnounceContext);
}

/** Announces a failure with its stable code and message. */
export function useAnnounceError() {
  const announce = useAnnounce();
  return useCallback(
    (error: unknown) => announce(t('error.generic', describeError(error)), 'error'),
    [announce],
  );
}

/** One polite live region for the page, shown as a toast. */
export function Announcer({ children }: { children: ReactNode }) {
  const [announcement, setAnnouncement] = useState<Announcement | null>(null);
  const announce = useCallback((text: string, tone: 'info' | 'error' = 'info') => {
    setAnnouncement((before) => ({ text, tone, id: (before?.id ?? 0) + 1 }));
  }, []);
  return (
    <AnnounceContext.Provider value={announce}>
      {children}
      <div
        className={`toast ${announcement ? `toast-${announcement.tone}` : 'toast-empty'}`}
        role={announcement?.tone === 'error' ? 'alert' : 'status'}
        aria-live={announcement?.tone === 'error' ? 'assertive' : 'polite'}
        data-testid="announcement"
      >
        <span key={announcement?.id}>{announcement?.text}</span>
        {announcement ? (
          <button
            type="button"
            className="toast-close"
            aria-label={t('common.close')}
            onClick={() => setAnnouncement(null)}
          >
            ×
          </button>
        ) : null}
      </div>
    </AnnounceContext.Provider>
  );
}

/** An error shown in place (a list that failed to load), with its code. */
export function ErrorLine({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p className="error-line" role="alert">
      {t('error.generic', describeError(error))}
    </p>
  );
}

/** A modal confirmation (native `<dialog>`: focus is trapped and Escape cancels). */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel?: string;
  confirmDisabled?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) dialog.showModal();
    if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  return (
    <dialog ref={ref} aria-labelledby="confirm-title" onCancel={props.onCancel} className="dialog">
      <h2 id="confirm-title">{props.title}</h2>
      <div className="dialog-body">{props.children}</div>
      <div className="dialog-actions">
        <button type="button" onClick={props.onCancel}>
          {t('common.cancel')}
        </button>
        <button
          type="button"
          className="primary"
          disabled={props.confirmDisabled}
          onClick={props.onConfirm}
        >
          {props.confirmLabel ?? t('common.confirm')}
        </button>
      </div>
    </dialog>
  );
}

/** A column of a virtualised table. */
export type Column<T> = {
  key: string;
  label: string;
  width: string;
  render: (row: T) => ReactNode;
};

/**
 * A table of many rows where only the visible ones are in the DOM (@tanstack/react-virtual). Rows
 * are a fixed height; reaching the end asks for the next page. Arrow keys move between rows.
 */
export function VirtualTable<T>(props: {
  label: string;
  rows: T[];
  total: number;
  columns: Column<T>[];
  rowKey: (row: T) => string;
  rowHeight?: number;
  height?: number;
  onEndReached?: () => void;
  onSelect?: (row: T) => void;
  selectedKey?: string | null;
  rowClass?: (row: T) => string;
  testId?: string;
}) {
  const rowHeight = props.rowHeight ?? 36;
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: props.rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 8,
  });
  const items = virtualizer.getVirtualItems();
  const last = items.at(-1)?.index ?? -1;
  const { onEndReached, rows, total } = props;
  useEffect(() => {
    if (onEndReached && last >= rows.length - 20 && rows.length < total) onEndReached();
  }, [last, rows.length, total, onEndReached]);
  const template = props.columns.map((c) => c.width).join(' ');
  return (
    <div className="vtable" role="table" aria-label={props.label} aria-rowcount={props.total + 1}>
      <div className="vtable-head" role="rowgroup">
        <div
          className="vtable-row"
          role="row"
          aria-rowindex={1}
          style={{ gridTemplateColumns: template }}
        >
          {props.columns.map((c) => (
            <div key={c.key} role="columnheader" className="vtable-cell">
              {c.label}
            </div>
          ))}
        </div>
      </div>
      <div
        ref={scrollRef}
        className="vtable-body"
        role="rowgroup"
        style={{ height: props.height ?? 480 }}
        data-testid={props.testId}
        tabIndex={0}
      >
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const row = props.rows[item.index]!;
            const key = props.rowKey(row);
            return (
              <VirtualRow
                key={key}
                row={row}
                rowKey={key}
                index={item.index}
                top={item.start}
                height={rowHeight}
                template={template}
                columns={props.columns}
                selected={props.selectedKey === key}
                extraClass={props.rowClass?.(row) ?? ''}
                onSelect={props.onSelect}
              />
            );
          })}
        </div>
      </div>
      {props.rows.length === 0 ? null : (
        <p className="vtable-count">
          {t('common.rows', { count: props.rows.length, total: props.total })}
        </p>
      )}
    </div>
  );
}

type VirtualRowProps<T> = {
  row: T;
  rowKey: string;
  index: number;
  top: number;
  height: number;
  template: string;
  columns: Column<T>[];
  selected: boolean;
  extraClass: string;
  onSelect?: (row: T) => void;
};

/**
 * One row, memoised: while the list scrolls only the rows coming into view render; the others keep
 * their output and move by `transform` alone.
 */
const VirtualRow = memo(function VirtualRow<T>(props: VirtualRowProps<T>) {
  const { onSelect, row } = props;
  return (
    <div
      role="row"
      aria-rowindex={props.index + 2}
      aria-selected={onSelect ? props.selected : undefined}
      tabIndex={onSelect ? 0 : undefined}
      className={`vtable-row ${props.selected ? 'selected' : ''} ${props.extraClass}`}
      data-key={props.rowKey}
      style={{
        gridTemplateColumns: props.template,
        position: 'absolute',
        top: 0,
        left: 0,
        right: 0,
        height: props.height,
        transform: `translateY(${props.top}px)`,
      }}
      onClick={onSelect ? () => onSelect(row) : undefined}
      onKeyDown={(event) => {
        if (!onSelect) return;
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          onSelect(row);
        } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
          event.preventDefault();
          const next = event.currentTarget[
            event.key === 'ArrowDown' ? 'nextElementSibling' : 'previousElementSibling'
          ] as HTMLElement | null;
          next?.focus();
        }
      }}
    >
      {props.columns.map((c) => (
        <div key={c.key} role="cell" className="vtable-cell">
          {c.render(row)}
        </div>
      ))}
    </div>
  );
}) as <T>(props: VirtualRowProps<T>) => ReactNode;

/** A connection read page by page: the rows so far, the total, and the next page on demand. */
export function usePaged<T>(
  load: (after: string | null) => Promise<{
    totalCount: number;
    edges: { node: T }[];
    pageInfo: { endCursor: string | null; hasNextPage: boolean };
  }>,
  deps: unknown[],
) {
  const [state, setState] = useState<{
    rows: T[];
    total: number;
    after: string | null;
    more: boolean;
    loading: boolean;
    error: unknown;
  }>({ rows: [], total: 0, after: null, more: false, loading: true, error: null });
  const generation = useRef(0);
  const busy = useRef(false);
  const fetchPage = useCallback(
    async (reset: boolean) => {
      if (busy.current && !reset) return;
      const mine = reset ? ++generation.current : generation.current;
      busy.current = true;
      setState((s) => ({
        ...s,
        loading: true,
        error: null,
        ...(reset ? { rows: [], after: null } : {}),
      }));
      try {
        const page = await load(reset ? null : state.after);
        if (mine !== generation.current) return;
        setState((s) => ({
          rows: reset
            ? page.edges.map((e) => e.node)
            : [...s.rows, ...page.edges.map((e) => e.node)],
          total: page.totalCount,
          after: page.pageInfo.endCursor,
          more: page.pageInfo.hasNextPage,
          loading: false,
          error: null,
        }));
      } catch (error) {
        if (mine === generation.current) setState((s) => ({ ...s, loading: false, error }));
      } finally {
        if (mine === generation.current) busy.current = false;
      }
    },
    [load, state.after],
  );
  useEffect(() => {
    void fetchPage(true);
  }, deps);
  const loadMore = useCallback(() => {
    if (state.more && !state.loading) void fetchPage(false);
  }, [state.more, state.loading, fetchPage]);
  return {
    ...state,
    loadMore,
    reload: () => fetchPage(true),
    setRows: (rows: T[]) => setState((s) => ({ ...s, rows })),
  };
}
