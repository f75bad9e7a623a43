import type { ManifestEntry } from './reconcile-buckets.ts';

/**
 * Most manifest entries one reconcile response may carry; above it the server answers
 * `POS_CATALOG_MANIFEST_TOO_LARGE` and the terminal asks for fewer buckets at a time.
 */
export const MANIFEST_MAX_ENTRIES = 10_000;

/** Most buckets a terminal asks the manifest of in one request (about 100 entries each by default). */
export const MANIFEST_MAX_BUCKETS_PER_REQUEST = 64;

/**
 * What a terminal must do so its catalog equals the cloud's branch view:
 * fetch and write `missing` and `stale` ids, delete `extra` ids. Applied in one local write, without
 * moving the pull checkpoint (later pulls still deliver every change after it).
 */
export type ReconcilePlan = {
  /** In the cloud, not on the terminal. */
  missing: string[];
  /** On both, with different content. */
  stale: string[];
  /** On the terminal, not in the cloud's branch view. */
  extra: string[];
};

function toMap(
  entries: Iterable<ManifestEntry> | ReadonlyMap<string, string>,
): Map<string, string> {
  if (entries instanceof Map) return entries as Map<string, string>;
  const map = new Map<string, string>();
  for (const { id, hash } of entries as Iterable<ManifestEntry>) map.set(id, hash);
  return map;
}

/** Compares the terminal's manifest with the cloud's; ids in each list are sorted. */
export function diffManifests(
  local: Iterable<ManifestEntry> | ReadonlyMap<string, string>,
  remote: Iterable<ManifestEntry> | ReadonlyMap<string, string>,
): ReconcilePlan {
  const localMap = toMap(local);
  const remoteMap = toMap(remote);
  const plan: ReconcilePlan = { missing: [], stale: [], extra: [] };
  for (const [id, hash] of remoteMap) {
    const localHash = localMap.get(id);
    if (localHash === undefined) plan.missing.push(id);
    else if (localHash !== hash) plan.stale.push(id);
  }
  for (const id of localMap.keys()) {
    if (!remoteMap.has(id)) plan.extra.push(id);
  }
  plan.missing.sort();
  plan.stale.sort();
  plan.extra.sort();
  return plan;
}

/** Splits differing buckets into request-sized groups. */
export function chunkBuckets(
  buckets: readonly number[],
  perRequest: number = MANIFEST_MAX_BUCKETS_PER_REQUEST,
): number[][] {
  const chunks: number[][] = [];
  for (let i = 0; i < buckets.length; i += perRequest)
    chunks.push(buckets.slice(i, i + perRequest));
  return chunks;
}
