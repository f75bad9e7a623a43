import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudProcess } from './test-support/cloud-process.ts';
import { CloudProcess as Cloud, productInput } from './test-support/cloud-process.ts';
import { eventually, openTestTerminal, syncWithin } from './test-support/terminal-fixtures.ts';
import type { Terminal } from './terminal.ts';

describe('catalog sync against a real cloud process', () => {
  let cloud: CloudProcess;
  let north: Terminal;
  let south: Terminal;

  beforeAll(async () => {
    cloud = await Cloud.start();
    await cloud.createBranch('b-north');
    await cloud.createBranch('b-south');
    await cloud.upsertCategories([{ id: 'c-1', name: 'Coffee' }]);
    await cloud.upsertProducts([
      ...Array.from({ length: 120 }, (_, i) => productInput(i, { categoryId: 'c-1' })),
      productInput(500, { branchPrices: [{ branchId: 'b-south', priceMinor: 999 }] }),
      productInput(501, { branchIds: ['b-north'] }),
    ]);
    north = await openTestTerminal(cloud, await cloud.registerTerminal('b-north'), {
      pullBatchSize: 50,
    });
    south = await openTestTerminal(cloud, await cloud.registerTerminal('b-south'));
  });

  afterAll(async () => {
    await north?.close();
    await south?.close();
    await cloud?.destroy();
  });

  it('pulls the snapshot in batches and projects the branch view', async () => {
    await syncWithin(north);
    await syncWithin(south);
    expect(await north.db.products.count().exec()).toBe(122);
    expect(await south.db.products.count().exec()).toBe(121);
    expect((await north.db.products.findOne('p-500').exec())?.priceMinor).toBe(600);
    expect((await south.db.products.findOne('p-500').exec())?.priceMinor).toBe(999);
    expect(await south.db.products.findOne('p-501').exec()).toBeNull();
    expect(await north.db.categories.count().exec()).toBe(1);
    const status = await north.status();
    expect(status.catalog).toMatchObject({ products: 122, categories: 1 });
    expect(status.catalog.checkpoint.products).toBeGreaterThan(0);
  });

  it('applies deltas woken by the stream: changes, tombstones, assortment exits', async () => {
    const before = (await north.status()).counters.delta_sync_runs;
    await cloud.upsertProducts([productInput(1, { name: 'Renamed', priceMinor: 4242 })]);
    await cloud.deleteProducts(['p-2']);
    await cloud.upsertProducts([productInput(500, { branchIds: ['b-north'] })]);
    // No awaitInSync: the subscription alone must wake the pull.
    await eventually(
      async () => (await north.db.products.findOne('p-1').exec())?.name === 'Renamed',
    );
    await eventually(async () => (await north.db.products.findOne('p-2').exec()) === null);
    await eventually(async () => (await south.db.products.findOne('p-500').exec()) === null);
    expect((await north.db.products.findOne('p-1').exec())?.priceMinor).toBe(4242);
    expect((await north.status()).counters.delta_sync_runs).toBeGreaterThan(before);
  });

  it('pulls over the open WebSocket: a delta woken by the stream makes no HTTP request', async () => {
    await syncWithin(north);
    const httpPulls: string[] = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = async (input, init) => {
      const body = input instanceof Request ? await input.clone().text() : String(init?.body ?? '');
      const operation = /"operationName":"(pull\w+)"/.exec(body)?.[1];
      if (operation) httpPulls.push(operation);
      return realFetch(input, init);
    };
    try {
      await cloud.upsertProducts([productInput(3, { priceMinor: 3131 })]);
      await eventually(
        async () => (await north.db.products.findOne('p-3').exec())?.priceMinor === 3131,
      );
      expect(httpPulls).toEqual([]);
    } finally {
      globalThis.fetch = realFetch;
    }
  });

  it('refuses local writes to the catalog', async () => {
    const doc = await north.db.products.findOne('p-3').exec(true);
    await expect(doc.incrementalPatch({ priceMinor: 1 })).rejects.toMatchObject({
      code: 'POS_FORBIDDEN',
    });
    await expect(north.db.products.insert({ ...doc.toJSON(), id: 'p-x' })).rejects.toMatchObject({
      code: 'POS_FORBIDDEN',
    });
  });

  it('reconciles a corrupted catalog: returns the exact plan and repairs it', async () => {
    await syncWithin(north);
    const products = north.db.products;
    const storage = products.storageInstance;
    const [p5, p6, p7] = await storage.findDocumentsById(['p-5', 'p-6', 'p-7'], false);
    const rev = (d: any, n: number) => ({ ...d, _rev: `${n}-corrupt`, _meta: { lwt: Date.now() } });
    // Bypass RxDB's hooks on purpose: a changed price, a deleted row, an extra row, and a name key
    // that no longer matches its name (the terminal's own field, outside the cloud's hash).
    await storage.bulkWrite(
      [
        { previous: p5!, document: rev({ ...p5!, priceMinor: 1 }, 90) },
        { previous: p6!, document: rev({ ...p6!, _deleted: true }, 91) },
        { document: rev({ ...p5!, id: 'p-ghost', sku: 'GHOST' }, 1) },
        { previous: p7!, document: rev({ ...p7!, nameKey: 'zzz' }, 92) },
      ],
      'test-corruption',
    );
    expect((await products.findOne('p-5').exec())?.priceMinor).toBe(1);

    const result = await north.reconcile();
    expect(result).toMatchObject({
      missing: ['p-6'],
      stale: ['p-5', 'p-7'],
      extra: ['p-ghost'],
      applied: 4,
    });
    expect((await products.findOne('p-5').exec())?.priceMinor).toBe(105);
    expect((await products.findOne('p-7').exec())?.nameKey).toBe('product 7');
    expect(await products.findOne('p-6').exec()).not.toBeNull();
    expect(await products.findOne('p-ghost').exec()).toBeNull();

    const again = await north.reconcile();
    expect(again).toMatchObject({ missing: [], stale: [], extra: [], applied: 0 });
    expect((await north.status()).counters.reconcile_runs).toBe(2);

    // Deltas still flow after a reconcile (the checkpoint was not moved, the rows are not "local").
    await cloud.upsertProducts([productInput(5, { priceMinor: 777 })]);
    await eventually(async () => (await products.findOne('p-5').exec())?.priceMinor === 777);
  });
});
