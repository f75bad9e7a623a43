import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AUDIT_ENTITY_TYPE_OF_ACTION } from '../../../schema/index.ts';
import { migrate } from './migrations.ts';
import { openSqliteCloudStore } from './sqlite-cloud-store.ts';

describe('sqlite migrations', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('types every action a version-3 file can hold as the one table does (the v4 CASE agrees)', async () => {
    // The actions releases before v4 audited: what v4's CASE, which is history, had to type.
    const beforeV4 = [
      'createTenant',
      'createAdminToken',
      'revokeAdminToken',
      'createBranch',
      'registerTerminal',
      'revokeTerminal',
      'reassignTerminal',
      'upsert:products',
      'delete:products',
      'upsert:categories',
      'delete:categories',
      'repairInventory',
      'acceptRejectedSale',
      'discardRejectedSale',
    ];
    const dataDir = mkdtempSync(join(tmpdir(), 'pos-migrate-'));
    dirs.push(dataDir);
    const db = new Database(join(dataDir, 'cloud.sqlite'));
    migrate(db, 3);
    const insert = db.prepare(`INSERT INTO audit_log (tenant_id, at, actor, action, target, details)
      VALUES ('default', '2026-01-01T00:00:00.000Z', 'root', ?, NULL, '{}')`);
    for (const action of beforeV4) insert.run(action);
    db.close();

    const store = openSqliteCloudStore({ dataDir });
    try {
      const page = await store.listAuditLog('default', { first: 100 });
      expect(page.edges.map((e) => [e.node.action, e.node.entityType])).toEqual(
        beforeV4.map((action) => [action, AUDIT_ENTITY_TYPE_OF_ACTION[action]]),
      );
    } finally {
      await store.close();
    }
  });

  it('gives audit entries of a version-3 file their entity type and offline false', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pos-migrate-'));
    dirs.push(dataDir);
    const db = new Database(join(dataDir, 'cloud.sqlite'));
    migrate(db, 3);
    const insert = db.prepare(`INSERT INTO audit_log (tenant_id, at, actor, action, target, details)
      VALUES ('default', '2026-01-01T00:00:00.000Z', 'root', ?, ?, '{}')`);
    insert.run('registerTerminal', 't-1');
    insert.run('upsert:products', null);
    insert.run('acceptRejectedSale', 'dl-1');
    db.close();

    const store = openSqliteCloudStore({ dataDir });
    try {
      const page = await store.listAuditLog('default', { first: 10 });
      expect(page.edges.map((e) => [e.node.action, e.node.entityType, e.node.offline])).toEqual([
        ['registerTerminal', 'terminal', false],
        ['upsert:products', 'product', false],
        ['acceptRejectedSale', 'rejectedEvent', false],
      ]);
      const terminals = await store.listAuditLog(
        'default',
        { first: 10 },
        { entityType: 'terminal', entityId: 't-1', offline: false },
      );
      expect(terminals.totalCount).toBe(1);
    } finally {
      await store.close();
    }
  });
});
