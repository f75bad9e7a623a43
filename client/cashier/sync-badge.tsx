import type { Sale } from '../../schema/index.ts';
import { useI18n } from './i18n-context.tsx';

/** A sale's sync state as a coloured badge (text first: colour is never the only signal). */
export function SyncBadge({ sale }: { sale: Pick<Sale, 'syncState'> }) {
  const { t } = useI18n();
  return (
    <span className={`badge badge-${sale.syncState}`} data-testid="sync-state">
      {t(`sales.state.${sale.syncState}` as const)}
    </span>
  );
}
