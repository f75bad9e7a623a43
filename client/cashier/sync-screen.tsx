import { useState } from 'react';
import type { TerminalStatus } from '../terminal-status.ts';
import type { ReconcileResult } from '../terminal.ts';
import { useI18n } from './i18n-context.tsx';
import { useTerminal } from './terminal-context.tsx';

/**
 * The terminal's sync state as status reports it, and "Verify catalog": a reconcile against the
 * cloud whose applied plan (missing, out-of-date and extra documents, by id) is shown as it came back.
 */
export function SyncScreen({ status }: { status: TerminalStatus | undefined }) {
  const { t, formatNumber, formatOrdinal, formatDateTime } = useI18n();
  const terminal = useTerminal();
  const [plan, setPlan] = useState<ReconcileResult | null>(null);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const verify = async () => {
    setRunning(true);
    setError(null);
    try {
      setPlan(await terminal.reconcile());
    } catch (cause) {
      setError(t('sync.verifyFailed', { message: (cause as Error).message }));
    } finally {
      setRunning(false);
    }
  };

  const when = (iso: string | null | undefined) => (iso ? formatDateTime(iso) : t('sync.never'));
  const seq = (value: number | null | undefined) => (value == null ? '—' : formatOrdinal(value));

  return (
    <section className="screen" aria-labelledby="sync-title">
      <header className="screen-head">
        <h1 id="sync-title">{t('sync.title')}</h1>
        <button
          type="button"
          className="primary"
          data-testid="verify-catalog"
          disabled={running}
          onClick={() => void verify()}
        >
          {running ? t('sync.verifying') : t('sync.verify')}
        </button>
      </header>
      {status ? (
        <div className="cards">
          <dl className="card" data-testid="sync-connection">
            <div>
              <dt>{t('sync.connection')}</dt>
              <dd>
                <span className={status.online ? 'dot online' : 'dot offline'} aria-hidden="true" />
                {status.online ? t('status.online') : t('status.offline')}
              </dd>
            </div>
            <div>
              <dt>{t('sync.lastPull')}</dt>
              <dd>{when(status.lastPullAt)}</dd>
            </div>
            <div>
              <dt>{t('sync.lastPush')}</dt>
              <dd>{when(status.lastPushAt)}</dd>
            </div>
            <div>
              <dt>{t('sync.terminal')}</dt>
              <dd className="ids">
                <bdi>{status.branchId}</bdi>
                <bdi>{status.terminalId}</bdi>
              </dd>
            </div>
          </dl>
          <dl className="card" data-testid="sync-sales">
            <div>
              <dt>{t('sync.queued')}</dt>
              <dd className="big" data-testid="sync-queued">
                {formatNumber(status.queued)}
              </dd>
            </div>
            <div>
              <dt>{t('sync.synced')}</dt>
              <dd>{formatNumber(status.synced)}</dd>
            </div>
            <div>
              <dt>{t('sync.attention')}</dt>
              <dd>{formatNumber(status.needsAttention)}</dd>
            </div>
            {status.discarded > 0 ? (
              <div>
                <dt>{t('sync.discarded')}</dt>
                <dd>{formatNumber(status.discarded)}</dd>
              </div>
            ) : null}
          </dl>
          <dl className="card" data-testid="sync-catalog">
            <div>
              <dt>{t('sync.products')}</dt>
              <dd>
                {formatNumber(status.catalog.products)}
                <span className="sub">
                  {t('sync.checkpoint')} {seq(status.catalog.checkpoint.products)}
                </span>
              </dd>
            </div>
            <div>
              <dt>{t('sync.categories')}</dt>
              <dd>
                {formatNumber(status.catalog.categories)}
                <span className="sub">
                  {t('sync.checkpoint')} {seq(status.catalog.checkpoint.categories)}
                </span>
              </dd>
            </div>
            {status.catalog.snapshotting ? (
              <div>
                <dd>{t('sync.snapshot', { count: status.catalog.snapshotPulled })}</dd>
              </div>
            ) : null}
            <div>
              <dt>{t('sync.lastReconcile')}</dt>
              <dd>{when(status.lastReconcile?.at)}</dd>
            </div>
          </dl>
        </div>
      ) : (
        <p className="empty">{t('app.loading')}</p>
      )}
      <p className="field-error" role="alert">
        {error}
      </p>
      {plan ? <PlanView plan={plan} /> : null}
    </section>
  );
}

function PlanView({ plan }: { plan: ReconcileResult }) {
  const { t } = useI18n();
  const groups = [
    ['missing', plan.missing],
    ['stale', plan.stale],
    ['extra', plan.extra],
  ] as const;
  const clean = groups.every(([, ids]) => ids.length === 0);
  return (
    <section className="plan" aria-labelledby="plan-title" data-testid="reconcile-plan">
      <h2 id="plan-title" className="panel-title">
        {t('sync.plan')}
      </h2>
      <p role="status">
        {clean
          ? t('sync.planClean')
          : t('sync.planSummary', {
              missing: plan.missing.length,
              stale: plan.stale.length,
              extra: plan.extra.length,
              applied: plan.applied,
            })}
      </p>
      {groups.map(([kind, ids]) =>
        ids.length > 0 ? (
          <div key={kind} className="plan-group" data-testid={`plan-${kind}`}>
            <h3>{t(`sync.plan.${kind}` as const)}</h3>
            <ul>
              {ids.map((id) => (
                <li key={id}>
                  <code>{id}</code>
                </li>
              ))}
            </ul>
          </div>
        ) : null,
      )}
    </section>
  );
}
