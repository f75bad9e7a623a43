import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RxCollection, RxDatabase } from 'rxdb';
import { addRxPlugin, createRxDatabase } from 'rxdb';
import { RxDBMigrationSchemaPlugin } from 'rxdb/plugins/migration-schema';
import { replicateGraphQL } from 'rxdb/plugins/replication-graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// Tests may use the terminal's storage to replicate against the real server; server code never does.
import { getRxStorageSqlite } from '../client/storage/index.ts';
import type { Checkpoint } from '../replication/index.ts';
import {
  createCatalogConflictHandler,
  createPullQueryBuilder,
  createPullResponseModifier,
  createPullStreamQueryBuilder,
  createPushQueryBuilder,
  saleConflictHandler,
} from '../replication/index.ts';
import type { BranchProduct, Sale } from '../schema/index.ts';
import {
  makeSale,
  productRxSchema,
  saleRxMigrations,
  saleRxSchema,
  withNameKey,
} from '../schema/index.ts';
import type { TestServer } from './test-fixtures.ts';
import { removeDataDir, startTestServer } from './test-fixtures.ts';

addRxPlugin(RxDBMigrationSchemaPlugin);

const UPSERT = 'mutation ($input: [ProductInput!]!) { upsertProducts(input: $input) { id } }';

const product = (i: number, extra: Record<string, unknown> = {}) => ({
  id: `p-${String(i).padStart(4, '0')}`,
  sku: `SKU-${i}`,
  name: `Product ${i}`,
  priceMinor: 100 + i,
  currency: 'EUR',
  taxRateBps: 700,
  ...extra,
});

