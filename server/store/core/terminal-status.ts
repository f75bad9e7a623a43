import type { StreamName } from '../../../replication/index.ts';
import type { Terminal } from '../../../schema/index.ts';
import type { PosGaps, StreamHeads, TerminalStatus } from '../cloud-store.ts';

/** A terminal as stored, in the shape the rules below read (each adapter maps its row to it). */
export type TerminalRecord = {
  tenantId: string;
  id: string;
  branchId: string;
  name: string;
  createdAt: string;
  revokedAt: string | null;
  lastPullAt: string | null;
  lastPushAt: string | null;
  queueDepth: number | null;
  checkpoints: Partial<Record<StreamName, number>>;
};

/** The terminal's public record; its last sync is the later of its last pull and last push. */
export function terminalOf(record: TerminalRecord): Terminal {
  const contacts = [record.lastPullAt, record.lastPushAt].filter((t): t is string => t !== null);
  return {
    id: record.id,
    tenantId: record.tenantId,
    branchId: record.branchId,
    name: record.name,
    createdAt: record.createdAt,
    revokedAt: record.revokedAt,
    lastSyncAt: contacts.length === 0 ? null : contacts.sort().at(-1)!,
  };
}

/**
 * The admin view of one terminal. Lag is the stream head minus the checkpoint the terminal last
 * reported. For sales the head is the newest acknowledgement addressed to this terminal, not the
 * branch's head: the terminal pulls a filtered view and its checkpoint only reaches its own rows.
 */
export function terminalStatusOf(
  record: TerminalRecord,
  heads: StreamHeads,
  ownSalesHead: number,
  gaps: PosGaps[],
  now: Date,
  staleAfterMs: number,
): TerminalStatus {
  const terminal = terminalOf(record);
  const checkpoints = { ...record.checkpoints };
  const lag: Partial<Record<StreamName, number>> = {};
  for (const [stream, seq] of Object.entries(checkpoints) as [StreamName, number][]) {
    const head = stream === 'sales' ? ownSalesHead : heads[stream];
    lag[stream] = Math.max(0, head - seq);
  }
  const lastContact = terminal.lastSyncAt === null ? null : Date.parse(terminal.lastSyncAt);
  return {
    ...terminal,
    lastPullAt: record.lastPullAt,
    lastPushAt: record.lastPushAt,
    queueDepth: record.queueDepth,
    checkpoints,
    lag,
    gaps,
    stale: lastContact === null || now.getTime() - lastContact > staleAfterMs,
  };
}
