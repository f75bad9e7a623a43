import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { RxCollection } from 'rxdb';
import { replicateRxCollection } from 'rxdb/plugins/replication';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sale } from '../schema/index.ts';
import { asVersion1Sale, makeSale, saleRxSchema } from '../schema/index.ts';
import { TERMINAL_DATABASE_NAME, openTerminalDatabase } from './terminal-database.ts';
import {
  SALES_SCHEMA_V0,
  openTerminalFileAsRxDatabase,
  storeAsReleaseBeforeCustomers,
  storeProductsAsVersion0,
  writeSalesAsVersion,
} from './test-support/old-releases.ts';
import type { CloudProcess } from './test-support/cloud-process.ts';
import {
  CloudProcess as Cloud,
  productInput,
  removeDir,
  tempDir,
} from './test-support/cloud-process.ts';
import { openTestTerminal, syncWithin, waitForStatus } from './test-support/terminal-fixtures.ts';
import { replicationIdentifier } from './terminal-identity.ts';

const sale = (productId: string) => ({
  lines: [{ productId, quantity: 1 }],
  payments: [{ method: 'cash' as const, amountMinor: 100_000 }],
});

/**
 * Puts the stored sales of a closed terminal's file back under an older `sales` schema version, as a
 * release of that version left them: the documents without the later fields, the old version's table
 * and schema record.
 */
async function storeSalesAsVersion(version: 0 | 1, dataDir: string): Promise<void> {
  const current = await openTerminalFileAsRxDatabase(dataDir);
  await current.addCollections({ sales: { schema: saleRxSchema } });
  const docs = (await current['sales']!.find().exec()).map((d) => d.toMutableJSON() as Sale);
  await current['sales']!.remove();
  await current.close();
  await writeSalesAsVersion(version, dataDir, docs);
}

/** Row counts of the SQLite tables behind each version of a collection. */
function tablesOf(dataDir: string, collection: 'sales' | 'products'): Record<string, number> {
  const db = new Database(join(dataDir, `${TERMINAL_DATABASE_NAME}.sqlite`), { readonly: true });
  try {
    const tables = db
      .prepare(
        `SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'rx_${collection}_v%'`,
      )
      .all() as { name: string }[];
    return Object.fromEntries(
      tables.map(({ name }) => [
        name,
        (db.prepare(`SELECT count(*) AS c FROM "${name}"`).get() as { c: number }).c,
      ]),
    );
  } finally {
    db.close();
  }
}

describe.each([0, 1] as const)(
  'a data dir written by a release with sales schema version %i',
  (version) => {
    let cloud: CloudProcess;
    const dirs: string[] = [];

    beforeAll(async () => {
      cloud = await Cloud.start();
      await cloud.createBranch('b-north');
      await cloud.upsertProducts(Array.from({ length: 5 }, (_, i) => productInput(i)));
    });

    afterAll(async () => {
      await cloud?.destroy();
      for (const dir of dirs) removeDir(dir);
    });

    it('migrates every stored sale, pushes the queued ones and keeps counting localEventId', async () => {
      const registered = await cloud.registerTerminal('b-north');
      const dataDir = tempDir('pos-terminal-');
      dirs.push(dataDir);
      const online = await openTestTerminal(cloud, registered, { dataDir });
      await syncWithin(online);
      const booked = [await online.sell(sale('p-1')), await online.sell(sale('p-2'))];
      await syncWithin(online);
      await online.close();
      const offline = await openTestTerminal(cloud, registered, { dataDir, autoStart: false });
      const queued = [await offline.sell(sale('p-3')), await offline.sell(sale('p-4'))];
      await offline.close();

      await storeSalesAsVersion(version, dataDir);
      const old = tablesOf(dataDir, 'sales');
      expect(Object.keys(old).filter((t) => old[t]! > 0)).toEqual([`rx_sales_v${version}`]);
      expect(old[`rx_sales_v${version}`]).toBe(4);

      const terminal = await openTestTerminal(cloud, registered, { dataDir, autoStart: false });
      try {
        // Opening ran the migration: the rows moved to the version-2 table, nothing was lost or
        // changed, and each old sale reads as a plain sale made online.
        expect(tablesOf(dataDir, 'sales')).toMatchObject({ rx_sales_v2: 4 });
        expect(tablesOf(dataDir, 'sales')[`rx_sales_v${version}`] ?? 0).toBe(0);
        const stored = async (id: string) =>
          (await terminal.db.sales.findOne(id).exec(true)).toJSON() as Sale;
        for (const made of booked) {
          expect(await stored(made.id)).toMatchObject({
            localEventId: made.localEventId,
            totals: made.totals,
            syncState: 'synced',
            invoiceNo: expect.any(Number),
          });
        }
        for (const made of queued) {
          // An old release recorded no last contact: the migrated sale says so.
          expect(await stored(made.id)).toEqual({
            ...made,
            syncState: 'queued',
            lastContactAt: null,
          });
        }
        for (const made of [...booked, ...queued]) {
          expect(await stored(made.id)).toMatchObject({
            kind: 'sale',
            customerId: null,
            returnOf: null,
            offline: false,
            override: null,
            accountVerification: null,
          });
        }
        expect(await terminal.status()).toMatchObject({ queued: 2, synced: 2, discarded: 0 });

        const next = await terminal.sell(sale('p-0'));
        expect(next.localEventId).toBe(5);
        terminal.start();
        await syncWithin(terminal);
        expect(await terminal.status()).toMatchObject({ queued: 0, synced: 5, needsAttention: 0 });
        const cloudSales = (await cloud.bookedSales('b-north')).filter(
          (s) => s.posId === terminal.identity.posId,
        );
        expect(cloudSales.map((s) => s.localEventId).sort()).toEqual([1, 2, 3, 4, 5]);
        expect(new Set(cloudSales.map((s) => s.invoiceNo)).size).toBe(5);
      } finally {
        await terminal.close();
      }
    });
  },
);

