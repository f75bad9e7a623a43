import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sale } from '../schema/index.ts';
import { makeSale } from '../schema/index.ts';
import { nextLocalEventId, pruneSalesBatch, purgePrunedSales } from './sales-retention.ts';
import type { CloudProcess } from './test-support/cloud-process.ts';
import {
  CloudProcess as Cloud,
  productInput,
  removeDir,
  tempDir,
} from './test-support/cloud-process.ts';
import { eventually, openTestTerminal, syncWithin } from './test-support/terminal-fixtures.ts';
import { openTerminalDatabase } from './terminal-database.ts';

const DAY = 24 * 60 * 60 * 1000;

/** Rows of the sales table, tombstones included (what the file really holds). */
function storedSaleRows(dataDir: string): number {
  const file = new Database(join(dataDir, 'terminal.sqlite'), { readonly: true });
  try {
    return (file.prepare('SELECT count(*) AS n FROM rx_sales_v2').get() as { n: number }).n;
  } finally {
    file.close();
  }
}

const sale = (productId: string) => ({
  lines: [{ productId, quantity: 1 }],
  payments: [{ method: 'cash' as const, amountMinor: 100_000 }],
});

describe('the sales retention on a database of many sales', () => {
  it('prunes only settled sales older than the retention, in batches, and keeps the next localEventId', async () => {
    const dataDir = tempDir('pos-retention-');
    const db = await openTerminalDatabase({ dataDir, catalogSynchronous: 'NORMAL' });
    try {
      const old = new Date(Date.now() - 10 * DAY).toISOString();
      const young = new Date().toISOString();
      const settled = (localEventId: number, createdAt: string): Sale =>
        makeSale({
          localEventId,
          createdAt,
          syncState: 'synced',
          invoiceNo: localEventId,
          ingestedAt: createdAt,
        });
      // The largest localEventId belongs to a settled old sale: the one whose pruning must not
      // bring a number back.
      const kept = [
        makeSale({ localEventId: 1, createdAt: old }),
        makeSale({
          localEventId: 2,
          createdAt: old,
          syncState: 'needs_attention',
          lastError: { code: 'POS_SYNC_EVENT_INVALID', message: 'refused' },
        }),
        makeSale({
          localEventId: 3,
          createdAt: old,
          syncState: 'discarded',
          lastError: { code: 'POS_SYNC_EVENT_INVALID', message: 'Discarded by an operator' },
        }),
        makeSale({ localEventId: 4, createdAt: old, syncState: 'synced' }),
        settled(5, young),
      ];
      const prunable = Array.from({ length: 5_000 }, (_, i) => settled(10 + i, old));
      await db.sales.bulkInsert([...kept, ...prunable]);
      expect(await nextLocalEventId(db)).toBe(5_010);

      const before = new Date(Date.now() - DAY);
      const first = await pruneSalesBatch(db, before, 1_000);
      expect(first).toEqual({ pruned: 1_000, more: true });
      let batches = 1;
      for (let more = first.more; more; batches++) {
        ({ more } = await pruneSalesBatch(db, before, 1_000));
      }
      expect(batches).toBe(6);
      await purgePrunedSales(db);

      const left = (await db.sales.find().exec())
        .map((doc) => doc.localEventId)
        .sort((a, b) => a - b);
      expect(left).toEqual([1, 2, 3, 4, 5]);
      expect(await nextLocalEventId(db)).toBe(5_010);
    } finally {
      await db.close();
    }
    // The file holds the kept sales only: the tombstones were purged too.
    expect(storedSaleRows(dataDir)).toBe(5);
    const reopened = await openTerminalDatabase({ dataDir, catalogSynchronous: 'NORMAL' });
    try {
      expect(await nextLocalEventId(reopened)).toBe(5_010);
    } finally {
      await reopened.close();
      removeDir(dataDir);
    }
  }, 60_000);
});

describe('a terminal with a sales retention against a real cloud', () => {
  let cloud: CloudProcess;
  const dirs: string[] = [];

  beforeAll(async () => {
    cloud = await Cloud.start();
    await cloud.createBranch('b-1');
    await cloud.upsertProducts(Array.from({ length: 5 }, (_, i) => productInput(i)));
  });

  afterAll(async () => {
    await cloud.destroy();
    for (const dir of dirs) removeDir(dir);
  });

  it('prunes booked sales in the background, keeps queued and refused ones, never reuses a localEventId', async () => {
    const registered = await cloud.registerTerminal('b-1');
    const dataDir = tempDir('pos-terminal-');
    dirs.push(dataDir);
    // Every booked sale is past this retention at once.
    const retention = { salesRetentionMs: 1, salesPruneIntervalMs: 50, salesPruneBatchSize: 3 };
    let terminal = await openTestTerminal(cloud, registered, { dataDir, ...retention });
    await terminal.catalogReady();
    await terminal.close();

    terminal = await openTestTerminal(cloud, registered, {
      dataDir,
      autoStart: false,
      ...retention,
    });
    const refused = await terminal.sell(sale('p-1'));
    await terminal.db.sales
      .findOne(refused.id)
      .exec(true)
      .then((d) => d.incrementalPatch({ totals: { ...refused.totals, totalMinor: 1 } }));
    for (let i = 0; i < 10; i++) await terminal.sell(sale('p-2'));
    terminal.start();
    try {
      await syncWithin(terminal);
      await eventually(async () => (await terminal.status()).counters.pruned_events === 10);
      const left = await terminal.db.sales.find().exec();
      expect(left.map((doc) => [doc.id, doc.syncState])).toEqual([[refused.id, 'needs_attention']]);
    } finally {
      await terminal.close();
    }

    // Reopened with the sale holding the largest number pruned: numbering goes on after it.
    terminal = await openTestTerminal(cloud, registered, {
      dataDir,
      autoStart: false,
      ...retention,
    });
    try {
      const next = await terminal.sell(sale('p-4'));
      expect(next.localEventId).toBe(12);
      terminal.start();
      await syncWithin(terminal);
      const booked = (await cloud.bookedSales('b-1')).map((s) => s.localEventId as number);
      expect(booked.sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      await eventually(async () => (await terminal.status()).synced === 0);
      expect(await terminal.status()).toMatchObject({ queued: 0, needsAttention: 1 });
    } finally {
      await terminal.close();
    }
  }, 60_000);
});
