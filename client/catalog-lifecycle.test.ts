import { afterAll, describe, expect, it } from 'vitest';
import type { CloudProcess } from './test-support/cloud-process.ts';
import { CloudProcess as Cloud, productInput, tempDir } from './test-support/cloud-process.ts';
import { eventually, openTestTerminal, syncWithin } from './test-support/terminal-fixtures.ts';

const cashSale = (productId: string) => ({
  lines: [{ productId, quantity: 1 }],
  payments: [{ method: 'cash' as const, amountMinor: 100_000 }],
});

describe('catalog lifecycle: branch change and re-snapshot', () => {
  const clouds: CloudProcess[] = [];
  afterAll(async () => {
    for (const cloud of clouds) await cloud.destroy();
  });

  it('purges the old branch catalog and inventory on re-registration, keeps the unsynced sale', async () => {
    const cloud = await Cloud.start();
    clouds.push(cloud);
    await cloud.createBranch('b-1');
    await cloud.createBranch('b-2');
    await cloud.upsertProducts([
      productInput(1),
      productInput(10, { branchIds: ['b-1'] }),
      productInput(20, { branchIds: ['b-2'] }),
    ]);
    const registered = await cloud.registerTerminal('b-1');
    const dataDir = tempDir('pos-terminal-');
    let terminal = await openTestTerminal(cloud, registered, { dataDir });
    await syncWithin(terminal);
    await terminal.adjustInventory('p-1', 5, 'receiving');
    await syncWithin(terminal);
    await terminal.close();
    terminal = await openTestTerminal(cloud, registered, { dataDir, autoStart: false });
    const unsynced = await terminal.sell(cashSale('p-10'));
    await terminal.close();

    const moved = (
      await cloud.gql(
        'mutation ($id: String!) { reassignTerminal(terminalId: $id, branchId: "b-2") { token } }',
        { id: registered.terminalId },
      )
    ).reassignTerminal;
    // Only the token changes: the terminal learns its new branch from the cloud at start.
    terminal = await openTestTerminal(cloud, { ...registered, token: moved.token }, { dataDir });
    try {
      await syncWithin(terminal);
      expect(terminal.identity.branchId).toBe('b-2');
      expect((await terminal.status()).branchId).toBe('b-2');
      expect(await terminal.db.products.findOne('p-10').exec()).toBeNull();
      expect(await terminal.db.products.findOne('p-20').exec()).not.toBeNull();
      expect(await terminal.db.inventory.count().exec()).toBe(0);
      const kept = await terminal.db.sales.findOne(unsynced.id).exec(true);
      // The cloud checks a sale's branch against the new token, so the old branch's sale is refused
      // and waits for an operator (see client/README.md, "Limits found").
      expect(kept.syncState).toBe('needs_attention');
      expect((await terminal.sell(cashSale('p-20'))).localEventId).toBe(2);
      await syncWithin(terminal);
      expect((await cloud.bookedSales('b-2')).map((s) => s.localEventId)).toEqual([2]);
    } finally {
      await terminal.close();
    }
  });

  it('re-snapshots when the checkpoint is older than the retained changes, keeping the queued sales', async () => {
    const cloud = await Cloud.start({ env: { POS_RETENTION: '1s' } });
    clouds.push(cloud);
    await cloud.createBranch('b-1');
    await cloud.upsertProducts(Array.from({ length: 30 }, (_, i) => productInput(i)));
    const registered = await cloud.registerTerminal('b-1');
    const dataDir = tempDir('pos-terminal-');
    let terminal = await openTestTerminal(cloud, registered, { dataDir });
    await syncWithin(terminal);
    const checkpoint = (await terminal.status()).catalog.checkpoint.products;
    await terminal.close();

    // While the terminal is off: deletions whose tombstones are pruned, and a change after them.
    await cloud.deleteProducts(['p-1', 'p-2']);
    // The cloud prunes in the background: wait until it refuses the terminal's checkpoint.
    await eventually(async () => {
      const answer = await fetch(cloud.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${registered.token}`,
        },
        body: JSON.stringify({
          query:
            'query ($cp: CheckpointInput) { pullProducts(checkpoint: $cp, limit: 1) { checkpoint { seq } } }',
          variables: { cp: { seq: checkpoint } },
        }),
      });
      const body = (await answer.json()) as { errors?: { extensions?: { code?: string } }[] };
      return body.errors?.[0]?.extensions?.code === 'POS_CATALOG_RESNAPSHOT_REQUIRED';
    }, 15_000);
    await cloud.upsertProducts([productInput(3, { priceMinor: 3333 })]);

    terminal = await openTestTerminal(cloud, registered, { dataDir, autoStart: false });
    const queued = await terminal.sell(cashSale('p-5'));
    terminal.start();
    try {
      await eventually(async () => (await terminal.db.products.findOne('p-1').exec()) === null);
      await syncWithin(terminal);
      expect(await terminal.db.products.count().exec()).toBe(28);
      expect(terminal.identity.generations.products).toBe(1);
      expect((await terminal.db.products.findOne('p-3').exec())?.priceMinor).toBe(3333);
      expect((await terminal.db.sales.findOne(queued.id).exec(true)).syncState).toBe('synced');
      // Deltas continue from the new snapshot.
      await cloud.upsertProducts([productInput(4, { priceMinor: 4444 })]);
      await eventually(
        async () => (await terminal.db.products.findOne('p-4').exec())?.priceMinor === 4444,
      );
    } finally {
      await terminal.close();
    }
  });
});
