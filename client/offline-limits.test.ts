import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Terminal } from './terminal.ts';
import type { CloudProcess } from './test-support/cloud-process.ts';
import {
  CloudProcess as Cloud,
  productInput,
  removeDir,
  tempDir,
} from './test-support/cloud-process.ts';
import { eventually, openTestTerminal, syncWithin } from './test-support/terminal-fixtures.ts';

const SET_POLICY =
  'mutation ($b: String, $p: OfflinePolicyInput) { setOfflinePolicy(branchId: $b, policy: $p) { source } }';

const override = {
  managerId: 'mgr-1',
  reason: 'Known customer',
  codes: ['POS_OFFLINE_LIMIT_EXCEEDED' as const],
};

describe('offline limits against a real cloud process', () => {
  let cloud: CloudProcess;
  const dirs: string[] = [];
  const open: Terminal[] = [];

  beforeAll(async () => {
    cloud = await Cloud.start();
    await cloud.createBranch('b-north');
    // p-1 costs 101 + 7 % tax = 108.
    await cloud.upsertProducts(Array.from({ length: 3 }, (_, i) => productInput(i)));
  });

  afterEach(async () => {
    for (const terminal of open.splice(0)) await terminal.close().catch(() => undefined);
  });

  afterAll(async () => {
    await cloud?.destroy();
    for (const dir of dirs) removeDir(dir);
  });

  it('refuses beyond the pulled policy offline, lets a manager override, audited at ingest', async () => {
    const registered = await cloud.registerTerminal('b-north');
    const dataDir = tempDir('pos-terminal-');
    dirs.push(dataDir);
    const online = await openTestTerminal(cloud, registered, {
      dataDir,
      offlinePolicyRefreshMs: 100,
    });
    open.push(online);
    await syncWithin(online);
    expect(online.offlinePolicy).toMatchObject({ maxSaleMinor: null });
    // An admin's change reaches the running terminal, no restart.
    await cloud.gql(SET_POLICY, {
      p: { thresholdMs: 0, maxSaleMinor: 300, maxTotalMinor: 500, methods: ['cash'] },
    });
    await eventually(() => online.offlinePolicy.maxSaleMinor === 300);
    // Online, the limits do not apply.
    const big = await online.sell({
      lines: [{ productId: 'p-1', quantity: 5 }],
      payments: [{ method: 'card', amountMinor: 540 }],
    });
    expect(big).toMatchObject({ offline: false, override: null });
    await online.close();

    // Offline (the policy kept in the file): one sale above 300, a card tender, 500 in all.
    const offline = await openTestTerminal(cloud, registered, { dataDir, autoStart: false });
    open.push(offline);
    const sell = (quantity: number, method: 'cash' | 'card' = 'cash', withOverride = false) =>
      offline.sell({
        lines: [{ productId: 'p-1', quantity }],
        payments: [{ method, amountMinor: 108 * quantity }],
        ...(withOverride ? { override } : {}),
      });
    await expect(sell(3)).rejects.toMatchObject({
      code: 'POS_OFFLINE_LIMIT_EXCEEDED',
      details: { problems: [expect.objectContaining({ limit: 'maxSaleMinor' })] },
    });
    await expect(sell(1, 'card')).rejects.toMatchObject({ code: 'POS_OFFLINE_LIMIT_EXCEEDED' });
    const first = await sell(2);
    expect(first).toMatchObject({
      offline: true,
      override: null,
      lastContactAt: expect.any(String),
    });
    const second = await sell(2);
    await expect(sell(1)).rejects.toMatchObject({
      code: 'POS_OFFLINE_LIMIT_EXCEEDED',
      details: { offlineTotalMinor: 432 },
    });
    const overridden = await sell(3, 'card', true);
    expect(overridden.override).toEqual(override);
    await offline.close();

    // The offline total survives a restart: it is derived from the stored sales.
    const again = await openTestTerminal(cloud, registered, { dataDir, autoStart: false });
    open.push(again);
    await expect(
      again.sell({
        lines: [{ productId: 'p-1', quantity: 1 }],
        payments: [{ method: 'cash', amountMinor: 108 }],
      }),
    ).rejects.toMatchObject({ code: 'POS_OFFLINE_LIMIT_EXCEEDED' });
    again.start();
    await syncWithin(again);
    const audit = await cloud.gql(
      '{ auditLog(first: 50, actor: "mgr-1") { edges { node { action target actor offline } } } }',
    );
    expect(audit.auditLog.edges.map((e: any) => e.node)).toEqual([
      { action: 'overrideAtTill', target: overridden.id, actor: 'mgr-1', offline: true },
    ]);
    for (const made of [first, second, overridden]) {
      expect((await again.db.sales.findOne(made.id).exec(true)).syncState).toBe('synced');
    }
    // Back online, the limits no longer apply.
    const after = await again.sell({
      lines: [{ productId: 'p-1', quantity: 5 }],
      payments: [{ method: 'card', amountMinor: 540 }],
    });
    expect(after.offline).toBe(false);
  });

  it('keeps a return of another terminal sale from its receipt within the offline limits', async () => {
    const seller = await openTestTerminal(cloud, await cloud.registerTerminal('b-north'));
    open.push(seller);
    await syncWithin(seller);
    const sale = await seller.sell({
      lines: [{ productId: 'p-2', quantity: 4 }],
      payments: [{ method: 'cash', amountMinor: 10_000 }],
    });
    await syncWithin(seller);
    const booked = (await seller.db.sales.findOne(sale.id).exec(true)).toMutableJSON();
    const registered = await cloud.registerTerminal('b-north');
    const dataDir = tempDir('pos-terminal-');
    dirs.push(dataDir);
    const first = await openTestTerminal(cloud, registered, { dataDir });
    open.push(first);
    await syncWithin(first);
    await first.close();
    const till = await openTestTerminal(cloud, registered, { dataDir, autoStart: false });
    open.push(till);
    const refund = (quantity: number, withOverride = false) =>
      till.refund({
        saleId: sale.id,
        receipt: {
          id: booked.id,
          terminalId: booked.terminalId,
          branchId: booked.branchId,
          invoiceNo: booked.invoiceNo,
          currency: booked.currency,
          lines: booked.lines,
        },
        lines: [{ line: 0, quantity, restock: true }],
        payments: [
          {
            method: 'cash',
            amountMinor: Math.floor((booked.lines[0]!.lineTotalMinor * quantity) / 4),
          },
        ],
        ...(withOverride ? { override } : {}),
      });
    await expect(refund(3)).rejects.toMatchObject({ code: 'POS_OFFLINE_LIMIT_EXCEEDED' });
    const allowed = await refund(3, true);
    expect(allowed).toMatchObject({ returnOf: { source: 'unverified' }, override });
  });
});
