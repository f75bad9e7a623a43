import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CloudStore } from '../cloud-store.ts';
import { createWorld, productInput, saleOf } from '../contract/harness.ts';
import type { World } from '../contract/harness.ts';
import { openSqliteCloudStore } from '../sqlite/index.ts';
import type { StreamNotice } from './stream-notices.ts';
import { notifyOnWrite } from './stream-notices.ts';

describe('notifyOnWrite', () => {
  let dataDir: string;
  let inner: CloudStore;
  let store: CloudStore;
  let world: World;
  let notices: StreamNotice[];

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pos-notices-'));
    inner = openSqliteCloudStore({ dataDir });
    notices = [];
    store = notifyOnWrite(inner, (notice) => notices.push(notice));
    world = await createWorld(store);
  });

  afterEach(async () => {
    await inner.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('announces a catalog write once, and a delete only when it deleted something', async () => {
    const { tenantId } = world;
    expect(notices).toEqual([]);
    await store.upsertProducts(tenantId, [productInput({ id: 'p-1' })], 'root');
    await store.deleteProducts(tenantId, ['missing'], 'root');
    await store.deleteProducts(tenantId, ['p-1'], 'root');
    await store.upsertCategories(
      tenantId,
      [{ id: 'c-1', name: 'Drinks', parentId: null, sortOrder: 0 }],
      'root',
    );
    await store.deleteCategories(tenantId, ['missing'], 'root');
    expect(notices).toEqual([
      { tenantId, stream: 'products' },
      { tenantId, stream: 'products' },
      { tenantId, stream: 'categories' },
    ]);
  });

  it('announces nothing for a failed write or a read', async () => {
    await expect(
      store.upsertProducts('no-such-tenant', [productInput()], 'root'),
    ).rejects.toThrow();
    await store.pullProducts(world.tenantId, 'b-1', null, 10);
    expect(notices).toEqual([]);
  });

  it('announces an inventory push to the pushing branch', async () => {
    await store.pushInventory(world.t1, []);
    expect(notices).toEqual([{ tenantId: world.tenantId, stream: 'inventory', branchId: 'b-1' }]);
  });

  it('announces the customers stream when a booking moves an account, and only then', async () => {
    const { tenantId, t1 } = world;
    await store.upsertCustomers(tenantId, [{ id: 'c-acc', name: 'Ada' }], 'root');
    notices.length = 0;
    const cash = saleOf(t1, 1, { posId: 'pos-1' });
    await store.ingestSales(t1, [cash]);
    expect(notices).toEqual([{ tenantId, stream: 'sales', branchId: 'b-1' }]);
    notices.length = 0;
    const onAccount = saleOf(t1, 2, { posId: 'pos-1' });
    await store.ingestSales(t1, [
      {
        ...onAccount,
        customerId: 'c-acc',
        payments: [{ method: 'account', amountMinor: onAccount.totals.totalMinor }],
        changeMinor: 0,
      },
    ]);
    expect(notices).toEqual([
      { tenantId, stream: 'sales', branchId: 'b-1' },
      { tenantId, stream: 'customers' },
    ]);
  });
});
