/**
 * SQLite compares TEXT as UTF-8 bytes; RxDB compares index strings as JavaScript strings (UTF-16 code
 * units). The two orders agree below U+D800 and disagree above it: UTF-8 puts U+E000..U+FFFF before the
 * supplementary planes, UTF-16 puts the surrogates (which encode those planes) before U+E000. Lone
 * surrogates, which JavaScript strings may hold, are not even representable in UTF-8.
 *
 * So every code unit at or above U+D800 is written as two private-use characters, U+E000 + high byte and
 * U+E000 + low byte of (unit - 0xD800). Both are three-byte UTF-8 sequences starting 0xEE, above every
 * character below U+D800 (at most 0xED 0x9F 0xBF), and compare among themselves in code-unit order.
 * The mapping is applied to stored keys and to query bounds alike, so byte order equals RxDB's order.
 */
const HIGH_UNITS = /[\uD800-\uFFFF]/;
const HIGH_UNITS_GLOBAL = /[\uD800-\uFFFF]/g;

function mapHighUnit(unit: string): string {
  const offset = unit.charCodeAt(0) - 0xd800;
  return String.fromCharCode(0xe000 + (offset >> 8), 0xe000 + (offset & 0xff));
}

/** Maps an RxDB index string to a string whose SQLite (UTF-8 byte) order equals JavaScript order. */
export function toSqliteKey(indexString: string): string {
  return HIGH_UNITS.test(indexString)
    ? indexString.replace(HIGH_UNITS_GLOBAL, mapHighUnit)
    : indexString;
}
