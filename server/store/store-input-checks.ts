import { canonicalJson, RECONCILE_MAX_BUCKET_COUNT } from '../../replication/index.ts';
import { PosError } from '../../schema/index.ts';

/** Input checks both adapters apply before touching their database, so both refuse alike. */

export function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new PosError('POS_INPUT_INVALID', 'limit must be a positive integer');
  }
}

export function checkBucketCount(bucketCount: number): void {
  if (
    !Number.isInteger(bucketCount) ||
    bucketCount < 1 ||
    bucketCount > RECONCILE_MAX_BUCKET_COUNT
  ) {
    throw new PosError(
      'POS_INPUT_INVALID',
      `bucketCount must be an integer in 1..${RECONCILE_MAX_BUCKET_COUNT}`,
    );
  }
}

/** An upsert that changes nothing but `updatedAt` keeps its seq: terminals need not pull it again. */
export function sameCatalogContent<T extends { updatedAt: string }>(a: T, b: T): boolean {
  return canonicalJson({ ...a, updatedAt: '' }) === canonicalJson({ ...b, updatedAt: '' });
}
