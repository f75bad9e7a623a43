import { randomUUID } from 'node:crypto';
import type { CommandStartedEvent, Document } from 'mongodb';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { World } from '../contract/harness.ts';
import { accountChargeOf, createWorld } from '../contract/harness.ts';
import { resolveStoreCoreOptions } from '../core/options.ts';
import { MongoCloudStore } from './mongo-cloud-store.ts';
import { startTestMongo } from './test-mongo.ts';

const mongo = await startTestMongo();

if ('skip' in mongo) {
  console.log(`skipping the commands of sale ingest: mongo: ${mongo.skip}`);
  describe.skip(`the commands of sale ingest — skipped: ${mongo.skip}`, () => {
    it('runs against MongoDB', () => {});
  });
} else {
  vi.setConfig({ testTimeout: 60_000 });
  describe(`the commands of sale ingest on MongoDB (${mongo.kind})`, () => {
    const dbName = `pos_test_${randomUUID().slice(0, 8)}`;
    // The driver's command monitoring: every command the store sends, with its collection.
    const commands: { name: string; collection: unknown; command: Document }[] = [];
    let client: MongoClient;
    let store: MongoCloudStore;
    let world: World;
    beforeAll(async () => {
      client = new MongoClient(mongo.url, { monitorCommands: true, ignoreUndefined: true });
      client.on('commandStarted', (event: CommandStartedEvent) => {
        const { commandName: name, command } = event;
        commands.push({ name, collection: command[name], command });
      });
      await client.connect();
      const options = {
        ...resolveStoreCoreOptions({}),
        url: mongo.url,
        dbName,
        serverSelectionTimeoutMs: 5_000,
        logger: { warn: () => {} },
      };
      store = new MongoCloudStore(options, client, client.db(dbName));
      await store.init();
      world = await createWorld(store);
    });
    afterAll(async () => {
      await client.db(dbName).dropDatabase();
      await store.close();
      await mongo.close();
    });
    /** The commands `run` sends. */
    const commandsOf = async (run: () => Promise<unknown>) => {
      commands.length = 0;
      await run();
      return commands.splice(0);
    };

    it('answers a redelivered account booking from its copy: no ledger, customer or sale write', async () => {
      const sale = accountChargeOf(world.t1, 1, 'c-1');
      await store.upsertCustomers(world.tenantId, [{ id: 'c-1', name: 'Ada' }], 'root');
      const [booked] = await store.ingestSales(world.t1, [sale]);
      expect(booked!.sale!.accountLedgerSeq).not.toBeNull();
      let again;
      const sent = await commandsOf(async () => {
        [again] = await store.ingestSales(world.t1, [sale]);
      });
      expect(again).toEqual({ ...booked, status: 'duplicate' });
      const touched = sent.map((c) => `${c.name} ${String(c.collection)}`);
      expect(touched.filter((c) => / (ledger_entries|customers)$/.test(c))).toEqual([]);
      expect(touched).not.toContain('update sales');
    });

    it('records the ledger position on a copy booked before sales carried it, when redelivered', async () => {
      const sale = accountChargeOf(world.t1, 5, 'c-1');
      const [booked] = await store.ingestSales(world.t1, [sale]);
      const position = booked!.sale!.accountLedgerSeq;
      expect(position).not.toBeNull();
      await store.collections.sales.updateOne(
        { tenantId: world.tenantId, id: sale.id },
        { $unset: { 'doc.accountLedgerSeq': '' } },
      );
      const [again] = await store.ingestSales(world.t1, [sale]);
      expect(again).toMatchObject({ status: 'duplicate', sale: { accountLedgerSeq: position } });
      const stored = await store.collections.sales.findOne({
        tenantId: world.tenantId,
        id: sale.id,
      });
      expect(stored!.doc.accountLedgerSeq).toBe(position);
    });

    it("looks up the customers of a push's account bookings in other tenants with one query", async () => {
      const ids = ['c-2', 'c-3', 'c-4'];
      await store.upsertCustomers(
        world.tenantId,
        ids.map((id) => ({ id, name: id })),
        'root',
      );
      const sales = ids.map((id, i) => accountChargeOf(world.t1, 10 + i, id));
      let outcomes;
      const sent = await commandsOf(async () => {
        outcomes = await store.ingestSales(world.t1, sales);
      });
      expect(outcomes!.map((o: { status: string }) => o.status)).toEqual(ids.map(() => 'ingested'));
      const elsewhere = sent.filter(
        (c) =>
          c.name === 'find' &&
          c.collection === 'customers' &&
          (c.command['filter'] as Document)['tenantId']?.$ne === world.tenantId,
      );
      expect(elsewhere.map((c) => c.command['filter'])).toEqual([
        { id: { $in: ids }, tenantId: { $ne: world.tenantId } },
      ]);
    });
  });
}
