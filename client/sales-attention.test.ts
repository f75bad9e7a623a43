import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sale } from '../schema/index.ts';
import type { Terminal } from './terminal.ts';
import type { CloudProcess } from './test-support/cloud-process.ts';
import { CloudProcess as Cloud, productInput, removeDir } from './test-support/cloud-process.ts';
import {
  endBookingOutage,
  failBookingOf,
  localSale,
  openOfflineTerminal,
  repairBookingOf,
  sale,
  startBookingOutage,
  watchAttempts,
  watchPushes,
} from './test-support/sales-faults.ts';
import { eventually, syncWithin } from './test-support/terminal-fixtures.ts';

/** Stored content that no longer adds up (disk corruption, a bug): the cloud refuses the sale. */
async function corruptTotals(terminal: Terminal, made: Sale): Promise<void> {
  const doc = await terminal.db.sales.findOne(made.id).exec(true);
  await doc.incrementalPatch({ totals: { ...made.totals, totalMinor: 1 } });
}

describe('sales that need attention, and push failures that are not the sale', () => {
  let cloud: CloudProcess;
  const dirs: string[] = [];

  beforeAll(async () => {
    cloud = await Cloud.start();
    await cloud.createBranch('b-north');
    await cloud.upsertProducts(Array.from({ length: 10 }, (_, i) => productInput(i)));
  });

  afterAll(async () => {
    await cloud?.destroy();
    for (const dir of dirs) removeDir(dir);
  });

  it("brings an operator's accept and discard of refused sales to the terminal by pull", async () => {
    const { terminal } = await openOfflineTerminal(cloud, 'b-north', dirs);
    const pushes = watchPushes();
    try {
      const good = await terminal.sell(sale('p-1'));
      const toAccept = await terminal.sell(sale('p-2'));
      const toDiscard = await terminal.sell(sale('p-3'));
      await corruptTotals(terminal, toAccept);
      await corruptTotals(terminal, toDiscard);
      expect(pushes.calls).toEqual([]);
      terminal.start();
      await syncWithin(terminal);

      for (const refused of [toAccept, toDiscard]) {
        expect(await localSale(terminal, refused.id)).toMatchObject({
          syncState: 'needs_attention',
          invoiceNo: null,
          lastError: {
            code: 'POS_SYNC_EVENT_INVALID',
            message: expect.stringMatching(
              /^invalid sale: totals\.totalMinor: totalMinor is 1, expected \d+$/,
            ),
          },
        });
      }
      // Refused by the cloud: not the terminal's to retry, an operator decides in the admin API.
      expect(await terminal.requeue()).toEqual([]);
      const open = await cloud.gql(
        'query ($t: String) { rejectedEvents(terminalId: $t, status: OPEN) { edges { node { id eventId code } } } }',
        { t: terminal.identity.terminalId },
      );
      const entries = open.rejectedEvents.edges.map((e: any) => e.node);
      expect(entries.map((e: any) => e.eventId).sort()).toEqual([toAccept.id, toDiscard.id].sort());
      expect(entries.every((e: any) => e.code === 'POS_SYNC_EVENT_INVALID')).toBe(true);
      const entryOf = (saleId: string) => entries.find((e: any) => e.eventId === saleId).id;

      const accepted = await cloud.gql(
        'mutation ($id: String!) { acceptRejectedSale(id: $id, note: "receipt checked") { resolution } }',
        { id: entryOf(toAccept.id) },
      );
      expect(accepted.acceptRejectedSale.resolution).toBe('accepted');
      const discarded = await cloud.gql(
        'mutation ($id: String!) { discardRejectedSale(id: $id, note: "test sale") { resolution } }',
        { id: entryOf(toDiscard.id) },
      );
      expect(discarded.discardRejectedSale.resolution).toBe('discarded');

      await syncWithin(terminal);
      const booked = (await cloud.bookedSales('b-north')).filter(
        (s) => s.posId === terminal.identity.posId,
      );
      expect(booked.map((s) => s.id).sort()).toEqual([good.id, toAccept.id].sort());
      const bookedAccepted = booked.find((s) => s.id === toAccept.id)!;
      expect(bookedAccepted.invoiceNo).toEqual(expect.any(Number));

      // Booked as it was received: the corrupted totals stay, the invoice number is the cloud's.
      expect(await localSale(terminal, toAccept.id)).toMatchObject({
        syncState: 'synced',
        invoiceNo: bookedAccepted.invoiceNo,
        ingestedAt: expect.any(String),
        lastError: null,
        totals: { totalMinor: 1 },
      });
      // Discarded: no longer waiting for anyone, never booked, the operator's note kept.
      expect(await localSale(terminal, toDiscard.id)).toMatchObject({
        syncState: 'discarded',
        invoiceNo: null,
        ingestedAt: null,
        lastError: {
          code: 'POS_SYNC_EVENT_INVALID',
          message: 'Discarded by an operator: test sale',
        },
      });
      expect(await localSale(terminal, good.id)).toMatchObject({ syncState: 'synced' });
      expect(await terminal.status()).toMatchObject({
        queued: 0,
        synced: 2,
        needsAttention: 0,
        discarded: 1,
      });
      expect(await terminal.requeue([toDiscard.id])).toEqual([]);
      const stillOpen = await cloud.gql(
        'query ($t: String) { rejectedEvents(terminalId: $t, status: OPEN) { totalCount } }',
        { t: terminal.identity.terminalId },
      );
      expect(stillOpen.rejectedEvents.totalCount).toBe(0);
    } finally {
      pushes.stop();
      await terminal.close();
    }
  });

  it('keeps what it sells queued until start() when opened with autoStart: false', async () => {
    const { terminal } = await openOfflineTerminal(cloud, 'b-north', dirs);
    const pushes = watchPushes();
    try {
      const made = await terminal.sell(sale('p-7'));
      // Ample time for a push worker that was not held back: a round takes milliseconds.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(pushes.calls).toEqual([]);
      expect(await localSale(terminal, made.id)).toMatchObject({ syncState: 'queued' });
      terminal.start();
      await syncWithin(terminal);
      expect(pushes.calls.map((c) => c.saleIds)).toEqual([[made.id]]);
      expect(await localSale(terminal, made.id)).toMatchObject({ syncState: 'synced' });
    } finally {
      pushes.stop();
      await terminal.close();
    }
  });

  // Its own cloud process and 40 pushes through a 30-a-second limit: a budget for a loaded machine.
  it('waits at least retryAfterMs after POS_SYNC_RATE_LIMITED and books every sale once, none needing attention', async () => {
    // Admin calls are not limited; the terminal gets 30 operations a second. One sale per push and
    // more sales than that budget: the flush cannot fit into one second whatever else the terminal does.
    const limited = await Cloud.start({
      env: { POS_RATE_LIMIT_PER_SECOND: '30', POS_RATE_LIMIT_BURST: '30' },
    });
    let terminal: Terminal | undefined;
    const pushes = watchPushes();
    try {
      await limited.createBranch('b-1');
      await limited.upsertProducts(Array.from({ length: 10 }, (_, i) => productInput(i)));
      ({ terminal } = await openOfflineTerminal(limited, 'b-1', dirs, { pushBatchSize: 1 }));
      const made: string[] = [];
      for (let i = 0; i < 40; i++) made.push((await terminal.sell(sale(`p-${i % 10}`))).id);
      expect(pushes.calls).toEqual([]);
      terminal.start();
      await syncWithin(terminal);

      const refused = pushes.calls.filter((c) => c.code === 'POS_SYNC_RATE_LIMITED');
      expect(refused.length).toBeGreaterThan(0);
      for (const r of refused) {
        expect(r.retryAfterMs).toBeGreaterThan(0);
        const retries = pushes.calls.filter(
          (c) => c.sentAt >= r.answeredAt && c.saleIds.some((id) => r.saleIds.includes(id)),
        );
        expect(retries.length).toBeGreaterThan(0);
        const retriedAfter = Math.min(...retries.map((c) => c.sentAt)) - r.answeredAt;
        expect(retriedAfter).toBeGreaterThanOrEqual(r.retryAfterMs!);
      }
      const metrics = await (await fetch(new URL('/metrics', limited.url))).text();
      const counted = Number(/^pos_rate_limited_total (\d+)$/m.exec(metrics)?.[1]);
      expect(counted).toBeGreaterThanOrEqual(refused.length);

      const booked = (await limited.bookedSales('b-1')).filter(
        (s) => s.posId === terminal!.identity.posId,
      );
      expect(booked).toHaveLength(40);
      expect(new Set(booked.map((s) => s.id))).toEqual(new Set(made));
      const local = (await terminal.db.sales.find().exec()).map((d) => d.toJSON());
      expect(local.every((s) => s.syncState === 'synced' && s.invoiceNo !== null)).toBe(true);
      // Rate limiting is the way to the cloud, not the sale: no attempt counted, no error kept.
      expect(local.every((s) => s.syncAttempts === 0 && s.lastError === null)).toBe(true);
      expect(await terminal.status()).toMatchObject({ queued: 0, synced: 40, needsAttention: 0 });
    } finally {
      pushes.stop();
      await terminal?.close();
      await limited.destroy();
    }
  }, 90_000);

  it('moves a sale the cloud keeps failing to store to needs_attention after maxServerAttempts failures beside sales that go through', async () => {
    const maxServerAttempts = 3;
    const { terminal } = await openOfflineTerminal(cloud, 'b-north', dirs, { maxServerAttempts });
    const pushes = watchPushes();
    const attempts = watchAttempts(terminal);
    try {
      const goods = [await terminal.sell(sale('p-4'))];
      const failing = await terminal.sell(sale('p-5'));
      goods.push(await terminal.sell(sale('p-6')));
      failBookingOf(cloud, failing.id);
      // Not started: nothing may have left before the fault was in place.
      expect(pushes.calls).toEqual([]);
      terminal.start();
      // The shop keeps selling; each sale goes through beside the failing one, which is what makes
      // its failures its own.
      await eventually(async () => {
        if ((await localSale(terminal, failing.id)).syncState === 'needs_attention') return true;
        goods.push(await terminal.sell(sale('p-7')));
        await sleep(50);
        return false;
      }, 30_000);
      await syncWithin(terminal);

      expect(await localSale(terminal, failing.id)).toMatchObject({
        syncState: 'needs_attention',
        syncAttempts: maxServerAttempts,
        invoiceNo: null,
        lastError: { code: 'POS_SYNC_STORAGE_FAILED' },
      });
      // Every push of that sale alone failed, and at least once per attempt counted.
      const failedAlone = pushes.calls.filter(
        (c) => c.saleIds.length === 1 && c.saleIds[0] === failing.id,
      );
      expect(failedAlone.length).toBeGreaterThanOrEqual(maxServerAttempts);
      expect(failedAlone.every((c) => c.code === 'POS_SYNC_STORAGE_FAILED')).toBe(true);
      for (const good of goods) {
        expect(await localSale(terminal, good.id)).toMatchObject({
          syncState: 'synced',
          lastError: null,
          invoiceNo: expect.any(Number),
        });
        // Never counted: the failures of requests they shared with the failing sale are not theirs.
        expect(attempts.most(good.id)).toBe(0);
      }
      const booked = (await cloud.bookedSales('b-north')).filter(
        (s) => s.posId === terminal.identity.posId,
      );
      expect(booked.map((s) => s.id).sort()).toEqual(goods.map((g) => g.id).sort());
      expect(await terminal.status()).toMatchObject({
        queued: 0,
        synced: goods.length,
        needsAttention: 1,
      });

      // The fault is repaired; an operator requeues what the terminal gave up on.
      repairBookingOf(cloud, failing.id);
      expect(await terminal.requeue()).toEqual([failing.id]);
      await syncWithin(terminal);
      expect(await localSale(terminal, failing.id)).toMatchObject({
        syncState: 'synced',
        lastError: null,
        invoiceNo: expect.any(Number),
      });
      const bookedNow = (await cloud.bookedSales('b-north')).filter(
        (s) => s.posId === terminal.identity.posId,
      );
      expect(bookedNow.filter((s) => s.id === failing.id)).toHaveLength(1);
      expect(await terminal.requeue()).toEqual([]);
    } finally {
      attempts.stop();
      pushes.stop();
      await terminal.close();
    }
  });

  it('books the sales made after a sale the cloud keeps failing to store while that one waits', async () => {
    const { terminal } = await openOfflineTerminal(cloud, 'b-north', dirs, {
      maxServerAttempts: 1000,
    });
    const pushes = watchPushes();
    try {
      const failing = await terminal.sell(sale('p-1'));
      failBookingOf(cloud, failing.id);
      terminal.start();
      await eventually(() => pushes.calls.some((c) => c.code === 'POS_SYNC_STORAGE_FAILED'));
      const later = [];
      for (const productId of ['p-2', 'p-3', 'p-4']) {
        const made = await terminal.sell(sale(productId));
        later.push(made);
        // Each one is booked and its copy pulled back while the older sale keeps failing.
        await eventually(
          async () => (await localSale(terminal, made.id)).syncState === 'synced',
          5_000,
        );
      }
      const stuck = await localSale(terminal, failing.id);
      expect(stuck).toMatchObject({ syncState: 'queued', invoiceNo: null });
      // Its failures beside booked sales are its own: counted, far from the cap.
      expect(stuck.syncAttempts).toBeGreaterThanOrEqual(1);
      expect(stuck.syncAttempts).toBeLessThan(1000);

      repairBookingOf(cloud, failing.id);
      await syncWithin(terminal);
      expect(await localSale(terminal, failing.id)).toMatchObject({
        syncState: 'synced',
        invoiceNo: expect.any(Number),
      });
      const booked = (await cloud.bookedSales('b-north')).filter(
        (s) => s.posId === terminal.identity.posId,
      );
      expect(booked.map((s) => s.id).sort()).toEqual([failing, ...later].map((s) => s.id).sort());
    } finally {
      pushes.stop();
      await terminal.close();
    }
  });

  it('books the sales behind three sales the cloud keeps failing to store at the head of one batch', async () => {
    const { terminal } = await openOfflineTerminal(cloud, 'b-north', dirs, {
      maxServerAttempts: 1000,
    });
    const pushes = watchPushes();
    try {
      const bad = [
        await terminal.sell(sale('p-1')),
        await terminal.sell(sale('p-2')),
        await terminal.sell(sale('p-3')),
      ];
      const good = [await terminal.sell(sale('p-4')), await terminal.sell(sale('p-5'))];
      for (const s of bad) failBookingOf(cloud, s.id);
      try {
        terminal.start();
        // Three lone failures in a row look like an outage; the rest of the batch, sent once without
        // them, shows the cloud stores sales: the good ones are booked, the failures are charged.
        await eventually(async () => {
          for (const s of good) {
            if ((await localSale(terminal, s.id)).syncState !== 'synced') return false;
          }
          return true;
        }, 10_000);
        // Each sent once more right after and failing again: charged.
        await eventually(async () => {
          for (const s of bad) {
            if ((await localSale(terminal, s.id)).syncAttempts < 1) return false;
          }
          return true;
        });
        for (const s of bad) {
          expect(await localSale(terminal, s.id)).toMatchObject({
            syncState: 'queued',
            invoiceNo: null,
          });
        }
        expect(pushes.calls.some((c) => c.saleIds.length === good.length && c.code === null)).toBe(
          true,
        );
      } finally {
        for (const s of bad) repairBookingOf(cloud, s.id);
      }
      await syncWithin(terminal);
      const booked = (await cloud.bookedSales('b-north')).filter(
        (s) => s.posId === terminal.identity.posId,
      );
      expect(booked.map((s) => s.id).sort()).toEqual([...bad, ...good].map((s) => s.id).sort());
    } finally {
      pushes.stop();
      await terminal.close();
    }
  });

  it('charges no sale while the cloud fails to store every sale, and books them all once it recovers', async () => {
    const maxServerAttempts = 2;
    const { terminal: several } = await openOfflineTerminal(cloud, 'b-north', dirs, {
      maxServerAttempts,
    });
    const { terminal: alone } = await openOfflineTerminal(cloud, 'b-north', dirs, {
      maxServerAttempts,
    });
    const pushes = watchPushes();
    const attempts = [watchAttempts(several), watchAttempts(alone)];
    try {
      const made = [
        await several.sell(sale('p-1')),
        await several.sell(sale('p-2')),
        await several.sell(sale('p-3')),
      ];
      const single = await alone.sell(sale('p-4'));
      const all = [...made, single];
      // One failure short of the cap, from failures counted before (an earlier fault of its own).
      const nearCap = made[1]!;
      await (
        await several.db.sales.findOne(nearCap.id).exec(true)
      ).incrementalPatch({ syncAttempts: maxServerAttempts - 1 });
      // The cloud's database refuses every sale write (a full disk, a lost primary): an outage.
      startBookingOutage(cloud);
      try {
        several.start();
        alone.start();
        const failedAlone = (id: string) =>
          pushes.calls.filter(
            (c) => c.saleIds.length === 1 && c.saleIds[0] === id && c.code !== null,
          ).length;
        // Well past the cap for every sale, had each failure been counted against it.
        await eventually(
          () => all.every((s) => failedAlone(s.id) >= maxServerAttempts + 2),
          20_000,
        );
        expect(
          pushes.calls
            .filter((c) => c.code !== undefined)
            .every((c) => c.code === 'POS_SYNC_STORAGE_FAILED'),
        ).toBe(true);
        for (const [terminal, sales] of [
          [several, made],
          [alone, [single]],
        ] as const) {
          for (const s of sales) {
            expect(await localSale(terminal, s.id)).toMatchObject({
              syncState: 'queued',
              syncAttempts: s.id === nearCap.id ? maxServerAttempts - 1 : 0,
            });
          }
        }
      } finally {
        endBookingOutage(cloud);
      }
      await syncWithin(several);
      await syncWithin(alone);
      for (const [terminal, sales] of [
        [several, made],
        [alone, [single]],
      ] as const) {
        for (const s of sales) {
          expect(await localSale(terminal, s.id)).toMatchObject({
            syncState: 'synced',
            invoiceNo: expect.any(Number),
          });
        }
        expect(await terminal.status()).toMatchObject({ queued: 0, needsAttention: 0 });
      }
      for (const s of made) {
        expect(attempts[0]!.most(s.id)).toBe(s.id === nearCap.id ? maxServerAttempts - 1 : 0);
      }
      expect(attempts[1]!.most(single.id)).toBe(0);
    } finally {
      for (const a of attempts) a.stop();
      pushes.stop();
      await several.close();
      await alone.close();
    }
  });
});
