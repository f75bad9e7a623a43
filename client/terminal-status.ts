/** Why the terminal does not sync, when it does not. */
export type SyncHalt = 'unauthorized' | 'revoked' | null;

/** A reconcile's outcome as status shows it. */
export type ReconcileSummary = {
  at: string;
  missing: number;
  stale: number;
  extra: number;
  applied: number;
};

/** The terminal's state for a status line, a cashier page or a probe (docs/design.md#status). */
export type TerminalStatus = {
  terminalId: string;
  branchId: string;
  posId: string;
  /** The cloud answered the last call (any answer, even an error). */
  online: boolean;
  /** Set when a token problem stopped syncing; selling goes on. */
  halted: SyncHalt;
  queued: number;
  synced: number;
  needsAttention: number;
  /** Refused sales an operator discarded in the admin API: final, never booked. */
  discarded: number;
  lastPullAt: string | null;
  lastPushAt: string | null;
  catalog: {
    products: number;
    categories: number;
    /** Seq reached per catalog stream in this process (null before the first pull answer). */
    checkpoint: { products: number | null; categories: number | null };
    /** A snapshot (first run, re-snapshot, new branch) is being pulled. */
    snapshotting: boolean;
    /** Documents pulled by the snapshot so far. */
    snapshotPulled: number;
    /** The catalog is complete (see `Terminal.catalogReady()`); false: show "loading catalog". */
    ready: boolean;
  };
  lastReconcile: ReconcileSummary | null;
  /**
   * Inventory rows the cloud refused (with its code), like a `needs_attention` sale: the row stays
   * local, the other rows sync on. Cleared when a later push of the row goes through.
   */
  inventoryRefused: { id: string; code: string; message: string }[];
  /** Customer rows the cloud refused (with its code), kept like refused inventory rows. */
  customersRefused: { id: string; code: string; message: string }[];
  /** This terminal's charges on account the cloud verified as `over_limit` (seen by pull). */
  overLimitCharges: number;
  counters: {
    queued_events: number;
    synced_events: number;
    reconcile_runs: number;
    delta_sync_runs: number;
    /** Settled sales pruned by the retention in this process. */
    pruned_events: number;
  };
};

/** One line for the daemon: everything an operator glances at. */
export function formatStatusLine(status: TerminalStatus): string {
  const state = status.halted ? `HALTED(${status.halted})` : status.online ? 'online' : 'offline';
  const cp = status.catalog.checkpoint;
  return [
    `[${state}]`,
    `branch=${status.branchId}`,
    `queued=${status.queued}`,
    `synced=${status.synced}`,
    `attention=${status.needsAttention}`,
    status.discarded > 0 ? `discarded=${status.discarded}` : '',
    status.inventoryRefused.length > 0 ? `inventoryRefused=${status.inventoryRefused.length}` : '',
    status.customersRefused.length > 0 ? `customersRefused=${status.customersRefused.length}` : '',
    status.overLimitCharges > 0 ? `overLimit=${status.overLimitCharges}` : '',
    `products=${status.catalog.products}@${cp.products ?? '-'}`,
    `categories=${status.catalog.categories}@${cp.categories ?? '-'}`,
    status.catalog.ready ? '' : 'catalog=loading',
    status.catalog.snapshotting ? `snapshot=${status.catalog.snapshotPulled}` : '',
    `lastPull=${status.lastPullAt ?? '-'}`,
    `lastPush=${status.lastPushAt ?? '-'}`,
  ]
    .filter(Boolean)
    .join(' ');
}
