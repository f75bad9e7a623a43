import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { afterAll, describe, it } from 'vitest';
import { runCloudStoreContract } from '../cloud-store-contract.ts';
import type { CloudStore } from '../cloud-store.ts';
import { openMongoCloudStore } from './mongo-cloud-store.ts';
import { startTestMongo } from './test-mongo.ts';

const mongo = await startTestMongo();

if ('skip' in mongo) {
  describe.skip(`CloudStore contract: mongo — skipped: ${mongo.skip}`, () => {
    it('runs against MongoDB', () => {});
  });
} else {
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
    };
  });
}
