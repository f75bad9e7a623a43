import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudProcess } from './test-support/cloud-process.ts';
import { CloudProcess as Cloud, productInput, tempDir } from './test-support/cloud-process.ts';
import { openTestTerminal } from './test-support/terminal-fixtures.ts';
import { openTerminalDatabase } from './terminal-database.ts';
import { loadIdentity } from './terminal-identity.ts';
import type { Terminal } from './terminal.ts';

const cashSale = (productId: string) => ({
  lines: [{ productId, quantity: 1 }],
  payments: [{ method: 'cash' as const, amountMinor: 100_000 }],
});

/** `catalogReady()` with a deadline, so a hang fails the test instead of the suite. */
async function catalogReadyWithin(terminal: Terminal, ms = 15_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    terminal.catalogReady(),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`catalog not ready after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

describe('a front end waiting for the catalog', () => {
  let cloud: CloudProcess;

  beforeAll(async () => {
    cloud = await Cloud.start();
    await cloud.createBranch('b-1');
    await cloud.upsertCategories([{ id: 'c-1', name: 'Coffee' }]);
    await cloud.upsertProducts(
      Array.from({ length: 300 }, (_, i) => productInput(i, { categoryId: 'c-1' })),
    );
  });

  afterAll(async () => {
    if (!cloud.running) await cloud.start();
    await cloud.destroy();
  });

  it('shows the catalog loading on a first run, then sells once catalogReady() resolves', async () => {
    const registered = await cloud.registerTerminal('b-1');
    const dataDir = tempDir('pos-terminal-');
    let terminal = await openTestTerminal(cloud, registered, { dataDir, autoStart: false });
    try {
      expect((await terminal.status()).catalog).toMatchObject({ ready: false, products: 0 });
      // What a cashier met before: the terminal is open, its catalog is not there yet.
      await expect(terminal.sell(cashSale('p-7'))).rejects.toMatchObject({
        code: 'POS_PRODUCT_UNAVAILABLE',
      });
      const ready = terminal.catalogReady();
      terminal.start();
      await ready;
      expect((await terminal.status()).catalog).toMatchObject({ ready: true, products: 300 });
      expect(await terminal.sell(cashSale('p-299'))).toMatchObject({ syncState: 'queued' });
    } finally {
      await terminal.close();
    }

    // A later run holds its catalog: ready at once, with the cloud out of reach.
    await cloud.stop();
    try {
      terminal = await openTestTerminal(cloud, registered, { dataDir });
      await catalogReadyWithin(terminal, 1_000);
      expect((await terminal.status()).catalog.ready).toBe(true);
      await terminal.sell(cashSale('p-1'));
      await terminal.close();

      // An identity stored by a release before snapshot markers: its catalog counts as complete.
      const db = await openTerminalDatabase({ dataDir, catalogSynchronous: 'NORMAL' });
      const { snapshots: _markers, ...older } = (await loadIdentity(db))!;
      await db.upsertLocal('identity', older);
      await db.close();
      terminal = await openTestTerminal(cloud, registered, { dataDir });
      await catalogReadyWithin(terminal, 1_000);
      expect((await terminal.status()).catalog.ready).toBe(true);
    } finally {
      await terminal.close();
      await cloud.start();
    }
  }, 60_000);

  it('is ready after the page-by-page pull when the bulk snapshot failed', async () => {
    const registered = await cloud.registerTerminal('b-1');
    const dataDir = tempDir('pos-terminal-');
    const terminal = await openTestTerminal(cloud, registered, { dataDir, autoStart: false });
    try {
      // The identity is known (first contact), the snapshot finds the cloud gone.
      await cloud.stop();
      terminal.start();
      await new Promise((resolve) => setImmediate(resolve));
      expect((await terminal.status()).catalog.ready).toBe(false);
      await cloud.start();
      await catalogReadyWithin(terminal);
      expect(await terminal.db.products.count().exec()).toBe(300);
      expect(await terminal.db.categories.count().exec()).toBe(1);
      expect(terminal.identity.snapshots).toMatchObject({
        products: expect.any(Number),
        categories: expect.any(Number),
      });
    } finally {
      await terminal.close();
    }
  }, 60_000);

  it('rejects instead of waiting forever when the token is refused', async () => {
    const registered = await cloud.registerTerminal('b-1');
    const terminal = await openTestTerminal(cloud, registered, { autoStart: false });
    try {
      await cloud.gql(
        'mutation ($id: String!) { revokeTerminal(terminalId: $id) { __typename } }',
        {
          id: registered.terminalId,
        },
      );
      const ready = terminal.catalogReady();
      terminal.start();
      await expect(ready).rejects.toMatchObject({ code: 'POS_SYNC_UNAUTHORIZED' });
    } finally {
      await terminal.close();
    }
  }, 60_000);
});
