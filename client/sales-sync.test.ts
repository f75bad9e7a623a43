import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudProcess } from './test-support/cloud-process.ts';
import {
  CloudProcess as Cloud,
  productInput,
  removeDir,
  tempDir,
} from './test-support/cloud-process.ts';
import {
  eventually,
  openTestTerminal,
  syncWithin,
  waitForStatus,
} from './test-support/terminal-fixtures.ts';

const sale = (productId: string, quantity = 1) => ({
  lines: [{ productId, quantity }],
  payments: [{ method: 'cash' as const, amountMinor: 100_000 }],
});

describe('selling and pushing sales against a real cloud process', () => {
  let cloud: CloudProcess;
  const dirs: string[] = [];

  beforeAll(async () => {
    cloud = await Cloud.start();
    await cloud.createBranch('b-north');
    await cloud.upsertProducts([
      ...Array.from({ length: 20 }, (_, i) => productInput(i)),
      productInput(99, { active: false }),
    ]);
  });

  afterAll(async () => {
    await cloud?.destroy();
    for (const dir of dirs) removeDir(dir);
  });

  it('refuses unknown and inactive products with POS_PRODUCT_UNAVAILABLE, and short payments', async () => {
    const dataDir = tempDir('pos-terminal-');
    dirs.push(dataDir);
    const terminal = await openTestTerminal(cloud, await cloud.registerTerminal('b-north'), {
      dataDir,
    });
    try {
      await syncWithin(terminal);
      await expect(terminal.sell(sale('p-nope'))).rejects.toMatchObject({
        code: 'POS_PRODUCT_UNAVAILABLE',
      });
      await expect(terminal.sell(sale('p-99'))).rejects.toMatchObject({
        code: 'POS_PRODUCT_UNAVAILABLE',
      });
      await expect(
        terminal.sell({
          lines: [{ productId: 'p-1', quantity: 1 }],
          payments: [{ method: 'card', amountMinor: 1 }],
        }),
      ).rejects.toMatchObject({ code: 'POS_INPUT_INVALID' });
      const ok = await terminal.sell(sale('p-1', 2));
      expect(ok).toMatchObject({
        localEventId: 1,
        syncState: 'queued',
        totals: { subtotalMinor: 202 },
      });
      expect((await terminal.sell(sale('p-2'))).localEventId).toBe(2);
      await syncWithin(terminal);
      const synced = await terminal.db.sales.find().exec();
      expect(synced.map((s) => s.syncState)).toEqual(['synced', 'synced']);
      expect(synced.every((s) => s.invoiceNo !== null)).toBe(true);
      const status = await terminal.status();
      expect(status).toMatchObject({ queued: 0, synced: 2, needsAttention: 0, online: true });
      expect(status.counters).toMatchObject({ queued_events: 2, synced_events: 2 });
    } finally {
      await terminal.close();
    }
  });

  it('sells offline across a restart, then every sale is ingested exactly once', async () => {
    const registered = await cloud.registerTerminal('b-north');
    const dataDir = tempDir('pos-terminal-');
    dirs.push(dataDir);
    let terminal = await openTestTerminal(cloud, registered, { dataDir, pushBatchSize: 7 });
    await syncWithin(terminal);
    const posId = terminal.identity.posId;

    await cloud.stop();
    const made: string[] = [];
    for (let i = 0; i < 25; i++) made.push((await terminal.sell(sale(`p-${i % 20}`))).id);
    await waitForStatus(terminal, (s) => !s.online && s.queued === 25);
    await terminal.close();

    // Restarted while the cloud is still down: same posId, the counter goes on from the stored sales.
    terminal = await openTestTerminal(cloud, registered, { dataDir, pushBatchSize: 7 });
    expect(terminal.identity.posId).toBe(posId);
    for (let i = 0; i < 15; i++) made.push((await terminal.sell(sale(`p-${i}`))).id);
    expect(
      (await terminal.db.sales.find().exec()).map((s) => s.localEventId).sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));

    await cloud.start();
    try {
      await syncWithin(terminal, 20_000);
      const booked = (await cloud.bookedSales('b-north')).filter((s) => s.posId === posId);
      expect(booked).toHaveLength(40);
      expect(new Set(booked.map((s) => s.id))).toEqual(new Set(made));
      const invoices = (await cloud.bookedSales('b-north')).map((s) => s.invoiceNo);
      expect(new Set(invoices).size).toBe(invoices.length);
      const status = await terminal.status();
      expect(status).toMatchObject({ queued: 0, synced: 40, needsAttention: 0 });
      const local = await terminal.db.sales.find().exec();
      expect(new Set(local.map((s) => s.invoiceNo)).size).toBe(40);
    } finally {
      await terminal.close();
    }
  });

  it('moves a refused sale to needs_attention without blocking the rest', async () => {
    const registered = await cloud.registerTerminal('b-north');
    const dataDir = tempDir('pos-terminal-');
    dirs.push(dataDir);
    const first = await openTestTerminal(cloud, registered, { dataDir });
    await syncWithin(first);
    await first.close();
    const terminal = await openTestTerminal(cloud, registered, { dataDir, autoStart: false });
    const good1 = await terminal.sell(sale('p-1'));
    const bad = await terminal.sell(sale('p-2'));
    const good2 = await terminal.sell(sale('p-3'));
    // A sale whose stored content no longer adds up (disk corruption, a bug): the cloud refuses it.
    await terminal.db.sales
      .findOne(bad.id)
      .exec(true)
      .then((d) => d.incrementalPatch({ totals: { ...bad.totals, totalMinor: 1 } }));
    terminal.start();
    try {
      await syncWithin(terminal);
      const byId = async (id: string) => (await terminal.db.sales.findOne(id).exec(true)).toJSON();
      expect(await byId(good1.id)).toMatchObject({ syncState: 'synced' });
      expect(await byId(good2.id)).toMatchObject({ syncState: 'synced' });
      expect(await byId(bad.id)).toMatchObject({
        syncState: 'needs_attention',
        lastError: { code: 'POS_SYNC_EVENT_INVALID' },
      });
      expect(await terminal.status()).toMatchObject({ needsAttention: 1, synced: 2, queued: 0 });
    } finally {
      await terminal.close();
    }
  });

  it('stops syncing on a revoked token and keeps selling offline', async () => {
    const registered = await cloud.registerTerminal('b-north');
    const terminal = await openTestTerminal(cloud, registered, {
      dataDir: tempDir('pos-terminal-'),
    });
    try {
      await syncWithin(terminal);
      await cloud.gql('mutation ($id: String!) { revokeTerminal(terminalId: $id) { revokedAt } }', {
        id: registered.terminalId,
      });
      await terminal.sell(sale('p-1'));
      await waitForStatus(terminal, (s) => s.halted === 'revoked');
      const more = await terminal.sell(sale('p-2'));
      expect(more.localEventId).toBe(2);
      await eventually(async () => (await terminal.status()).queued === 2);
      expect(
        (await cloud.bookedSales('b-north')).some((s) => s.posId === terminal.identity.posId),
      ).toBe(false);
    } finally {
      await terminal.close();
    }
  });
});
