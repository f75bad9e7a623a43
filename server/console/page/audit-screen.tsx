import { useCallback, useState } from 'react';
import { AUDIT_ENTITY_TYPES } from '../../../schema/audit-entity.ts';
import { useConsole } from './console-context.tsx';
import { t } from './messages.ts';
import type { Column } from './ui.tsx';
import { ErrorLine, VirtualTable, formatTime, isoOfLocal, usePaged } from './ui.tsx';

type Entry = {
  id: string;
  at: string;
  actor: string;
  action: string;
  entityType: string;
  target: string | null;
  details: unknown;
  offline: boolean;
};

type Draft = {
  entityType: string;
  entityId: string;
  actor: string;
  from: string;
  to: string;
  offline: '' | 'true' | 'false';
};

const AUDIT_QUERY = `query ($entityType: String, $entityId: String, $actor: String, $from: String, $to: String, $offline: Boolean, $after: String) {
  auditLog(entityType: $entityType, entityId: $entityId, actor: $actor, from: $from, to: $to, offline: $offline, first: 200, after: $after) {
    totalCount edges { node { id at actor action entityType target details offline } } pageInfo { endCursor hasNextPage }
  }
}`;

function variablesOf(draft: Draft) {
  return {
    entityType: draft.entityType || null,
    entityId: draft.entityId.trim() || null,
    actor: draft.actor.trim() || null,
    from: isoOfLocal(draft.from) ?? null,
    to: isoOfLocal(draft.to) ?? null,
    offline: draft.offline === '' ? null : draft.offline === 'true',
  };
}

/** The list's columns: fixed, so the memoised rows keep their output while the list scrolls. */
const COLUMNS: Column<Entry>[] = [
  { key: 'at', label: t('audit.at'), width: '13rem', render: (e) => formatTime(e.at) },
  {
    key: 'actor',
    label: t('audit.actor'),
    width: '14rem',
    render: (e) => <span className="mono">{e.actor}</span>,
  },
  { key: 'action', label: t('audit.action'), width: '11rem', render: (e) => e.action },
  { key: 'entity', label: t('audit.entityType'), width: '8rem', render: (e) => e.entityType },
  {
    key: 'target',
    label: t('audit.entityId'),
    width: '12rem',
    render: (e) => <span className="mono">{e.target ?? t('common.none')}</span>,
  },
  {
    key: 'offline',
    label: t('audit.offline'),
    width: '5rem',
    render: (e) => (e.offline ? t('common.yes') : t('common.no')),
  },
  {
    key: 'details',
    label: t('audit.details'),
    width: 'minmax(10rem, 1fr)',
    render: (e) => {
      const text = JSON.stringify(e.details);
      return (
        <span className="mono ellipsis" title={text}>
          {text}
        </span>
      );
    },
  },
];

export function AuditScreen() {
  const { api } = useConsole();
  const empty: Draft = { entityType: '', entityId: '', actor: '', from: '', to: '', offline: '' };
  const [draft, setDraft] = useState<Draft>(empty);
  const [filter, setFilter] = useState<Draft>(empty);
  const load = useCallback(
    async (after: string | null) =>
      (await api.gql(AUDIT_QUERY, { ...variablesOf(filter), after })).auditLog,
    [api, filter],
  );
  const list = usePaged<Entry>(load, [filter]);
  const text = (name: 'entityId' | 'actor', label: string) => (
    <label>
      {label}
      <input
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
        aria-label={t('audit.title')}
        onSubmit={(e) => {
          e.preventDefault();
          setFilter(draft);
        }}
      >
        <label>
          {t('audit.entityType')}
          <select
            name="entityType"
            value={draft.entityType}
            onChange={(e) => setDraft({ ...draft, entityType: e.target.value })}
          >
            <option value="">{t('common.any')}</option>
            {AUDIT_ENTITY_TYPES.map((type) => (
              <option key={type} value={type}>
                {type}
              </option>
            ))}
          </select>
        </label>
        {text('entityId', t('audit.entityId'))}
        {text('actor', t('audit.actor'))}
        <label>
          {t('common.from')}
          <input
            type="datetime-local"
            step="1"
            value={draft.from}
            onChange={(e) => setDraft({ ...draft, from: e.target.value })}
          />
        </label>
        <label>
          {t('common.to')}
          <input
            type="datetime-local"
            step="1"
            value={draft.to}
            onChange={(e) => setDraft({ ...draft, to: e.target.value })}
          />
        </label>
        <label>
          {t('audit.offline')}
          <select
            name="offline"
            value={draft.offline}
            onChange={(e) => setDraft({ ...draft, offline: e.target.value as Draft['offline'] })}
          >
            <option value="">{t('common.any')}</option>
            <option value="true">{t('common.yes')}</option>
            <option value="false">{t('common.no')}</option>
          </select>
        </label>
        <button type="submit">{t('common.apply')}</button>
        <button
          type="button"
          onClick={() => {
            setDraft(empty);
            setFilter(empty);
          }}
        >
          {t('common.clear')}
        </button>
      </form>
      <ErrorLine error={list.error} />
      {!list.loading && list.rows.length === 0 ? <p className="muted">{t('audit.empty')}</p> : null}
      <VirtualTable
        label={t('audit.title')}
        rows={list.rows}
        total={list.total}
        columns={COLUMNS}
        rowKey={(e) => e.id}
        onEndReached={list.loadMore}
        height={520}
        testId="audit-list"
      />
    </section>
  );
}
