/**
 * JSON with object keys sorted at every level, so equal values always give equal strings: the basis of
 * content hashes and of the conflict handlers' equality. `undefined` properties are dropped, as
 * `JSON.stringify` does, so a missing optional field and an `undefined` one compare equal.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(v).sort()) sorted[key] = (v as Record<string, unknown>)[key];
    return sorted;
  });
}

/** Keys RxDB adds for local bookkeeping; they never take part in content comparisons. */
const LOCAL_KEYS = new Set(['_meta', '_rev', '_attachments']);

/** A document without RxDB's local bookkeeping keys (`_meta`, `_rev`, `_attachments`). */
export function withoutLocalMeta<T extends object>(doc: T): T {
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc)) {
    if (!LOCAL_KEYS.has(key)) copy[key] = value;
  }
  return copy as T;
}
