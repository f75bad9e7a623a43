import {
  getIndexMeta,
  getStartIndexStringFromLowerBound,
  getStartIndexStringFromUpperBound,
  INDEX_MAX,
  INDEX_MIN,
} from 'rxdb';
import type { RxDocumentData, RxJsonSchema, RxQueryPlanKey } from 'rxdb';
import { toSqliteKey } from './index-key.ts';

/**
 * RxDB orders an index by one string per document: each field rendered at a fixed width (strings
 * padded with spaces to `maxLength`, numbers as zero-padded digits). Stored as is, a product's four
 * index strings are ~670 characters, mostly padding, and writing them costs more than the document.
 *
 * This module stores a compact key with exactly the same order. Booleans keep RxDB's `0`/`1`.
 * Numbers are written as their exact IEEE-754 value in 11 order-preserving characters: RxDB's digits
 * round to the schema's `multipleOf` and clamp to its range, which orders every valid value the same
 * way but would tie `_meta.lwt` values finer than 0.01 and let `getChangedDocumentsSince` skip one.
 * A string field is compared by RxDB as if followed by endless spaces, so it is
 * written as a sequence of tokens, one per non-space character together with the run of spaces before
 * it, closed by an end token that stands for the endless spaces:
 * - `c` (no spaces before, `c` above U+0020): the character itself, the common case;
 * - `k` spaces then `c` above U+0020: `\u0002`, `U+D7FF - k`, `c` (more spaces sort lower);
 * - `k` spaces then a control character `c`: `\u0000`, `U+0000 + k`, `c` (fewer spaces sort lower);
 * - end: `\u0001`, above every control-character token and below every other token.
 * Every token's first character tells its length, so keys compare token by token, and the token order
 * equals RxDB's padded order. Bounds of a query go through the same encoding after RxDB computed them
 * (its `INDEX_MIN` / `INDEX_MAX` become strings of `\u0000` / `\uFFFF`, encoded like any other).
 */
const END = '\u0001';
const SPACED = '\u0002';
const CONTROL = '\u0000';
const NEEDS_TOKENS = /[\u0000-\u0020]/;
const CONTROL_CHARS = /[\u0000-\u001f]/;
const SPACE_RUNS = / +/g;
/** Space runs are written as one character below U+D800; longer fields would leave that range. */
const MAX_INDEXED_STRING_LENGTH = 0xd000;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HIGH = LITTLE_ENDIAN ? 1 : 0;
const LOW = LITTLE_ENDIAN ? 0 : 1;
/** Each of the 64 digits is U+0030 + its value, so digit order is character order. */
const DIGIT = 0x30;

/**
 * Encodes a number as 11 characters whose order is numeric order: the IEEE-754 bits with the sign
 * flipped (positive) or all bits inverted (negative), read as 4 + 10×6 bits. `-0` is `0`; anything that
 * is not a number is 0, as RxDB renders `undefined`.
 */
export function encodeNumberPart(value: unknown): string {
  const n = typeof value === 'number' && value === value ? value : 0;
  f64[0] = n === 0 ? 0 : n;
  let hi = u32[HIGH]!;
  let lo = u32[LOW]!;
  if (hi & 0x80000000) {
    hi = ~hi >>> 0;
    lo = ~lo >>> 0;
  } else {
    hi = (hi | 0x80000000) >>> 0;
  }
  return String.fromCharCode(
    DIGIT + (hi >>> 28),
    DIGIT + ((hi >>> 22) & 63),
    DIGIT + ((hi >>> 16) & 63),
    DIGIT + ((hi >>> 10) & 63),
    DIGIT + ((hi >>> 4) & 63),
    DIGIT + (((hi & 15) << 2) | (lo >>> 30)),
    DIGIT + ((lo >>> 24) & 63),
    DIGIT + ((lo >>> 18) & 63),
    DIGIT + ((lo >>> 12) & 63),
    DIGIT + ((lo >>> 6) & 63),
    DIGIT + (lo & 63),
  );
}

const NUMBER_MIN = encodeNumberPart(-Infinity);
const NUMBER_MAX = encodeNumberPart(Infinity);

