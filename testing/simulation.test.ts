import { describe, expect, it } from 'vitest';
import { FAULT_KINDS } from './fault-schedule.ts';
import { renderReport } from './report.ts';
import { replayCommand, runSimulation } from './simulation.ts';

/** Replay a failure with `POS_SIM_SEED=<seed>` (or `pos simulate --seed <seed>`). */
const SEED = Number(process.env['POS_SIM_SEED'] ?? 20_251_202);

describe('pos simulate, short seeded run', () => {
  it('keeps every invariant with 20 terminals for 30 s under every fault', async () => {
    const result = await runSimulation({
      terminals: 20,
      realTerminals: 3,
      branches: 4,
      durationMs: 30_000,
      faults: FAULT_KINDS,
      seed: SEED,
      convergeTimeoutMs: 120_000,
    });
    const failed = result.invariants.filter((i) => !i.pass);
    expect(
      failed,
      `seed ${SEED} failed (replay: POS_SIM_SEED=${SEED} or ${replayCommand(result.options)}):\n` +
        failed.map((i) => `${i.name}: ${i.evidence}`).join('\n'),
    ).toEqual([]);
    // Every kind of fault was injected and healed, and the run did real work.
    expect(new Set(result.faults.map((f) => f.kind))).toEqual(new Set(FAULT_KINDS));
    expect(result.faults.every((f) => f.healedAt !== null)).toBe(true);
    expect(result.totals.sold).toBeGreaterThan(100);
    expect(result.deltas.length).toBeGreaterThan(0);
    const html = renderReport(result);
    expect(html).toContain('every invariant holds');
    expect(html).toContain(`<code>${replayCommand(result.options)}</code>`);
  }, 300_000);
});
