import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { afterAll, describe, it, vi } from 'vitest';
import { runCloudStoreContract } from '../cloud-store-contract.ts';
import type { CloudStore } from '../cloud-store.ts';
import { AuditLog } from './audit-log.ts';
import type { AuditDoc } from './collections.ts';
import { openMongoCloudStore } from './mongo-cloud-store.ts';
import { startTestMongo } from './test-mongo.ts';

const mongo = await startTestMongo();

if ('skip' in mongo) {
  console.log(`skipping CloudStore contract: mongo: ${mongo.skip}`);
  describe.skip(`CloudStore contract: mongo — skipped: ${mongo.skip}`, () => {
    it('runs against MongoDB', () => {});
  });
} else {
  // Every store call is a network round trip here (several for a write: max seq, floor, bulk write),
  // and the concurrent-writers property keeps pullers polling the one stand-in process while writers
  // run: the same work as on SQLite takes longer, it is not slower to converge.
  vi.setConfig({ testTimeout: 180_000 });
  afterAll(() => mongo.close());
  runCloudStoreContract(`mongo (${mongo.kind})`, async ({ now }) => {
    const dbName = `pos_test_${randomUUID().slice(0, 8)}`;
    let store: CloudStore = await openMongoCloudStore({ url: mongo.url, dbName, now });
    return {
      store,
      async reopen() {
        await store.close();
        store = await openMongoCloudStore({ url: mongo.url, dbName, now });
        return store;
      },
      async destroy() {
        await store.close();
        const client = new MongoClient(mongo.url);
        try {
          await client.db(dbName).dropDatabase();
        } finally {
          await client.close();
        }
      },
      async overwriteInventoryDocument(tenantId, id, doc) {
        const client = new MongoClient(mongo.url);
        try {
          await client
            .db(dbName)
            .collection('inventory')
            .updateOne({ tenantId, id }, { $set: { doc } });
        } finally {
          await client.close();
        }
      },
      async storeSaleAsLegacy(tenantId, id) {
        const client = new MongoClient(mongo.url);
        try {
          await client
            .db(dbName)
            .collection('sales')
            .updateOne({ tenantId, id }, { $unset: { kind: '', 'doc.kind': '' } });
        } finally {
          await client.close();
        }
      },
      async recordAuditEntry(tenantId, actor, action, target, options) {
        const client = new MongoClient(mongo.url);
        try {
          const coll = client.db(dbName).collection<AuditDoc>('audit_log');
          await new AuditLog(coll, now).record(tenantId, actor, action, target, {}, options);
        } finally {
          await client.close();
        }
      },
    };
  });
}
