import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AUDIT_ENTITY_TYPES,
  AUDIT_ENTITY_TYPE_OF_ACTION,
  createUuidV7,
} from '../../../schema/index.ts';
import type { AuditDoc } from './collections.ts';
import { openMongoCloudStore } from './mongo-cloud-store.ts';
import { startTestMongo } from './test-mongo.ts';

const mongo = await startTestMongo();

if ('skip' in mongo) {
  console.log(`skipping audit backfill on MongoDB: ${mongo.skip}`);
  describe.skip(`audit backfill on MongoDB — skipped: ${mongo.skip}`, () => {
    it('runs against MongoDB', () => {});
  });
} else {
  afterAll(() => mongo.close());

  describe(`audit backfill on MongoDB (${mongo.kind})`, () => {
    it('gives entries written before the filters their entity type and offline false', async () => {
      const dbName = `pos_test_${randomUUID().slice(0, 8)}`;
      const client = new MongoClient(mongo.url);
      await client.connect();
      try {
        const old = (action: string, target: string | null) => ({
          _id: createUuidV7(),
          tenantId: 'default',
          at: '2026-01-01T00:00:00.000Z',
          actor: 'root',
          action,
          target,
          details: {},
        });
        await client
          .db(dbName)
          .collection<AuditDoc>('audit_log')
          .insertMany([
            old('registerTerminal', 't-1'),
            old('upsert:products', null),
            ...Object.keys(AUDIT_ENTITY_TYPE_OF_ACTION).map((action) => old(action, 'every')),
          ]);
        const store = await openMongoCloudStore({ url: mongo.url, dbName });
        try {
          const page = await store.listAuditLog(
            'default',
            { first: 10 },
            { entityType: 'terminal', entityId: 't-1', offline: false },
          );
          expect(page.edges.map((e) => [e.node.action, e.node.target])).toEqual([
            ['registerTerminal', 't-1'],
          ]);
          const products = await store.listAuditLog(
            'default',
            { first: 10 },
            { entityType: 'product' },
          );
          expect(products.totalCount).toBe(3);
          // Every action gets the one table's type, as SQLite's migration gives its actions.
          for (const type of AUDIT_ENTITY_TYPES) {
            const typed = await store.listAuditLog(
              'default',
              { first: 100 },
              { entityType: type, entityId: 'every' },
            );
            expect({ type, actions: typed.edges.map((e) => e.node.action) }).toEqual({
              type,
              actions: Object.keys(AUDIT_ENTITY_TYPE_OF_ACTION).filter(
                (action) => AUDIT_ENTITY_TYPE_OF_ACTION[action] === type,
              ),
            });
          }
        } finally {
          await store.close();
        }
      } finally {
        await client.db(dbName).dropDatabase();
        await client.close();
      }
    });
  });
}