describe('a data dir written by a release with products schema version 0', () => {
  let cloud: CloudProcess;
  const dirs: string[] = [];
  const PRODUCTS = 40;

  beforeAll(async () => {
    cloud = await Cloud.start();
    await cloud.createBranch('b-north');
    await cloud.upsertProducts(
      Array.from({ length: PRODUCTS }, (_, i) =>
        productInput(i, i === 7 ? { name: 'Crème brûlée' } : {}),
      ),
    );
  });

  afterAll(async () => {
    await cloud?.destroy();
    for (const dir of dirs) removeDir(dir);
  });

  it('opened offline migrates the catalog and sells from it; online it pulls only what changed and reconciles clean', async () => {
    const registered = await cloud.registerTerminal('b-north');
    const dataDir = tempDir('pos-terminal-');
    dirs.push(dataDir);
    const first = await openTestTerminal(cloud, registered, { dataDir });
    await syncWithin(first);
    const identifier = replicationIdentifier(first.identity, 'products');
    await first.close();
    await storeProductsAsVersion0(dataDir, {
      httpUrl: cloud.url,
      token: registered.token,
      replicationIdentifier: identifier,
    });
    expect(tablesOf(dataDir, 'products')).toEqual({ rx_products_v0: PRODUCTS });

    // While the till is off, a price changes; then the cloud goes away and the new release opens.
    await cloud.upsertProducts([productInput(3, { priceMinor: 4242 })]);
    await cloud.stop();
    const terminal = await openTestTerminal(cloud, registered, { dataDir });
    try {
      expect(tablesOf(dataDir, 'products')).toMatchObject({ rx_products_v1: PRODUCTS });
      expect(tablesOf(dataDir, 'products')['rx_products_v0'] ?? 0).toBe(0);
      expect((await terminal.status()).catalog).toMatchObject({ ready: true, products: PRODUCTS });
      // Every product got its name key: the name index finds them whatever the case typed.
      const byKey = await terminal.db.products
        .find({ selector: { nameKey: { $gte: 'creme', $lt: 'creme\uffff' } } })
        .exec();
      expect(byKey.map((doc) => doc.id)).toEqual(['p-7']);
      expect(await terminal.db.products.count({ selector: { nameKey: { $gt: '' } } }).exec()).toBe(
        PRODUCTS,
      );
      const offline = await terminal.sell(sale('p-3'));
      expect(offline.lines[0]!.unitPriceMinor).toBe(103);
      expect(await terminal.status()).toMatchObject({ online: false, queued: 1 });

      await cloud.start();
      await waitForStatus(terminal, (status) => status.online && status.queued === 0, 30_000);
      await syncWithin(terminal);
      // The checkpoint came across with the catalog: only the changed product was pulled again.
      expect((await terminal.status()).catalog.snapshotPulled).toBe(1);
      expect((await terminal.db.products.findOne('p-3').exec(true)).toJSON()).toMatchObject({
        priceMinor: 4242,
        nameKey: 'product 3',
      });
      expect(await terminal.reconcile()).toMatchObject({
        missing: [],
        stale: [],
        extra: [],
        applied: 0,
      });
    } finally {
      await terminal.close();
    }
  }, 120_000);
});

