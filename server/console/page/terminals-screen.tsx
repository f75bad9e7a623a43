import { useCallback, useEffect, useState } from 'react';
import type { Branch } from './console-context.tsx';
import { useConsole, useRefusalFeed } from './console-context.tsx';
import { t } from './messages.ts';
import { ConfirmDialog, ErrorLine, formatTime, useAnnounce, useAnnounceError } from './ui.tsx';

/** How often the list is read again; contacts are recorded on every pull and push of a terminal. */
const REFRESH_MS = 5_000;

type TerminalRow = {
  id: string;
  branchId: string;
  name: string;
  revokedAt: string | null;
  lastPullAt: string | null;
  lastPushAt: string | null;
  queueDepth: number | null;
  stale: boolean;
  streams: { stream: string; checkpoint: number | null; lag: number | null }[];
  gaps: { posId: string; gaps: { from: number; to: number }[] }[];
};

const TERMINALS_QUERY = `{ terminals {
  id branchId name revokedAt lastPullAt lastPushAt queueDepth stale
  streams { stream checkpoint lag }
  gaps { posId gaps { from to } }
} }`;

function lastContact(row: TerminalRow): string | null {
  const times = [row.lastPullAt, row.lastPushAt].filter((v): v is string => v !== null);
  return times.length ? times.sort().at(-1)! : null;
}

export function TerminalsScreen() {
  const { api, branches } = useConsole();
  const announce = useAnnounce();
  const announceError = useAnnounceError();
  const [rows, setRows] = useState<TerminalRow[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [updated, setUpdated] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<TerminalRow | null>(null);
  const [moving, setMoving] = useState<TerminalRow | null>(null);
  const [target, setTarget] = useState('');

  const load = useCallback(async () => {
    try {
      const data = await api.gql<{ terminals: TerminalRow[] }>(TERMINALS_QUERY);
      setRows(data.terminals);
      setError(null);
      setUpdated(new Date().toISOString());
    } catch (e) {
      setError(e);
    }
  }, [api]);
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);
  useRefusalFeed(useCallback(() => void load(), [load]));

  const revoke = async (row: TerminalRow) => {
    setRevoking(null);
    try {
      await api.gql('mutation ($id: String!) { revokeTerminal(terminalId: $id) { id } }', {
        id: row.id,
      });
      announce(t('terminals.revoked.done', { name: row.name }));
      await load();
    } catch (e) {
      announceError(e);
    }
  };
  const reassign = async (row: TerminalRow, branchId: string) => {
    setMoving(null);
    try {
      const data = await api.gql<{ reassignTerminal: { token: string } }>(
        'mutation ($id: String!, $b: String!) { reassignTerminal(terminalId: $id, branchId: $b) { token } }',
        { id: row.id, b: branchId },
      );
      announce(
        t('terminals.reassigned', {
          name: row.name,
          branch: branchId,
          token: data.reassignTerminal.token,
        }),
      );
      await load();
    } catch (e) {
      announceError(e);
    }
  };

  return (
    <section aria-describedby="terminals-live">
      <p id="terminals-live" className="hint">
        {t('terminals.live', { seconds: REFRESH_MS / 1000 })}{' '}
        {updated ? t('common.updated', { time: formatTime(updated) }) : null}
      </p>
      <ErrorLine error={error} />
      {rows === null ? <p>{t('common.loading')}</p> : null}
      {rows !== null
        ? branches.map((branch) => (
            <BranchTerminals
              key={branch.id}
              branch={branch}
              rows={rows.filter((r) => r.branchId === branch.id)}
              onRevoke={setRevoking}
              onReassign={(row) => {
                setTarget(branches.find((b) => b.id !== row.branchId)?.id ?? '');
                setMoving(row);
              }}
            />
          ))
        : null}
      <ConfirmDialog
        open={revoking !== null}
        title={t('terminals.revoke')}
        confirmLabel={t('terminals.revoke')}
        onCancel={() => setRevoking(null)}
        onConfirm={() => revoking && void revoke(revoking)}
      >
        <p>
          {revoking ? t('terminals.revokeConfirm', { name: revoking.name, id: revoking.id }) : null}
        </p>
      </ConfirmDialog>
      <ConfirmDialog
        open={moving !== null}
        title={moving ? t('terminals.reassignTitle', { name: moving.name }) : ''}
        confirmLabel={t('terminals.reassign')}
        confirmDisabled={!target || target === moving?.branchId}
        onCancel={() => setMoving(null)}
        onConfirm={() => moving && void reassign(moving, target)}
      >
        <label htmlFor="reassign-branch">{t('terminals.reassignTo')}</label>
        <select id="reassign-branch" value={target} onChange={(e) => setTarget(e.target.value)}>
          {branches
            .filter((b) => b.id !== moving?.branchId)
            .map((b) => (
              <option key={b.id} value={b.id}>
                {b.name} ({b.id})
              </option>
            ))}
        </select>
        <p>{t('terminals.reassignConfirm')}</p>
      </ConfirmDialog>
    </section>
  );
}

function BranchTerminals(props: {
  branch: Branch;
  rows: TerminalRow[];
  onRevoke: (row: TerminalRow) => void;
  onReassign: (row: TerminalRow) => void;
}) {
  const headingId = `branch-${props.branch.id}`;
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>
        {props.branch.name} <span className="muted">({props.branch.id})</span>
      </h2>
      {props.rows.length === 0 ? (
        <p className="muted">{t('terminals.empty')}</p>
      ) : (
        <table className="grid" data-testid={`terminals-${props.branch.id}`}>
          <thead>
            <tr>
              <th scope="col">{t('terminals.name')}</th>
              <th scope="col">{t('terminals.lastContact')}</th>
              <th scope="col">{t('terminals.lag')}</th>
              <th scope="col">{t('terminals.queue')}</th>
              <th scope="col">{t('terminals.gaps')}</th>
              <th scope="col">{t('terminals.state')}</th>
              <th scope="col">{t('terminals.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map((row) => {
              const contact = lastContact(row);
              const gaps = row.gaps.flatMap((g) =>
                g.gaps.map((r) => `${g.posId}: ${r.from === r.to ? r.from : `${r.from}–${r.to}`}`),
              );
              return (
                <tr
                  key={row.id}
                  data-terminal={row.id}
                  className={row.stale || row.revokedAt ? 'warn' : ''}
                >
                  <th scope="row">
                    {row.name}
                    <div className="muted mono">{row.id}</div>
                  </th>
                  <td>{contact ? formatTime(contact) : t('terminals.never')}</td>
                  <td className="lag">
                    {row.streams.map((s) => (
                      <span key={s.stream} className="chip" data-stream={s.stream}>
                        {s.stream} {s.lag === null ? t('common.none') : s.lag}
                      </span>
                    ))}
                  </td>
                  <td>{row.queueDepth ?? t('common.none')}</td>
                  <td>{gaps.length ? gaps.join(', ') : t('terminals.noGaps')}</td>
                  <td>
                    {row.revokedAt
                      ? t('terminals.revoked')
                      : row.stale
                        ? t('terminals.stale')
                        : t('terminals.ok')}
                  </td>
                  <td className="actions">
                    <button
                      type="button"
                      disabled={row.revokedAt !== null}
                      onClick={() => props.onRevoke(row)}
                    >
                      {t('terminals.revoke')}
                    </button>
                    <button
                      type="button"
                      disabled={row.revokedAt !== null}
                      onClick={() => props.onReassign(row)}
                    >
                      {t('terminals.reassign')}
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
