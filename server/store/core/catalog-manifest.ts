import type { ManifestEntry } from '../../../replication/index.ts';
import { MANIFEST_MAX_ENTRIES, contentHash } from '../../../replication/index.ts';
import { PosError } from '../../../schema/index.ts';
import type { CatalogKind } from '../catalog-kinds.ts';
import { checkBucketCount } from '../store-input-checks.ts';

/** Refuses a bucket count or a bucket a manifest cannot be cut by. */
export function checkManifestBuckets(bucketCount: number, buckets: number[]): void {
  checkBucketCount(bucketCount);
  if (!buckets.every((b) => Number.isInteger(b) && b >= 0 && b < bucketCount)) {
    throw new PosError('POS_INPUT_INVALID', 'manifest bucket out of range');
  }
}

/**
 * The manifest entry of one live catalog row in a branch's view: its shared view hash, or, where the
 * view is branch-specific (`stored` given), the hash of the branch's view; `null` outside the view.
 */
export function manifestEntryOf<TStored extends { id: string }, TInput, TView>(
  kind: CatalogKind<TStored, TInput, TView>,
  branchId: string,
  id: string,
  viewHash: string,
  stored: TStored | null,
): ManifestEntry | null {
  if (stored === null) return { id, hash: viewHash };
  const view = kind.viewOf(stored, branchId);
  return view === null ? null : { id, hash: contentHash(view as object) };
}

/** A manifest answer: refused above `MANIFEST_MAX_ENTRIES`, sorted by id. */
export function checkedManifest(entries: ManifestEntry[]): ManifestEntry[] {
  if (entries.length > MANIFEST_MAX_ENTRIES) {
    throw new PosError('POS_CATALOG_MANIFEST_TOO_LARGE', undefined, {
      entries: entries.length,
      max: MANIFEST_MAX_ENTRIES,
    });
  }
  return entries.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
