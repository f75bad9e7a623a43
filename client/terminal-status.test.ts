import { describe, expect, it } from 'vitest';
import type { TerminalStatus } from './terminal-status.ts';
import { formatStatusLine } from './terminal-status.ts';

const status = (overrides: Partial<TerminalStatus> = {}): TerminalStatus => ({
  terminalId: 't-1',
  branchId: 'b-north',
  posId: 'pos-1',
  online: true,
  halted: null,
  queued: 2,
  synced: 40,
  needsAttention: 1,
  discarded: 0,
  lastPullAt: '2026-11-29T10:00:00.000Z',
  lastPushAt: null,
  catalog: {
    products: 1200,
    categories: 12,
    checkpoint: { products: 5000, categories: null },
    snapshotting: false,
    snapshotPulled: 0,
    ready: true,
  },
  lastReconcile: null,
  inventoryRefused: [],
  customersRefused: [],
  overLimitCharges: 0,
  counters: {
    queued_events: 0,
    synced_events: 0,
    reconcile_runs: 0,
    delta_sync_runs: 0,
    pruned_events: 0,
  },
  ...overrides,
});

describe('the daemon status line', () => {
  it('shows the state, the sale counts and the catalog with its checkpoints', () => {
    expect(formatStatusLine(status())).toBe(
      '[online] branch=b-north queued=2 synced=40 attention=1 products=1200@5000 ' +
        'categories=12@- lastPull=2026-11-29T10:00:00.000Z lastPush=-',
    );
  });

  it('shows refused inventory rows only when there are some', () => {
    const refused = [{ id: 'b-north:p-1', code: 'POS_SYNC_EVENT_INVALID', message: 'bad' }];
    expect(formatStatusLine(status({ inventoryRefused: refused }))).toContain(
      ' attention=1 inventoryRefused=1 products=',
    );
    expect(formatStatusLine(status())).not.toContain('inventoryRefused');
  });

  it('shows discarded sales only when there are some, and a halt before anything else', () => {
    const line = formatStatusLine(status({ discarded: 3, halted: 'revoked', online: false }));
    expect(line).toMatch(/^\[HALTED\(revoked\)\] /);
    expect(line).toContain(' attention=1 discarded=3 ');
  });

  it('shows the snapshot progress while one runs', () => {
    const catalog = {
      ...status().catalog,
      snapshotting: true,
      snapshotPulled: 45000,
      ready: false,
    };
    expect(formatStatusLine(status({ online: false, catalog }))).toMatch(
      /^\[offline\] .* catalog=loading snapshot=45000 lastPull=/,
    );
  });
});