/** Polls until `check` passes (the stream wake-up is asynchronous), failing after `timeoutMs`. */
async function eventually(check: () => Promise<void>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

describe('a terminal replicating with RxDB replicateGraphQL against the real server', () => {
  let t: TestServer;
  let terminal: { terminalId: string; token: string };
  let db: RxDatabase;
  let products: RxCollection<BranchProduct>;
  let sales: RxCollection<Sale>;
  const dbDir = mkdtempSync(join(tmpdir(), 'pos-e2e-terminal-'));

  beforeAll(async () => {
    t = await startTestServer({ config: { rateLimitPerSecond: 1000, rateLimitBurst: 1000 } });
    for (const id of ['b-1', 'b-2']) {
      await t.gql(
        'mutation ($id: String!) { createBranch(input: { id: $id, name: $id, currency: "EUR" }) { id } }',
        { id },
      );
    }
    terminal = (
      await t.gql(
        'mutation { registerTerminal(input: { branchId: "b-1", name: "Till" }) { terminalId token } }',
      )
    ).data.registerTerminal;
    // 230 products: one with a b-1 price, one carried by b-2 only.
    const input = Array.from({ length: 230 }, (_, i) => product(i));
    input[3] = product(3, { branchPrices: [{ branchId: 'b-1', priceMinor: 999 }] });
    input[4] = product(4, { branchIds: ['b-2'] });
    expect((await t.gql(UPSERT, { input })).errors).toBeUndefined();

    db = await createRxDatabase({
      name: 'terminal',
      storage: getRxStorageSqlite({ directory: dbDir }),
      multiInstance: false,
    });
    const collections = await db.addCollections({
      products: { schema: productRxSchema, conflictHandler: createCatalogConflictHandler() },
      sales: {
        schema: saleRxSchema,
        conflictHandler: saleConflictHandler,
        migrationStrategies: saleRxMigrations,
      },
    });
    products = collections['products'] as RxCollection<BranchProduct>;
    sales = collections['sales'] as RxCollection<Sale>;
  });

  afterAll(async () => {
    await db?.close();
    await t.stop();
    removeDataDir(t.dataDir);
    rmSync(dbDir, { recursive: true, force: true });
  });

  const replicate = <T>(
    collection: RxCollection<T>,
    stream: 'products' | 'sales',
    push: boolean,
    replicationIdentifier = `e2e-${stream}`,
  ) =>
    replicateGraphQL<T, Checkpoint>({
      collection,
      replicationIdentifier,
      url: { http: t.server.url, ws: t.server.wsUrl },
      headers: { Authorization: `Bearer ${terminal.token}` },
      live: true,
      waitForLeadership: false,
      retryTime: 200,
      pull: {
        queryBuilder: createPullQueryBuilder(stream),
        streamQueryBuilder: createPullStreamQueryBuilder(stream),
        responseModifier: createPullResponseModifier(),
        includeWsHeaders: true,
        batchSize: 50,
        // As the terminal stores products: with the search key of the name.
        ...(stream === 'products' ? { modifier: withNameKey as (doc: any) => any } : {}),
      },
      ...(push ? { push: { queryBuilder: createPushQueryBuilder('sales'), batchSize: 20 } } : {}),
    });

  it('pulls the branch view in batches, then the stream wakes it up for every change', async () => {
    const replication = replicate(products, 'products', false);
    const errors: unknown[] = [];
    replication.error$.subscribe((e) => errors.push(e));
    await replication.awaitInitialReplication();

    expect(await products.count().exec()).toBe(229);
    expect((await products.findOne('p-0003').exec())?.priceMinor).toBe(999);
    expect(await products.findOne('p-0004').exec()).toBeNull();

    // Live changes arrive without a poll: RxDB's live replication only pulls again on a stream event.
    await t.gql(UPSERT, {
      input: [product(5000), product(7, { priceMinor: 4242 }), product(8, { branchIds: ['b-2'] })],
    });
    await eventually(async () => {
      expect((await products.findOne('p-5000').exec())?.name).toBe('Product 5000');
      expect((await products.findOne('p-0007').exec())?.priceMinor).toBe(4242);
      expect(await products.findOne('p-0008').exec()).toBeNull();
    });
    await t.gql('mutation { deleteProducts(ids: ["p-0009"]) }');
    await eventually(async () => expect(await products.findOne('p-0009').exec()).toBeNull());
    expect(await products.count().exec()).toBe(228);
    const metrics = await (await fetch(t.server.url.replace(/graphql$/, 'metrics'))).text();
    expect(metrics).toMatch(/pos_open_subscriptions\{stream="products"\} 1/);
    expect(errors).toEqual([]);
    await replication.cancel();
  });

  it('snapshots a catalog pruned above retained rows in batches to the end (RxDB stores and sends back the whole checkpoint)', async () => {
    // The previous test deleted p-0009 last: pruning its tombstone puts the retention floor above
    // nearly every retained product, so every 50-product page of a new terminal's snapshot ends below
    // it. Before checkpoints carried snapshotFloor, the second page was refused with
    // POS_CATALOG_RESNAPSHOT_REQUIRED and RxDB retried forever.
    const report = await t.store.prune({ olderThanMs: 0, now: new Date(Date.now() + 60_000) });
    expect(report.tombstones).toBe(1);
    expect(report.floors).toEqual([{ tenantId: 'default', stream: 'products', seq: 234 }]);
    const { fresh } = await db.addCollections({
      fresh: { schema: productRxSchema, conflictHandler: createCatalogConflictHandler() },
    });
    const replication = replicate(
      fresh as RxCollection<BranchProduct>,
      'products',
      false,
      'e2e-fresh',
    );
    const errors: unknown[] = [];
    replication.error$.subscribe((e) => errors.push(e));
    const done = replication.awaitInitialReplication();
    await Promise.race([
      done,
      eventually(async () => expect(errors).toEqual(['no error before the snapshot ends']), 20_000),
    ]);
    const ids = async (c: RxCollection<any>) => (await c.find().exec()).map((d) => d.id).sort();
    expect(errors).toEqual([]);
    expect(await ids(fresh!)).toEqual(await ids(products));
    expect(await fresh!.count().exec()).toBe(228);
    await replication.cancel();
  });

  it('pushes sales and takes back the ingested copies with invoice numbers', async () => {
    const made = Array.from({ length: 45 }, (_, i) =>
      makeSale({
        terminalId: terminal.terminalId,
        branchId: 'b-1',
        posId: 'pos-e2e',
        localEventId: i + 1,
      }),
    );
    const invalidBase = makeSale({
      terminalId: terminal.terminalId,
      branchId: 'b-1',
      posId: 'pos-e2e',
      localEventId: 46,
    });
    const invalid = { ...invalidBase, totals: { ...invalidBase.totals, totalMinor: 1 } };
    await sales.bulkInsert([...made, invalid]);

    const replication = replicate(sales, 'sales', true);
    const errors: unknown[] = [];
    replication.error$.subscribe((e) => errors.push(e));
    await replication.awaitInitialReplication();
    await replication.awaitInSync();

    await eventually(async () => {
      const local = (await sales.find().exec()).map((d) => d.toJSON());
      const synced = local.filter((s) => s.syncState === 'synced');
      expect(synced).toHaveLength(45);
      expect(new Set(synced.map((s) => s.invoiceNo)).size).toBe(45);
      expect(local.find((s) => s.localEventId === 46)).toMatchObject({
        syncState: 'needs_attention',
        lastError: { code: 'POS_SYNC_EVENT_INVALID' },
      });
    });
    const cloud = await t.gql('{ sales(branchId: "b-1") { totalCount } }');
    expect(cloud.data.sales.totalCount).toBe(45);

    // A sale made while live reaches the cloud, and its ingested copy comes back by the stream.
    const late = makeSale({
      terminalId: terminal.terminalId,
      branchId: 'b-1',
      posId: 'pos-e2e',
      localEventId: 47,
    });
    await sales.insert(late);
    await eventually(async () => expect((await sales.findOne(late.id).exec())?.invoiceNo).toBe(46));
    expect(errors).toEqual([]);
    await replication.cancel();
  });
});
