import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sale } from '../schema/index.ts';
import { GraphQLCaller } from './graphql-client.ts';
import { SalesPushWorker } from './sales-push-worker.ts';
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

describe('the push worker against a cloud that fails some sales or all of them', () => {
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

  it('charges nobody, and moves nobody to needs_attention, for an outage that starts in the middle of a round', async () => {
    const maxServerAttempts = 2;
    const { terminal } = await openOfflineTerminal(cloud, 'b-north', dirs, { maxServerAttempts });
    const pushes = watchPushes();
    try {
      const made: Sale[] = [];
      for (let i = 1; i <= 6; i++) made.push(await terminal.sell(sale(`p-${i}`)));
      // One failure short of the cap from an earlier fault of its own, as in sales-attention.test.ts.
      const nearCap = made[2]!;
      await (
        await terminal.db.sales.findOne(nearCap.id).exec(true)
      ).incrementalPatch({ syncAttempts: maxServerAttempts - 1 });
      // The cloud's disk fills up right after it books this terminal's first sale.
      startBookingOutage(cloud, { terminalId: terminal.identity.terminalId, afterBooked: 1 });
      try {
        terminal.start();
        const failedAlone = (id: string) =>
          pushes.calls.filter((c) => c.saleIds.length === 1 && c.saleIds[0] === id && c.code)
            .length;
        // Long enough for several rounds of the outage: the sales never charged have each failed
        // alone at least twice.
        await eventually(() => made.slice(4).every((s) => failedAlone(s.id) >= 2), 20_000);
        // From the first booking on, every push fails: an outage.
        const firstBooked = pushes.calls.findIndex((c) => c.code === null);
        expect(pushes.calls.slice(firstBooked + 1).every((c) => c.code !== null)).toBe(true);
        expect(firstBooked).toBe(1);
        for (const s of made.slice(1)) {
          expect(await localSale(terminal, s.id)).toMatchObject({
            syncState: 'queued',
            syncAttempts: s.id === nearCap.id ? maxServerAttempts - 1 : 0,
          });
        }
      } finally {
        endBookingOutage(cloud);
      }
      // Not asserted: a lone failure still in flight when the outage ends is charged by the push
      // that goes through after it (the evidence rule cannot tell that one apart).
      await syncWithin(terminal);
      expect(await terminal.status()).toMatchObject({ queued: 0 });
    } finally {
      pushes.stop();
      await terminal.close();
    }
  });

  it('books the good sales of a batch that holds four sales the cloud keeps failing to store', async () => {
    const { terminal } = await openOfflineTerminal(cloud, 'b-north', dirs, {
      maxServerAttempts: 1000,
    });
    const pushes = watchPushes();
    try {
      const bad = [];
      for (const p of ['p-1', 'p-2', 'p-3', 'p-4']) bad.push(await terminal.sell(sale(p)));
      const good = [await terminal.sell(sale('p-5')), await terminal.sell(sale('p-6'))];
      for (const s of bad) failBookingOf(cloud, s.id);
      try {
        terminal.start();
        await eventually(async () => {
          for (const s of good) {
            if ((await localSale(terminal, s.id)).syncState !== 'synced') return false;
          }
          return true;
        }, 10_000).catch((error) => {
          const shapes = pushes.calls.map((c) => `${c.saleIds.length}:${c.code ?? 'ok'}`);
          throw new Error(`${(error as Error).message}; pushes: ${shapes.join(' ')}`);
        });
      } finally {
        for (const s of bad) repairBookingOf(cloud, s.id);
      }
      await syncWithin(terminal);
    } finally {
      pushes.stop();
      await terminal.close();
    }
  });

  it('pushes a booked sale again after ackTimeoutMs when its acknowledgement never comes, with nothing else waking the worker', async () => {
    const { terminal, token } = await openOfflineTerminal(cloud, 'b-north', dirs);
    const pushes = watchPushes();
    const worker = new SalesPushWorker({
      sales: terminal.db.sales,
      caller: new GraphQLCaller(cloud.url, token, (input, init) => globalThis.fetch(input, init)),
      settings: {
        batchSize: 10,
        concurrency: 1,
        maxServerAttempts: 8,
        backoffBaseMs: 50,
        backoffCapMs: 1000,
        ackTimeoutMs: 300,
      },
      // The sales pull never runs: the acknowledgement is lost.
      events: { onPushed: () => {}, onBooked: () => {}, onAuthLoss: () => {} },
      logger: pino({ level: 'silent' }),
    });
    try {
      const made = await terminal.sell(sale('p-1'));
      worker.start();
      await eventually(() => pushes.calls.length === 1);
      // Well past ackTimeoutMs: the sale should have been pushed again (answered as a duplicate,
      // which writes the booked copy).
      await eventually(
        async () => (await localSale(terminal, made.id)).syncState === 'synced',
        3_000,
      ).catch((error) => {
        throw new Error(`${(error as Error).message}; pushes: ${pushes.calls.length}`);
      });
      expect(pushes.calls.length).toBe(2);
    } finally {
      await worker.close();
      pushes.stop();
      await terminal.close();
    }
  });

  it('goes on after a probe that went through even when the other batch of the round has a lone failure meanwhile', async () => {
    const { terminal, token } = await openOfflineTerminal(cloud, 'b-north', dirs);
    // B's lone push of its bad sale leaves once A's probe is answered, and A's charges wait until
    // that failure has been handled: the order two parallel batches can take on a real network.
    let probeAnswered!: () => void;
    const probeDone = new Promise<void>((resolve) => (probeAnswered = resolve));
    let b1Answered = false;
    let b1Handled!: () => void;
    const b1Done = new Promise<void>((resolve) => (b1Handled = resolve));
    const logs: { msg: string; sales?: number }[] = [];
    const logger = pino(
      { level: 'warn' },
      {
        write: (line: string) => {
          const entry = JSON.parse(line) as { msg: string; sales?: number };
          logs.push(entry);
          // The worker logs a push's failure, then hands it to the policy in the same tick: what
          // waits for this goes on after the failure was handled.
          if (b1Answered && entry.sales === 1) b1Handled();
        },
      },
    );
    // Batch A: three bad sales, then a good one (the probe). Batch B: a bad sale, then good ones.
    const a: Sale[] = [];
    for (const p of ['p-1', 'p-2', 'p-3', 'p-4']) a.push(await terminal.sell(sale(p)));
    const b: Sale[] = [];
    for (const p of ['p-5', 'p-6', 'p-7', 'p-8']) b.push(await terminal.sell(sale(p)));
    for (const s of [a[0]!, a[1]!, a[2]!, b[0]!]) failBookingOf(cloud, s.id);
    const sent: string[][] = [];
    let warnedBeforeLastGood: string[] | undefined;
    const fetchImpl: typeof fetch = async (input, init) => {
      const body = JSON.parse(String(init?.body)) as { variables: { rows: any[] } };
      const ids = body.variables.rows.map((r) => r.newDocumentState.id as string);
      if (ids.length === 1 && ids[0] === b[0]!.id) await probeDone;
      sent.push(ids);
      if (ids.length === 1 && ids[0] === b[3]!.id) warnedBeforeLastGood = logs.map((l) => l.msg);
      const response = await globalThis.fetch(input, init);
      if (ids.length === 1 && ids[0] === a[3]!.id) probeAnswered();
      if (ids.length === 1 && ids[0] === b[0]!.id) b1Answered = true;
      return response;
    };
    terminal.db.sales.preSave(async (data) => {
      if (data.id === a[0]!.id) await b1Done;
    }, false);
    const worker = new SalesPushWorker({
      sales: terminal.db.sales,
      caller: new GraphQLCaller(cloud.url, token, fetchImpl),
      settings: {
        batchSize: 4,
        concurrency: 2,
        maxServerAttempts: 1000,
        backoffBaseMs: 2000,
        backoffCapMs: 2000,
      },
      events: { onPushed: () => {}, onBooked: () => {}, onAuthLoss: () => {} },
      logger,
    });
    try {
      worker.start();
      // A's probe was booked: the cloud stores sales, and B's good sales go on without the queue
      // backing off for a failing cloud first. (Later, the charged bad sales coming due again alone
      // may well back it off: nothing else is left to tell them from an outage.)
      await eventually(() =>
        b.slice(1).every((s) => sent.some((ids) => ids.length === 1 && ids[0] === s.id)),
      );
      expect(warnedBeforeLastGood).not.toContain(
        'the cloud fails the sales pushed alone: backing off, no attempt counted',
      );
    } finally {
      await worker.close();
      for (const s of [a[0]!, a[1]!, a[2]!, b[0]!]) repairBookingOf(cloud, s.id);
      await terminal.close();
    }
  });

  it('charges nobody for a lone failure just before the cloud recovers: the sale sent once more goes through', async () => {
    const { terminal, token } = await openOfflineTerminal(cloud, 'b-north', dirs);
    const attempts = watchAttempts(terminal);
    const made: Sale[] = [];
    for (const p of ['p-1', 'p-2', 'p-3']) made.push(await terminal.sell(sale(p)));
    startBookingOutage(cloud);
    let outage = true;
    const sent: string[][] = [];
    // The outage ends right after the cloud answered the first lone push: that failure was the
    // cloud's, and the next push goes through.
    const fetchImpl: typeof fetch = async (input, init) => {
      const body = JSON.parse(String(init?.body)) as { variables: { rows: any[] } };
      const ids = body.variables.rows.map((r) => r.newDocumentState.id as string);
      sent.push(ids);
      const response = await globalThis.fetch(input, init);
      if (outage && ids.length === 1) {
        outage = false;
        endBookingOutage(cloud);
      }
      return response;
    };
    const worker = new SalesPushWorker({
      sales: terminal.db.sales,
      caller: new GraphQLCaller(cloud.url, token, fetchImpl),
      settings: {
        batchSize: 10,
        concurrency: 1,
        maxServerAttempts: 1000,
        backoffBaseMs: 50,
        backoffCapMs: 1000,
      },
      events: { onPushed: () => {}, onBooked: () => {}, onAuthLoss: () => {} },
      logger: pino({ level: 'silent' }),
    });
    try {
      worker.start();
      const bookedHere = async () =>
        (await cloud.bookedSales('b-north')).filter((s) => s.posId === terminal.identity.posId);
      await eventually(async () => (await bookedHere()).length === made.length);
      expect((await bookedHere()).map((s) => s.id).sort()).toEqual(made.map((s) => s.id).sort());
      // The whole batch failed, then the first sale alone (the last failure of the outage), the
      // second went through, the first was sent once more and went through: nobody charged.
      expect(sent.slice(0, 4)).toEqual([
        made.map((s) => s.id),
        [made[0]!.id],
        [made[1]!.id],
        [made[0]!.id],
      ]);
      for (const s of made) expect(attempts.most(s.id)).toBe(0);
    } finally {
      await worker.close();
      if (outage) endBookingOutage(cloud);
      attempts.stop();
      await terminal.close();
    }
  });
});
