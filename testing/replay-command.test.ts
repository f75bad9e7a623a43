import { describe, expect, it } from 'vitest';
import { replayCommand } from './simulation.ts';

describe('replayCommand', () => {
  it('names every option the schedule and the workload depend on', () => {
    const command = replayCommand({
      terminals: 100,
      realTerminals: 10,
      branches: 5,
      durationMs: 120_000,
      faults: ['cloud-kill', 'partition'],
      seed: 7,
      products: 2_000,
      sellEveryMs: 100,
      changeEveryMs: 500,
    });
    expect(command).toBe(
      'pos simulate --terminals 100 --real 10 --branches 5 --duration 120s ' +
        '--faults cloud-kill,partition --products 2000 --sell-every-ms 100 ' +
        '--change-every-ms 500 --seed 7',
    );
  });

  it('says none for a run without faults', () => {
    const command = replayCommand({
      terminals: 2,
      realTerminals: 0,
      branches: 1,
      durationMs: 30_000,
      faults: [],
      seed: 1,
    });
    expect(command).toBe(
      'pos simulate --terminals 2 --real 0 --branches 1 --duration 30s --faults none --seed 1',
    );
  });
});
