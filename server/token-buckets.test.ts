import { describe, expect, it } from 'vitest';
import { TokenBuckets } from './token-buckets.ts';

function buckets() {
  let now = 0;
  const b = new TokenBuckets({
    burst: 3,
    perSecond: 2,
    intervalMs: 1_000,
    idleMs: 60_000,
    now: () => now,
  });
  return { b, at: (ms: number) => (now = ms) };
}

describe('TokenBuckets', () => {
  it.each([
    // [takes as [time ms, weight], expected answers]
    [
      'a new bucket is full: the burst, then refusals',
      [
        [0, 1],
        [0, 1],
        [0, 1],
        [0, 1],
      ],
      [true, true, true, false],
    ],
    [
      'a weight above what is left is refused and takes nothing',
      [
        [0, 2],
        [0, 2],
        [0, 1],
      ],
      [true, false, true],
    ],
    [
      'a refill comes only after a full interval',
      [
        [0, 3],
        [999, 1],
        [1_000, 2],
        [1_000, 1],
      ],
      [true, false, true, false],
    ],
    [
      'refills never exceed the burst',
      [
        [0, 3],
        [10_000, 3],
        [10_000, 1],
      ],
      [true, true, false],
    ],
    [
      'refills keep their rhythm from the bucket start',
      [
        [0, 3],
        [1_500, 2],
        [1_999, 1],
        [2_000, 2],
      ],
      [true, true, false, true],
    ],
  ] as [string, [number, number][], boolean[]][])('%s', (_name, takes, expected) => {
    const { b, at } = buckets();
    const answers = takes.map(([ms, weight]) => {
      at(ms);
      return b.take('t-1', weight);
    });
    expect(answers).toEqual(expected);
  });

  it('keeps one bucket per key', () => {
    const { b } = buckets();
    expect(b.take('t-1', 3)).toBe(true);
    expect(b.take('t-1', 1)).toBe(false);
    expect(b.take('t-2', 3)).toBe(true);
  });

  it('drops idle buckets so memory follows the active terminals', () => {
    const { b, at } = buckets();
    for (let i = 0; i < 100; i++) b.take(`t-${i}`, 1);
    at(30_000);
    b.take('t-0', 1);
    at(61_000);
    b.take('t-new', 1);
    expect(b.size).toBe(2);
  });

  it('forgets a bucket idle for idleMs', () => {
    const { b, at } = buckets();
    b.take('t-1', 1);
    at(30_000);
    b.take('t-2', 1);
    expect(b.size).toBe(2);
    at(60_001);
    b.take('t-2', 1);
    // t-1 was idle longer than idleMs and is gone; t-2 was used 30 s ago and stays.
    expect(b.size).toBe(1);
  });
});
