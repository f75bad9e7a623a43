import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeBranchProduct, makeProduct, toBranchProduct } from '../schema/index.ts';
import { contentHash } from './content-hash.ts';
import type { ManifestEntry } from './reconcile-buckets.ts';
import {
  EMPTY_BUCKET_DIGEST,
  bucketOf,
  computeBucketDigests,
  differingBuckets,
  manifestOfBuckets,
} from './reconcile-buckets.ts';
import { chunkBuckets, diffManifests } from './reconcile-plan.ts';

const BUCKETS = 64;

function catalog(size: number): ManifestEntry[] {
  return Array.from({ length: size }, (_, i) => ({
    id: `p-${i}`,
    hash: contentHash({ id: `p-${i}`, n: i }),
  }));
}

describe('contentHash', () => {
  it('ignores key order and local RxDB bookkeeping', () => {
    const doc = makeBranchProduct();
    const reordered = Object.fromEntries(Object.entries(doc).reverse());
    expect(contentHash(reordered)).toBe(contentHash(doc));
    expect(
      contentHash({ ...doc, _meta: { lwt: 5 }, _rev: '3-abc', _attachments: {}, _deleted: false }),
    ).toBe(contentHash(doc));
  });

  it('changes with any field of the branch view', () => {
    const doc = makeBranchProduct();
    expect(contentHash({ ...doc, priceMinor: doc.priceMinor + 1 })).not.toBe(contentHash(doc));
    expect(contentHash({ ...doc, barcode: '' })).not.toBe(contentHash(doc));
  });

  it('is the same on both sides when the cloud hashes its branch projection', () => {
    const product = makeProduct({ branchPrices: [{ branchId: 'b-1', priceMinor: 999 }] });
    const terminalCopy = { ...makeBranchProduct({ priceMinor: 999 }), _meta: { lwt: 1 } };
    expect(contentHash(toBranchProduct(product, 'b-1')!)).toBe(contentHash(terminalCopy));
  });

  it('is 32 hex characters', () => {
    expect(contentHash({ a: 1 })).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('bucket digests', () => {
  it('places an id in the same bucket every time, within range', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.integer({ min: 1, max: 4096 }), (id, count) => {
        const bucket = bucketOf(id, count);
        expect(bucket).toBe(bucketOf(id, count));
        expect(bucket).toBeGreaterThanOrEqual(0);
        expect(bucket).toBeLessThan(count);
      }),
    );
  });

  it('does not depend on the order of entries', () => {
    const entries = catalog(300);
    fc.assert(
      fc.property(fc.shuffledSubarray(entries, { minLength: entries.length }), (shuffled) => {
        expect(computeBucketDigests(shuffled, BUCKETS)).toEqual(
          computeBucketDigests(entries, BUCKETS),
        );
      }),
      { numRuns: 20 },
    );
  });

  it('changes exactly the bucket of one changed, added or removed entry', () => {
    const entries = catalog(500);
    const before = computeBucketDigests(entries, BUCKETS);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: entries.length - 1 }),
        fc.constantFrom('change', 'add', 'remove'),
        (i, kind) => {
          const target = entries[i]!;
          let after: ManifestEntry[];
          let id = target.id;
          if (kind === 'change')
            after = entries.map((e) => (e === target ? { ...e, hash: contentHash({ x: i }) } : e));
          else if (kind === 'remove') after = entries.filter((e) => e !== target);
          else {
            id = `new-${i}`;
            after = [...entries, { id, hash: contentHash({ id }) }];
          }
          expect(differingBuckets(before, computeBucketDigests(after, BUCKETS))).toEqual([
            bucketOf(id, BUCKETS),
          ]);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('can be kept up to date incrementally by XOR', () => {
    const entries = catalog(100);
    const withoutLast = computeBucketDigests(entries.slice(0, -1), BUCKETS);
    const last = entries[entries.length - 1]!;
    const bucket = bucketOf(last.id, BUCKETS);
    const single = computeBucketDigests([last], BUCKETS)[bucket]!;
    const xor = (BigInt(`0x${withoutLast[bucket]}`) ^ BigInt(`0x${single}`))
      .toString(16)
      .padStart(32, '0');
    expect(xor).toBe(computeBucketDigests(entries, BUCKETS)[bucket]);
  });

  it('gives empty buckets the zero digest', () => {
    expect(computeBucketDigests([], 4)).toEqual(Array(4).fill(EMPTY_BUCKET_DIGEST));
  });
});

describe('reconcile plan', () => {
  it('is exact: missing, stale and extra ids and nothing else', () => {
    const local = [
      { id: 'a', hash: 'h1' },
      { id: 'b', hash: 'h2' },
      { id: 'c', hash: 'h3' },
    ];
    const remote = [
      { id: 'b', hash: 'h2' },
      { id: 'c', hash: 'changed' },
      { id: 'd', hash: 'h4' },
    ];
    expect(diffManifests(local, remote)).toEqual({ missing: ['d'], stale: ['c'], extra: ['a'] });
    expect(diffManifests(remote, remote)).toEqual({ missing: [], stale: [], extra: [] });
  });

  it('turns any local catalog into the remote one when applied, going only through differing buckets', () => {
    const entryArb = fc.record({
      id: fc.constantFrom(...'abcdefghijklmnop'.split('')),
      hash: fc.constantFrom('1', '2', '3'),
    });
    const manifestArb = fc.uniqueArray(entryArb, { selector: (e) => e.id });
    fc.assert(
      fc.property(manifestArb, manifestArb, (local, remote) => {
        const buckets = differingBuckets(
          computeBucketDigests(local, 8),
          computeBucketDigests(remote, 8),
        );
        const plan = diffManifests(
          manifestOfBuckets(local, buckets, 8),
          manifestOfBuckets(remote, buckets, 8),
        );
        const result = new Map(local.map((e) => [e.id, e.hash]));
        const remoteMap = new Map(remote.map((e) => [e.id, e.hash]));
        for (const id of [...plan.missing, ...plan.stale]) result.set(id, remoteMap.get(id)!);
        for (const id of plan.extra) result.delete(id);
        expect(new Map([...result].sort())).toEqual(new Map([...remoteMap].sort()));
        expect(plan).toEqual(diffManifests(local, remote));
      }),
    );
  });

  it('splits buckets into request-sized chunks', () => {
    expect(chunkBuckets([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  });
});
