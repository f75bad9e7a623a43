import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteCloudStore } from '../store/index.ts';
import { authenticate } from './use-auth.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('authenticate', () => {
  it('refuses a tenant admin token once it expired or was revoked, saying which', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pos-auth-'));
    dirs.push(dataDir);
    let ms = Date.parse('2026-01-01T09:00:00.000Z');
    const store = openSqliteCloudStore({ dataDir, now: () => new Date(ms) });
    try {
      const expiresAt = '2026-01-01T10:00:00.000Z';
      const temp = await store.createAdminToken('default', 'temp', 'root', { expiresAt });
      const kept = await store.createAdminToken('default', 'kept', 'root');
      expect(await authenticate(store, temp.token)).toEqual({
        kind: 'admin',
        tenantId: 'default',
        actor: `admin:${temp.tokenId}`,
        tokenId: temp.tokenId,
        expiresAt,
      });
      ms = Date.parse(expiresAt);
      expect(await authenticate(store, temp.token)).toEqual({
        kind: 'none',
        problem: 'admin_expired',
      });
      await store.revokeAdminToken('default', kept.tokenId, 'root');
      expect(await authenticate(store, kept.token)).toEqual({
        kind: 'none',
        problem: 'admin_revoked',
      });
    } finally {
      await store.close();
    }
  });
});
