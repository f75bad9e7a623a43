import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getNumberIndexString, getStringLengthOfIndexNumber } from 'rxdb';
import { encodeNumberPart, encodeStringPart } from './compact-index-key.ts';
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

describe('encodeNumberPart', () => {
  const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

  it('orders any two numbers numerically, infinities and negative zero included (property)', () => {
    const numbers = fc.oneof(
      fc.double({ noNaN: true }),
      fc.integer(),
      fc.constantFrom(0, -0, Infinity, -Infinity, 1e-300, -1e-300, 1_700_000_000_000.126),
    );
    fc.assert(
      fc.property(numbers, numbers, (a, b) => {
        expect(order(encodeNumberPart(a), encodeNumberPart(b))).toBe(a < b ? -1 : a > b ? 1 : 0);
      }),
      { numRuns: 5000 },
    );
  });

  it("orders every value RxDB's schema accepts as RxDB's fixed-width digits do (property)", () => {
    const schemaPart = { type: 'number', minimum: -1000, maximum: 1000, multipleOf: 0.01 };
    const lengths = getStringLengthOfIndexNumber(schemaPart);
    const valid = fc.integer({ min: -100_000, max: 100_000 }).map((n) => n / 100);
    fc.assert(
      fc.property(valid, valid, (a, b) => {
        const rxdb = order(getNumberIndexString(lengths, a), getNumberIndexString(lengths, b));
        expect(order(encodeNumberPart(a), encodeNumberPart(b))).toBe(rxdb);
      }),
      { numRuns: 5000 },
    );
  });

  it('writes 11 characters below U+0070', () => {
    for (const n of [0, -1, 1.5, Number.MAX_VALUE, -Infinity]) {
      expect(encodeNumberPart(n)).toMatch(/^[\u0030-\u006f]{11}$/);
    }
  });
});
