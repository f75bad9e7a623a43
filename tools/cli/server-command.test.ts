import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
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

  it('takes the root token from --admin-token-file, keeping it out of the process arguments', async () => {
    const dataDir = tempDir('pos-cloud-');
    dirs.push(dataDir);
    const tokenFile = join(dataDir, 'root-token');
    const rootToken = 'root-token-from-a-file-0123456789';
    writeFileSync(tokenFile, `${rootToken}\n`);
    const args = [POS_CLI, 'server', '--port', '0', '--data-dir', dataDir];
    const child = spawn(process.execPath, [...args, '--admin-token-file', tokenFile], {
      env: { ...process.env, POS_LOG_LEVEL: 'silent', POS_ADMIN_TOKEN: '' },
    });
    try {
      expect(child.spawnargs.join(' ')).not.toContain(rootToken);
      let stdout = '';
      const url = await new Promise<string>((done, fail) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const match = /GraphQL\s+(http:\S+)/.exec(stdout);
          if (match) done(match[1]!);
        });
        child.once('exit', (code) => fail(new Error(`exited with ${code}: ${stdout}`)));
      });
      // No token was generated: the file's token is the root token.
      expect(stdout).not.toContain('generated on this first start');
      const tenants = async (token: string) => {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: '{ tenants { id } }' }),
        });
        return (await response.json()) as { data?: unknown; errors?: unknown[] };
      };
      expect((await tenants(rootToken)).data).toEqual({ tenants: [{ id: 'default' }] });
      expect((await tenants(`${rootToken}x`)).errors).toBeDefined();
    } finally {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    }
  });
});
