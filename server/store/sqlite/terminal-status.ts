import type { StreamName } from '../../../replication/index.ts';
import type { PosGaps, StreamHeads, TerminalStatus } from '../cloud-store.ts';
import type { TerminalRow } from './tenancy.ts';
import { terminalOfRow } from './tenancy.ts';

/**
 * The admin view of one terminal. Lag is the stream head minus the checkpoint the terminal last
 * reported. For sales the head is the newest acknowledgement addressed to this terminal, not the
 * branch's head: the terminal pulls a filtered view and its checkpoint only reaches its own rows.
 */
export function terminalStatusOf(
  row: TerminalRow,
  heads: StreamHeads,
  ownSalesHead: number,
  gaps: PosGaps[],
  now: Date,
  staleAfterMs: number,
): TerminalStatus {
  const terminal = terminalOfRow(row);
  const checkpoints = JSON.parse(row.checkpoints) as Partial<Record<StreamName, number>>;
  const lag: Partial<Record<StreamName, number>> = {};
  for (const [stream, seq] of Object.entries(checkpoints) as [StreamName, number][]) {
    const head = stream === 'sales' ? ownSalesHead : heads[stream];
    lag[stream] = Math.max(0, head - seq);
  }
  const lastContact = terminal.lastSyncAt === null ? null : Date.parse(terminal.lastSyncAt);
  return {
    ...terminal,
    lastPullAt: row.last_pull_at,
    lastPushAt: row.last_push_at,
    queueDepth: row.queue_depth,
    checkpoints,
    lag,
    gaps,
    stale: lastContact === null || now.getTime() - lastContact > staleAfterMs,
  };
}
