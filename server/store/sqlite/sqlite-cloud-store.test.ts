import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCloudStoreContract } from '../cloud-store-contract.ts';
import type { CloudStore } from '../cloud-store.ts';
import { AuditLog } from './audit-log.ts';
import { openSqliteCloudStore } from './sqlite-cloud-store.ts';

runCloudStoreContract('sqlite', async ({ now }) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pos-store-'));
  let store: CloudStore = openSqliteCloudStore({ dataDir, now });
  return {
    store,
    async reopen() {
      await store.close();
      store = openSqliteCloudStore({ dataDir, now });
      return store;
    },
    async destroy() {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
    async overwriteInventoryDocument(tenantId, id, doc) {
      const db = new Database(join(dataDir, 'cloud.sqlite'));
      try {
        db.prepare('UPDATE inventory SET doc = ? WHERE tenant_id = ? AND id = ?').run(
          JSON.stringify(doc),
          tenantId,
          id,
        );
      } finally {
        db.close();
      }
    },
    async storeSaleAsLegacy(tenantId, id) {
      const db = new Database(join(dataDir, 'cloud.sqlite'));
      try {
        db.prepare(
          `UPDATE sales SET kind = 'sale', doc = json_remove(doc, '$.kind')
            WHERE tenant_id = ? AND id = ?`,
        ).run(tenantId, id);
      } finally {
        db.close();
      }
    },
    async recordAuditEntry(tenantId, actor, action, target, options) {
      const db = new Database(join(dataDir, 'cloud.sqlite'));
      try {
        new AuditLog(db, now).record(tenantId, actor, action, target, {}, options);
      } finally {
        db.close();
      }
    },
  };
});
