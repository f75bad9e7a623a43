/** One real terminal a host process runs. */
export type HostedTerminalSpec = {
  key: string;
  dataDir: string;
  /** The URL the terminal talks to (a fault proxy's, usually). */
  serverUrl: string;
  token: string;
  /** The journal of what its cashier was told (`journal.ts`). */
  journalFile: string;
};

/** What the selling loop of each hosted terminal does. */
export type HostWorkload = {
  /** Pause between two sales of one terminal, in ms (0: no selling). */
  sellEveryMs: number;
  /** Every n-th step also adjusts inventory (0: never). */
  adjustEvery: number;
  seed: number;
};

/** Parent → host. */
export type HostCommand =
  | { type: 'open'; terminals: HostedTerminalSpec[]; workload: HostWorkload; clockSkewMs: number }
  | { type: 'skew'; ms: number }
  | { type: 'workload'; selling: boolean }
  | { type: 'progress'; id: number }
  | { type: 'sync'; id: number; timeoutMs: number }
  | { type: 'inspect'; id: number }
  | { type: 'close' };

/** How far one terminal got: the fleet's unit of convergence. */
export type TerminalProgress = {
  key: string;
  /** Highest `localEventId` sold. */
  sold: number;
  /** Every sale up to this `localEventId` is answered by the cloud (none left queued). */
  ackedThrough: number;
  /** Highest admin change number seen in the local catalog. */
  changeSeen: number;
  online: boolean;
  /** Sales neither acknowledged nor answered: the queue. */
  queued: number;
  needsAttention: number;
  halted: string | null;
};

/** What the invariants need from a terminal's own database at the end. */
export type TerminalInspection = {
  key: string;
  terminalId: string;
  branchId: string;
  posId: string;
  /** Catalog buckets whose digest differs from the cloud's branch view, per stream. */
  differingBuckets: { products: number[]; categories: number[] };
  products: number;
  /** Local sales naming another branch or terminal (must be none). */
  foreignSales: number;
  /** Local inventory rows of another branch (must be none). */
  foreignInventory: number;
  /** The terminal's on-hand view, product → onHand. */
  onHand: Record<string, number>;
  status: TerminalProgress;
  /** Why the queue is not empty, when it is not. */
  queueReason: string | null;
};

/** Host → parent. */
export type HostEvent =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'arrival'; key: string; change: number; at: number }
  | { type: 'progress'; id: number; progress: TerminalProgress[] }
  | { type: 'synced'; id: number; ok: boolean; message?: string }
  | { type: 'inspected'; id: number; inspections: TerminalInspection[] };

/** Admin price changes are numbered into the price, so a terminal knows which one it holds. */
export const CHANGE_PRICE_BASE = 1_000_000;

/** The admin change number a price carries, or 0 for a price no change set. */
export function changeOfPrice(priceMinor: number): number {
  return priceMinor > CHANGE_PRICE_BASE ? priceMinor - CHANGE_PRICE_BASE : 0;
}
