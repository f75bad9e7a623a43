/** Longest `nameKey`: a prefix search longer than a name is never typed. */
export const NAME_KEY_MAX_LENGTH = 200;

// Combining marks (accents, Arabic harakat) that NFD splits from their base letters.
const COMBINING_MARKS = /\p{M}+/gu;

/**
 * The search key of a product name, and of what a cashier types to find it: lower-cased
 * (locale-independent), accents and other combining marks removed, cut to `NAME_KEY_MAX_LENGTH`.
 * "Café Crème" and "cafe creme" have the same key, so one index range finds a name however it is
 * typed. Zod-free, so the cashier page bundles it (docs/design.md#product-name-key).
 */
export function nameKeyOf(text: string): string {
  // Lower-casing first: it can itself produce marks ("İ" becomes "i" plus a combining dot).
  return text
    .toLowerCase()
    .normalize('NFD')
    .replace(COMBINING_MARKS, '')
    .slice(0, NAME_KEY_MAX_LENGTH);
}
