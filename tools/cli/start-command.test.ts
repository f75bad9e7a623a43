import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, removeDir, tempDir } from '../../client/test-support/cloud-process.ts';

const POS_CLI = resolve(import.meta.dirname, 'pos.js');

/** Runs `pos start` on a fresh data dir until `until` matches its output, then Ctrl-C. */
async function runStart(dataDir: string, port: number, until: RegExp) {
  const child = spawn(process.execPath, [POS_CLI, 'start'], {
    env: { ...process.env, POS_DATA_DIR: dataDir, POS_PORT: String(port), POS_LOG_LEVEL: 'warn' },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.on('exit', done));
  const match = await new Promise<RegExpExecArray>((found, failed) => {
    const check = () => {
      const m = until.exec(output);
      if (m) found(m);
    };
    child.stdout.on('data', check);
    void exited.then(() => failed(new Error(`pos start exited: ${output}`)));
  });
  return { match, output: () => output, stop: () => (child.kill('SIGINT'), exited) };
}

describe('pos start', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach(removeDir));

  it('brings up the cloud and a demo terminal with its page, prints the URL, exits 0 on Ctrl-C', async () => {
    const dataDir = tempDir('pos-start-');
    dirs.push(dataDir);
    const port = await freePort();
    const first = await runStart(
      dataDir,
      port,
      /Cashier page\s+(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/,
    );
    const pageUrl = first.match[1]!;
    const page = await fetch(pageUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/app.js?token=');
    expect(first.output()).toMatch(/--data-dir \S*till-2 --ui-port 4101/);
    expect(await first.stop()).toBe(0);
    expect(existsSync(join(dataDir, 'till-1', 'terminal.sqlite'))).toBe(true);

    // A second start finds the demo terminal's token and the same page token.
    const second = await runStart(dataDir, port, /Cashier page\s+(\S+)/);
    expect(new URL(second.match[1]!).searchParams.get('token')).toBe(
      new URL(pageUrl).searchParams.get('token'),
    );
    expect(await second.stop()).toBe(0);
  }, 120_000);
});
