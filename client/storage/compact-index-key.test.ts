import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeStringPart } from './compact-index-key.ts';
import { toSqliteKey } from './index-key.ts';

const MAX_LENGTH = 12;

function rxdbOrder(a: string, b: string): number {
  const pa = a.padEnd(MAX_LENGTH, ' ');
  const pb = b.padEnd(MAX_LENGTH, ' ');
  return pa < pb ? -1 : pa > pb ? 1 : 0;
}

// Strings built from the characters that make padding order subtle: spaces, control characters,
// characters just above the space, and code units above U+D800.
const tricky = fc.string({
  maxLength: MAX_LENGTH,
  unit: fc.constantFrom(
    ' ',
    '\u0000',
    '\u0001',
    '\u0002',
    '\u001f',
    '!',
    'a',
    'Z',
    '\uD7FF',
    '\uD800',
    '\uFFFF',
    '😀'.charAt(0),
  ),
});
const anyString = fc.oneof(tricky, fc.string({ maxLength: MAX_LENGTH, unit: 'binary' }));

describe('encodeStringPart', () => {
  it('orders any two strings as RxDB orders them padded to maxLength (property)', () => {
    fc.assert(
      fc.property(anyString, anyString, (a, b) => {
        const ea = encodeStringPart(a);
        const eb = encodeStringPart(b);
        const order = ea < eb ? -1 : ea > eb ? 1 : 0;
        expect(order).toBe(rxdbOrder(a, b));
      }),
      { numRuns: 5000 },
    );
  });

  it('keeps that order when another field follows (keys are prefix-free)', () => {
    fc.assert(
      fc.property(anyString, anyString, anyString, anyString, (a, x, b, y) => {
        const ea = encodeStringPart(a) + encodeStringPart(x);
        const eb = encodeStringPart(b) + encodeStringPart(y);
        const order = ea < eb ? -1 : ea > eb ? 1 : 0;
        expect(order).toBe(rxdbOrder(a, b) || rxdbOrder(x, y));
      }),
      { numRuns: 5000 },
    );
  });

  it('keeps that order inside SQLite after the UTF-8 mapping', () => {
    const db = new Database(':memory:');
    const compare = db
      .prepare('SELECT CASE WHEN ? < ? THEN -1 WHEN ? > ? THEN 1 ELSE 0 END')
      .pluck();
    fc.assert(
      fc.property(anyString, anyString, (a, b) => {
        const ka = toSqliteKey(encodeStringPart(a));
        const kb = toSqliteKey(encodeStringPart(b));
        expect(compare.get(ka, kb, ka, kb)).toBe(rxdbOrder(a, b));
      }),
      { numRuns: 3000 },
    );
  });

  it('writes plain text as itself plus one end character', () => {
    expect(encodeStringPart('SKU-123')).toBe('SKU-123\u0001');
    expect(encodeStringPart('SKU-123   ')).toBe('SKU-123\u0001');
  });
});