describe('the sales schema migration on its own', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) removeDir(dir);
  });

  it('carries the replication checkpoint of the sales stream across: nothing is pulled twice', async () => {
    const dataDir = tempDir('pos-terminal-');
    dirs.push(dataDir);
    const master = Array.from({ length: 30 }, (_, i) => ({
      ...asVersion1Sale(makeSale({ localEventId: i + 1, invoiceNo: i + 1, syncState: 'synced' })),
      id: `0190a000-0000-7000-8000-${String(i).padStart(12, '0')}`,
      ingestedAt: '2025-01-15T10:00:01.000Z',
      _deleted: false,
    }));
    const asked: (number | null)[] = [];
    // A pull-only replication like the terminal's sales stream, against a fixed master.
    const pullAll = async (collection: RxCollection<Sale>) => {
      const replication = replicateRxCollection<Sale, { n: number }>({
        collection,
        replicationIdentifier: 'sales-0',
        live: false,
        pull: {
          batchSize: 10,
          handler: async (checkpoint) => {
            const from = checkpoint?.n ?? 0;
            asked.push(checkpoint?.n ?? null);
            const documents = master.slice(from, from + 10);
            return {
              documents,
              checkpoint: documents.length > 0 ? { n: from + documents.length } : checkpoint!,
            };
          },
        },
      });
      await replication.awaitInitialReplication();
      await replication.cancel();
    };

    const old = await openTerminalFileAsRxDatabase(dataDir);
    await old.addCollections({ sales: { schema: SALES_SCHEMA_V0 } });
    await pullAll(old['sales']!);
    await old.close();
    expect(asked).toEqual([null, 10, 20, 30]);

    asked.length = 0;
    const db = await openTerminalDatabase({ dataDir, catalogSynchronous: 'NORMAL' });
    try {
      expect(await db.sales.count().exec()).toBe(30);
      await pullAll(db.sales);
      expect(asked).toEqual([30]);
    } finally {
      await db.close();
    }
  });
});

describe('a data dir written by the release before customers (protocol 5)', () => {
  let cloud: CloudProcess;
  const dirs: string[] = [];

  beforeAll(async () => {
    cloud = await Cloud.start();
    await cloud.createBranch('b-north');
    await cloud.upsertProducts([productInput(0)]);
  });

  afterAll(async () => {
    await cloud?.destroy();
    for (const dir of dirs) removeDir(dir);
  });

  const tables = (dataDir: string) => {
    const db = new Database(join(dataDir, `${TERMINAL_DATABASE_NAME}.sqlite`), { readonly: true });
    try {
      return (
        db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as {
          name: string;
        }[]
      ).map((t) => t.name);
    } finally {
      db.close();
    }
  };

  it('gets the customers collection on open, pulls the tenant customers and keeps its sales', async () => {
    const registered = await cloud.registerTerminal('b-north');
    const dataDir = tempDir('pos-terminal-');
    dirs.push(dataDir);
    const before = await openTestTerminal(cloud, registered, { dataDir });
    await syncWithin(before);
    const sold = await before.sell(sale('p-0'));
    await syncWithin(before);
    await before.close();
    await storeAsReleaseBeforeCustomers(dataDir);
    expect(tables(dataDir).some((t) => t.startsWith('rx_customers'))).toBe(false);
    await cloud.gql(
      `mutation { upsertCustomers(input: [{ id: "c-known", name: "Known" }]) { id } }`,
    );

    const terminal = await openTestTerminal(cloud, registered, { dataDir });
    try {
      expect(tables(dataDir).some((t) => t.startsWith('rx_customers'))).toBe(true);
      await syncWithin(terminal);
      expect((await terminal.customer('c-known')).name).toBe('Known');
      expect(await terminal.db.sales.findOne(sold.id).exec(true)).toMatchObject({
        syncState: 'synced',
      });
      const made = await terminal.createCustomer({ name: 'New', phone: '555 1234' });
      await syncWithin(terminal);
      const { customers } = await cloud.gql(`{ customers(first: 10) { edges { node { id } } } }`);
      expect(customers.edges.map((e: { node: { id: string } }) => e.node.id)).toContain(made.id);
    } finally {
      await terminal.close();
    }
  });
});
