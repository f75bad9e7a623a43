import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudProcess } from '../../client/test-support/cloud-process.ts';
import {
  CloudProcess as Cloud,
  removeDir,
  tempDir,
} from '../../client/test-support/cloud-process.ts';

const POS_CLI = resolve(import.meta.dirname, 'pos.js');

describe('pos server', () => {
  let cloud: CloudProcess;
  const dirs: string[] = [];

  beforeAll(async () => {
    cloud = await Cloud.start();
  });

  afterAll(async () => {
    await cloud?.destroy();
    for (const dir of dirs) removeDir(dir);
  });

  it('refuses a port already in use with a clear message and exit code 1, changing nothing', async () => {
    const port = new URL(cloud.url).port;
    const dataDir = tempDir('pos-cloud-');
    dirs.push(dataDir);
    const child = spawn(
      process.execPath,
      [POS_CLI, 'server', '--port', port, '--data-dir', dataDir],
      {
        env: { ...process.env, POS_LOG_LEVEL: 'silent' },
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.on('exit', done));
    expect(code).toBe(1);
    expect(stderr).toBe(
      `port ${port} on 127.0.0.1 is already in use (another pos server?); stop it or choose another with --port\n`,
    );
    // The running cloud is untouched.
    expect((await fetch(new URL('/healthz', cloud.url))).status).toBe(200);
  });
});