/** Encodes one string field so that its order equals `value.padEnd(maxLength, ' ')`'s. */
export function encodeStringPart(value: string): string {
  let end = value.length;
  while (end > 0 && value.charCodeAt(end - 1) === 0x20) end--;
  const text = end === value.length ? value : value.slice(0, end);
  if (!NEEDS_TOKENS.test(text)) return text + END;
  // Names hold spaces between words; control characters are rare enough for a character loop.
  if (!CONTROL_CHARS.test(text)) return text.replace(SPACE_RUNS, encodeSpaceRun) + END;
  let out = '';
  let spaces = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x20) {
      spaces++;
      continue;
    }
    if (code < 0x20) out += CONTROL + String.fromCharCode(spaces) + text[i];
    else if (spaces > 0) out += SPACED + String.fromCharCode(0xd7ff - spaces) + text[i];
    else out += text[i];
    spaces = 0;
  }
  return out + END;
}

/** A run of spaces inside the text (never at its end) before a character above U+0020. */
function encodeSpaceRun(run: string): string {
  return SPACED + String.fromCharCode(0xd7ff - run.length);
}

type Schema = RxJsonSchema<RxDocumentData<any>>;

/** The compact SQLite key of a document for one RxDB index. */
export function createIndexKeyFunction(schema: Schema, fields: string[]): (doc: unknown) => string {
  const keysOf = createIndexKeysFunction(schema, [fields]);
  return (doc) => keysOf(doc)[0]!;
}

/**
 * The compact SQLite keys of a document for several RxDB indexes at once. Every RxDB index starts with
 * `_deleted` and ends with the primary key, so each distinct field is rendered and mapped once per
 * document and shared by the keys that contain it.
 */
export function createIndexKeysFunction(
  schema: Schema,
  indexes: readonly (readonly string[])[],
): (doc: unknown) => string[] {
  const fields = [...new Set(indexes.flat())];
  const renderers = getIndexMeta(schema, fields).map((meta): ((doc: any) => string) => {
    if (meta.schemaPart.type === 'boolean') return meta.getIndexStringPart;
    if (meta.schemaPart.type !== 'string') {
      const getNumber = meta.getValue;
      return (doc) => encodeNumberPart(getNumber(doc));
    }
    if ((meta.schemaPart.maxLength ?? 0) >= MAX_INDEXED_STRING_LENGTH) {
      throw new Error(
        `indexed field ${meta.fieldName} has a maxLength above ${MAX_INDEXED_STRING_LENGTH}`,
      );
    }
    const getValue = meta.getValue;
    return (doc) => encodeStringPart((getValue(doc) as string | undefined) || '');
  });
  const positions = indexes.map((index) => index.map((field) => fields.indexOf(field)));
  const parts: string[] = new Array(fields.length);
  return (doc) => {
    for (let i = 0; i < renderers.length; i++) parts[i] = toSqliteKey(renderers[i]!(doc));
    return positions.map((position) => {
      let key = '';
      for (let i = 0; i < position.length; i++) key += parts[position[i]!];
      return key;
    });
  };
}

/** The compact SQLite key of a query plan's lower (`startKeys`) or upper (`endKeys`) bound. */
export function encodeIndexBound(
  schema: Schema,
  fields: readonly string[],
  keys: readonly RxQueryPlanKey[],
  side: 'lower' | 'upper',
): string {
  const render =
    side === 'lower' ? getStartIndexStringFromLowerBound : getStartIndexStringFromUpperBound;
  let key = '';
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    const type = getIndexMeta(schema, [field])[0]!.schemaPart.type;
    if (type === 'string') key += encodeStringPart(render(schema, [field], [keys[i]]));
    else if (type === 'boolean') key += render(schema, [field], [keys[i]]);
    else key += encodeNumberBound(keys[i], side);
  }
  return toSqliteKey(key);
}

/** RxDB's number bounds: a missing bound is the range's end on its side, INDEX_MIN/MAX the ends. */
function encodeNumberBound(bound: RxQueryPlanKey, side: 'lower' | 'upper'): string {
  if (bound === INDEX_MIN) return NUMBER_MIN;
  if (bound === INDEX_MAX) return NUMBER_MAX;
  if (typeof bound === 'number') return encodeNumberPart(bound);
  return side === 'lower' ? NUMBER_MIN : NUMBER_MAX;
}
