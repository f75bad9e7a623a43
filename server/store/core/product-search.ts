/**
 * The product search both adapters implement: a substring of the id, SKU, barcode or name, with ASCII
 * letters matched in either case and every other character as it is (SQLite's `lower` folds ASCII
 * only, so MongoDB gets the same rule instead of its Unicode-aware `i` flag).
 */
export function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** A MongoDB regex source for `search` under the rule above. */
export function asciiCaseInsensitivePattern(search: string): string {
  return [...search]
    .map((c) => {
      if (/[A-Za-z]/.test(c)) return `[${c.toLowerCase()}${c.toUpperCase()}]`;
      return c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
    })
    .join('');
}

/** Most characters of a search. */
export const SEARCH_MAX = 100;
