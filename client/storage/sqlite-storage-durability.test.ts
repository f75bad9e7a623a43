import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getRxStorageSqlite } from './sqlite-storage.ts';
import { makeTempDir, openItemsDatabase } from './test-fixtures.ts';

const childScript = fileURLToPath(new URL('./test-child-writer.ts', import.meta.url));

function startChild(args: string[]): { child: ChildProcess; lines: AsyncIterable<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', childScript, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return { child, lines: createInterface({ input: child.stdout! }) };
}

function exited(child: ChildProcess): Promise<NodeJS.Signals | number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve(child.signalCode ?? child.exitCode);
    } else {
      child.once('exit', (code, signal) => resolve(signal ?? code));
    }
  });
}

describe('durability and exclusive access', () => {
  let temp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    temp = makeTempDir();
  });
  afterEach(() => temp.remove());

  it('keeps every insert that resolved before the process was killed with SIGKILL', async () => {
    const { child, lines } = startChild([temp.dir, 'write-forever']);
    const acknowledged: string[] = [];
    for await (const id of lines) {
      acknowledged.push(id);
      if (acknowledged.length === 150) {
        child.kill('SIGKILL');
        break;
      }
    }
    expect(await exited(child)).toBe('SIGKILL');

    const db = await openItemsDatabase(getRxStorageSqlite({ directory: temp.dir }), 'durable');
    const found = await db.items.findByIds(acknowledged).exec();
    expect([...found.keys()].sort()).toEqual([...acknowledged].sort());
    // The writer may have committed one more insert it never got to acknowledge; never fewer.
    expect(await db.items.count().exec()).toBeGreaterThanOrEqual(acknowledged.length);
    await db.close();
  }, 60_000);

  it('keeps a bulk insert when the process kills itself right after it resolved', async () => {
    const { child } = startChild([temp.dir, 'write-then-kill', '2000']);
    expect(await exited(child)).toBe('SIGKILL');
    const db = await openItemsDatabase(getRxStorageSqlite({ directory: temp.dir }), 'durable');
    expect(await db.items.count().exec()).toBe(2_000);
    await db.close();
  }, 60_000);

  it('refuses a second process on the same file with a clear error, and opens once it is gone', async () => {
    const { child, lines } = startChild([temp.dir, 'hold']);
    for await (const line of lines) if (line === 'ready') break;

    await expect(
      openItemsDatabase(getRxStorageSqlite({ directory: temp.dir }), 'durable'),
    ).rejects.toMatchObject({
      code: 'SQLITE_STORAGE_LOCKED',
      message: /in use by another process/,
    });

    child.kill('SIGKILL');
    await exited(child);
    const db = await openItemsDatabase(getRxStorageSqlite({ directory: temp.dir }), 'durable');
    expect(await db.items.count().exec()).toBe(0);
    await db.close();
  }, 60_000);
});
