import { createHash } from 'node:crypto';
import { HASH_HEX_LENGTH } from './content-hash.ts';

/**
 * Number of buckets both sides use by default. With 100,000 products a bucket holds about 100 entries,
 * so a single changed product costs one digest list (1,024 × 32 hex characters, 33 kB) plus one small
 * manifest.
 */
export const RECONCILE_BUCKET_COUNT = 1024;

/** Largest bucket count a server accepts (bounds the digest list of a request). */
export const RECONCILE_MAX_BUCKET_COUNT = 65_536;

/** One id and its content hash: a manifest entry. */
export type ManifestEntry = { id: string; hash: string };

const BYTES = HASH_HEX_LENGTH / 2;

/** The empty bucket's digest: XOR over no entries. */
export const EMPTY_BUCKET_DIGEST = '0'.repeat(HASH_HEX_LENGTH);

function assertBucketCount(bucketCount: number): void {
  if (
    !Number.isInteger(bucketCount) ||
    bucketCount < 1 ||
    bucketCount > RECONCILE_MAX_BUCKET_COUNT
  ) {
    throw new RangeError(`bucketCount must be an integer in 1..${RECONCILE_MAX_BUCKET_COUNT}`);
  }
}

/** The bucket of an id: the first 32 bits of SHA-256(id), modulo `bucketCount`. */
export function bucketOf(id: string, bucketCount: number): number {
  assertBucketCount(bucketCount);
  return createHash('sha256').update(id, 'utf8').digest().readUInt32BE(0) % bucketCount;
}

function entryHash(entry: ManifestEntry): Buffer {
  // The NUL separator keeps ("ab","c") and ("a","bc") apart; ids cannot contain whitespace or NUL.
  return createHash('sha256').update(`${entry.id}\u0000${entry.hash}`, 'utf8').digest();
}

/**
 * Digest of every bucket: the XOR of SHA-256(id, hash) over the bucket's entries, 128 bits in hex.
 *
 * XOR is order-independent and its own inverse, so either side can keep digests up to date
 * incrementally (XOR an entry out, XOR its new version in) instead of rescanning the catalog. Ids are
 * unique in a manifest, so no entry can cancel itself out.
 */
export function computeBucketDigests(
  entries: Iterable<ManifestEntry>,
  bucketCount: number = RECONCILE_BUCKET_COUNT,
): string[] {
  assertBucketCount(bucketCount);
  const digests = Array.from({ length: bucketCount }, () => Buffer.alloc(BYTES));
  for (const entry of entries) {
    const digest = digests[bucketOf(entry.id, bucketCount)]!;
    const hash = entryHash(entry);
    for (let i = 0; i < BYTES; i++) digest[i]! ^= hash[i]!;
  }
  return digests.map((d) => d.toString('hex'));
}

/** The buckets whose digests differ, ascending. Both lists must have been made with the same count. */
export function differingBuckets(local: readonly string[], remote: readonly string[]): number[] {
  if (local.length !== remote.length) {
    throw new RangeError(`bucket counts differ: ${local.length} vs ${remote.length}`);
  }
  const result: number[] = [];
  local.forEach((digest, bucket) => {
    if (digest !== remote[bucket]) result.push(bucket);
  });
  return result;
}

/** The entries that fall into the given buckets: one side's manifest for a reconcile round. */
export function manifestOfBuckets(
  entries: Iterable<ManifestEntry>,
  buckets: Iterable<number>,
  bucketCount: number = RECONCILE_BUCKET_COUNT,
): ManifestEntry[] {
  const wanted = new Set(buckets);
  const result: ManifestEntry[] = [];
  for (const entry of entries) {
    if (wanted.has(bucketOf(entry.id, bucketCount))) result.push(entry);
  }
  return result;
}
