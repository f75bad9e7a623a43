import { describe, expect, it } from 'vitest';
import { FAULT_KINDS, planFaults } from './fault-schedule.ts';

const input = {
  seed: 42,
  durationMs: 60_000,
  kinds: FAULT_KINDS,
  terminals: ['r000', 'r001', 'r002', 'p003', 'p004', 'p005'],
  hosts: 1,
};

describe('planFaults', () => {
  it('gives the same schedule for the same seed and another for another seed', () => {
    expect(planFaults(input)).toEqual(planFaults(input));
    expect(planFaults({ ...input, seed: 43 })).not.toEqual(planFaults(input));
  });

  it('schedules every kind, heals each before 80 % of the run and never holds one target twice at once', () => {
    const faults = planFaults(input);
    expect(new Set(faults.map((f) => f.kind))).toEqual(new Set(FAULT_KINDS));
    for (const f of faults) {
      expect(f.atMs).toBeGreaterThanOrEqual(6_000);
      expect(f.healMs).toBeGreaterThan(f.atMs);
      expect(f.healMs).toBeLessThanOrEqual(48_000);
    }
    for (const a of faults) {
      for (const b of faults) {
        if (a.n < b.n && a.target === b.target) {
          expect(a.healMs < b.atMs || b.healMs < a.atMs).toBe(true);
        }
      }
    }
  });

  it('skips terminal kills when there is no real terminal to kill', () => {
    const faults = planFaults({ ...input, hosts: 0 });
    expect(faults.some((f) => f.kind === 'terminal-kill')).toBe(false);
  });
});
