import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { removeDir, tempDir } from '../test-support/cloud-process.ts';
import { LOCAL_TOKEN_FILE, isLocalToken, loadOrCreateLocalToken } from './local-token.ts';

describe('local token', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = tempDir('pos-token-');
    dirs.push(d);
    return d;
  };
  afterEach(() => dirs.splice(0).forEach(removeDir));

  test('is made once per data dir, kept readable by the owner only', () => {
    const dataDir = dir();
    const token = loadOrCreateLocalToken(dataDir);
    expect(token).toMatch(/^[\w-]{43}$/);
    expect(statSync(join(dataDir, LOCAL_TOKEN_FILE)).mode & 0o777).toBe(0o600);
    expect(loadOrCreateLocalToken(dataDir)).toBe(token);
    expect(loadOrCreateLocalToken(dir())).not.toBe(token);
  });

  test('tightens a token file others could read', () => {
    const dataDir = dir();
    const path = join(dataDir, LOCAL_TOKEN_FILE);
    writeFileSync(path, 'a'.repeat(43));
    chmodSync(path, 0o644);
    expect(loadOrCreateLocalToken(dataDir)).toBe('a'.repeat(43));
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  test('compares the presented token exactly', () => {
    expect(isLocalToken('secret-token', 'secret-token')).toBe(true);
    expect(isLocalToken('secret-tokeN', 'secret-token')).toBe(false);
    expect(isLocalToken('secret', 'secret-token')).toBe(false);
    expect(isLocalToken(null, 'secret-token')).toBe(false);
    expect(isLocalToken('', 'secret-token')).toBe(false);
  });
});
