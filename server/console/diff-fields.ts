/** One leaf where two JSON values differ: its path (`totals.totalMinor`, `lines.0.taxMinor`). */
export type FieldDifference = { path: string; left: unknown; right: unknown };

/**
 * The leaves where `left` and `right` differ, depth first in `left`'s key order, then keys only in
 * `right`. Arrays compare by index. Used to highlight a refused sale against the cloud's copy.
 */
export function diffFields(left: unknown, right: unknown, path = ''): FieldDifference[] {
  if (isObject(left) && isObject(right)) {
    const keys = [...Object.keys(left), ...Object.keys(right).filter((k) => !(k in left))];
    return keys.flatMap((key) =>
      diffFields(left[key], right[key], path === '' ? key : `${path}.${key}`),
    );
  }
  if (Array.isArray(left) && Array.isArray(right)) {
    const length = Math.max(left.length, right.length);
    return Array.from({ length }, (_, i) =>
      diffFields(left[i], right[i], path === '' ? String(i) : `${path}.${i}`),
    ).flat();
  }
  return Object.is(left, right) ? [] : [{ path, left, right }];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
