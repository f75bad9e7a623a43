import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Checkpoint } from './checkpoint.ts';
import { checkpointSchema, isAfter, laterCheckpoint } from './checkpoint.ts';

describe('checkpoint', () => {
  it('orders by seq alone and treats no checkpoint as the beginning', () => {
    expect(isAfter({ seq: 2 }, { seq: 1 })).toBe(true);
    expect(isAfter({ seq: 1 }, { seq: 1 })).toBe(false);
    expect(isAfter({ seq: 0 }, null)).toBe(true);
    expect(isAfter({ seq: 0 }, undefined)).toBe(true);
  });

  it('never moves backwards', () => {
    expect(laterCheckpoint({ seq: 5 }, { seq: 3 })).toEqual({ seq: 5 });
    expect(laterCheckpoint(null, { seq: 3 })).toEqual({ seq: 3 });
  });

  it('refuses negative or fractional seqs', () => {
    expect(checkpointSchema.safeParse({ seq: -1 }).success).toBe(false);
    expect(checkpointSchema.safeParse({ seq: 1.5 }).success).toBe(false);
  });

  it('pages through any seq sequence with gaps without skipping or repeating', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 10_000 }), { maxLength: 200 }),
        fc.integer({ min: 1, max: 17 }),
        (seqs, limit) => {
          const sorted = [...seqs].sort((a, b) => a - b);
          const seen: number[] = [];
          let checkpoint: Checkpoint | null = null;
          for (;;) {
            const page = sorted.filter((s) => isAfter({ seq: s }, checkpoint)).slice(0, limit);
            if (page.length === 0) break;
            seen.push(...page);
            checkpoint = laterCheckpoint(checkpoint, { seq: page[page.length - 1]! });
          }
          expect(seen).toEqual(sorted);
        },
      ),
    );
  });
});
