import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function openPair() {
  const dir = mkdtempSync(join(tmpdir(), 'pos-group-commit-'));
  dirs.push(dir);
  const writer = new Database(join(dir, 'db.sqlite'));
  writer.pragma('journal_mode = WAL');
  writer.exec('CREATE TABLE t (v TEXT PRIMARY KEY)');
  const reader = new Database(join(dir, 'db.sqlite'), { readonly: true });
  return { writer, reader };
}

describe('group commit', () => {
  it('commits pieces submitted in one turn together, settling each only after the commit', async () => {
    const { writer, reader } = openPair();
    const group = new GroupCommit(writer);
    const insert = writer.prepare('INSERT INTO t (v) VALUES (?)');
    const visible = () => reader.prepare('SELECT v FROM t ORDER BY v').all() as { v: string }[];
    const inTransaction: number[] = [];
    const pieces = ['a', 'b', 'c'].map((v) =>
      group.run(() => {
        insert.run(v);
        inTransaction.push(writer.inTransaction ? 1 : 0);
        return v;
      }),
    );
    // Nothing is visible (nor settled) before the group's commit.
    expect(visible()).toEqual([]);
    const seenAtSettle = await Promise.all(pieces.map((p) => p.then(() => visible().length)));
    expect(seenAtSettle).toEqual([3, 3, 3]);
    expect(inTransaction).toEqual([1, 1, 1]);
    writer.close();
    reader.close();
  });

  it('rolls back only the piece that threw; the others commit', async () => {
    const { writer, reader } = openPair();
    const group = new GroupCommit(writer);
    const insert = writer.prepare('INSERT INTO t (v) VALUES (?)');
    const results = await Promise.allSettled([
      group.run(() => insert.run('a')),
      group.run(() => {
        insert.run('b');
        throw new Error('refused');
      }),
      group.run(() => insert.run('a')), // duplicate key: fails on its own
      group.run(() => insert.run('c')),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'rejected',
      'fulfilled',
    ]);
    expect(reader.prepare('SELECT v FROM t ORDER BY v').all()).toEqual([{ v: 'a' }, { v: 'c' }]);
    writer.close();
    reader.close();
  });
});
