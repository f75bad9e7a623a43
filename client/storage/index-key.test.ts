import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toSqliteKey } from './index-key.ts';

function jsCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

describe('toSqliteKey', () => {
  it('leaves strings below U+D800 unchanged', () => {
    expect(toSqliteKey('abc 123 äöü 漢字')).toBe('abc 123 äöü 漢字');
  });

  it('makes SQLite sort emoji, private-use characters and lone surrogates in JavaScript order', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE k (v TEXT, original TEXT)');
    const insert = db.prepare('INSERT INTO k VALUES (?, ?)');
    const samples = [
      'a',
      '\uE000',
      '\uFFFF',
      '😀',
      '\uD800',
      '\uDFFF',
      'z',
      '\uD7FF',
      '😀a',
      '\uFFFFa',
    ];
    for (const s of samples) insert.run(toSqliteKey(s), JSON.stringify(s));
    const sqliteOrder = db
      .prepare('SELECT original FROM k ORDER BY v')
      .pluck()
      .all()
      .map((s) => JSON.parse(s as string) as string);
    expect(sqliteOrder).toEqual([...samples].sort(jsCompare));
  });

  it('preserves the order of any two strings (property)', () => {
    const db = new Database(':memory:');
    const compare = db.prepare('SELECT CASE WHEN ? < ? THEN -1 WHEN ? > ? THEN 1 ELSE 0 END');
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        const ka = toSqliteKey(a);
        const kb = toSqliteKey(b);
        expect(compare.pluck().get(ka, kb, ka, kb)).toBe(jsCompare(a, b));
      }),
      { numRuns: 2000 },
    );
  });
});
