import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Checkpoint } from '../../replication/index.ts';
import { pageOf, pullBound } from './pull-window.ts';

const refused = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return 'served';
};

describe('pull window', () => {
  it('serves a checkpoint below the floor only to a snapshot started under the current floor', () => {
    const bounds = { head: 100, floor: 50 };
    expect(pullBound('products', null, bounds)).toBe(0);
    expect(pullBound('products', { seq: 0 }, bounds)).toBe(0);
    expect(pullBound('products', { seq: 50 }, bounds)).toBe(50);
    expect(pullBound('products', { seq: 10, snapshotFloor: 50 }, bounds)).toBe(10);
    expect(refused(() => pullBound('products', { seq: 10 }, bounds))).toBe(
      'POS_CATALOG_RESNAPSHOT_REQUIRED',
    );
    expect(refused(() => pullBound('products', { seq: 10, snapshotFloor: 40 }, bounds))).toBe(
      'POS_CATALOG_RESNAPSHOT_REQUIRED',
    );
    expect(refused(() => pullBound('products', { seq: 101, snapshotFloor: 50 }, bounds))).toBe(
      'POS_CATALOG_RESNAPSHOT_REQUIRED',
    );
  });

  it('stamps pages below the floor, raises to the floor over pruned rows only, and is plain past it', () => {
    const rows = (...seqs: number[]) => seqs.map((seq) => ({ seq }));
    expect(pageOf(0, rows(1, 2, 3), 2, 50).checkpoint).toEqual({ seq: 2, snapshotFloor: 50 });
    expect(pageOf(0, rows(1, 2, 60), 2, 50).checkpoint).toEqual({ seq: 50 });
    expect(pageOf(0, rows(1, 2), 2, 50).checkpoint).toEqual({ seq: 50 });
    expect(pageOf(50, rows(60, 61), 2, 50).checkpoint).toEqual({ seq: 61 });
    expect(pageOf(0, rows(1, 2, 3), 2, 0).checkpoint).toEqual({ seq: 2 });
  });

  it('completes a paged snapshot of any retained stream under any floor, each row once', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 300 }), { maxLength: 120 }),
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 1, max: 9 }),
        (seqs, floor, limit) => {
          // Retention only deletes rows at or below the floor; which ones does not matter here.
          const retained = [...seqs].sort((a, b) => a - b).map((seq) => ({ seq }));
          const head = Math.max(floor, retained.at(-1)?.seq ?? 0);
          const served: number[] = [];
          let checkpoint: Checkpoint | null = null;
          for (let pages = 0; ; pages++) {
            expect(pages).toBeLessThan(200);
            const after = pullBound('products', checkpoint, { head, floor });
            const read = retained.filter((r) => r.seq > after).slice(0, limit + 1);
            const page = pageOf(after, read, limit, floor);
            if (page.rows.length === 0) break;
            served.push(...page.rows.map((r) => r.seq));
            checkpoint = page.checkpoint;
          }
          expect(served).toEqual(retained.map((r) => r.seq));
          expect(checkpoint === null || checkpoint.snapshotFloor === undefined).toBe(true);
        },
      ),
    );
  });
});
