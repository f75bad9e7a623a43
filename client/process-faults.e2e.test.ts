import { afterAll, describe, expect, it } from 'vitest';
import { Cloud, FaultProxy, eventually, productInput, tempDir } from '../testing/index.ts';
import { openTestTerminal } from './test-support/terminal-fixtures.ts';
import { spawnTerminal } from './test-support/terminal-process.ts';

/** Every booked sale is there once: no duplicate id, no duplicate key, invoice numbers unique. */
function expectExactlyOnce(booked: any[]): void {
  expect(new Set(booked.map((s) => s.id)).size).toBe(booked.length);
  const keys = booked.map((s) => `${s.terminalId}:${s.posId}:${s.localEventId}`);
  expect(new Set(keys).size).toBe(booked.length);
  const invoices = booked.map((s) => s.invoiceNo);
  expect(new Set(invoices).size).toBe(booked.length);
}

describe('faults with real processes', () => {
  const clouds: Cloud[] = [];
  const proxies: FaultProxy[] = [];
  afterAll(async () => {
    for (const proxy of proxies) await proxy.close();
    for (const cloud of clouds) await cloud.destroy();
  });

  it('keeps exactly-once when a terminal process is killed with SIGKILL in the middle of a push', async () => {
    const cloud = await Cloud.start();
    clouds.push(cloud);
    const proxy = await FaultProxy.start(cloud.port);
    proxies.push(proxy);
    await cloud.createBranch('b-1');
    await cloud.upsertProducts(Array.from({ length: 10 }, (_, i) => productInput(i)));
    const registered = await cloud.registerTerminal('b-1');
    const dataDir = tempDir('pos-terminal-');
    const flags = {
      server: proxy.url,
      token: registered.token,
      'data-dir': dataDir,
      'push-batch': '5',
      'backoff-cap-ms': '1000',
      'log-level': 'silent',
    };
    // Selling 150 takes 1.5 s at least: pushes are still going when the answers are held below.
    const first = spawnTerminal({ ...flags, sell: '150', 'sell-interval-ms': '10' });
    await eventually(async () => (await cloud.bookedSales('b-1')).length >= 20, 30_000);
    // From here the cloud books what the terminal pushes, and the terminal never hears back: the
    // kill lands while a push the cloud booked is waiting for its answer.
    const pushHeld = proxy.whenWithheld('"pushSales"');
    proxy.setMode('hold-replies');
    await pushHeld;
    await eventually(() => first.output().includes('sold 150'), 30_000);
    first.child.kill('SIGKILL');
    await first.exited;
    const bookedAtKill = (await cloud.bookedSales('b-1')).map((s) => s.id);
    expect(bookedAtKill.length).toBeLessThan(150);
    // Booked in the cloud and still queued at the till (the held push among them): the restart
    // delivers them again, and the cloud must answer them as the duplicates they are.
    const killed = await openTestTerminal(cloud, registered, { dataDir, autoStart: false });
    try {
      const status = await killed.status();
      expect(status.queued + status.synced).toBe(150);
      const queued = await killed.db.sales.find({ selector: { syncState: 'queued' } }).exec();
      expect(queued.filter((d) => bookedAtKill.includes(d.id)).length).toBeGreaterThan(0);
    } finally {
      await killed.close();
    }

    proxy.setMode('pass');
    const second = spawnTerminal({ ...flags, 'exit-when-synced': true });
    expect(await second.exited).toBe(0);
    const booked = await cloud.bookedSales('b-1');
    expect(booked).toHaveLength(150);
    expectExactlyOnce(booked);
    expect(booked.map((s) => s.localEventId).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 150 }, (_, i) => i + 1),
    );
    expect(second.output()).toMatch(/queued=0 synced=150 attention=0/);
  }, 90_000);

  it('five terminal processes in two branches sell while the cloud restarts twice: no loss, no duplicate, branch data stays apart', async () => {
    // One process per terminal, as in a shop (RxDB's open-source build also caps a process at 13
    // open collections, i.e. three terminals).
    const cloud = await Cloud.start();
    clouds.push(cloud);
    await cloud.createBranch('b-east');
    await cloud.createBranch('b-west');
    await cloud.upsertProducts([
      ...Array.from({ length: 20 }, (_, i) => productInput(i)),
      productInput(100, { branchIds: ['b-east'] }),
      productInput(200, { branchIds: ['b-west'] }),
    ]);
    const SALES = 50;
    const branches = ['b-east', 'b-east', 'b-east', 'b-west', 'b-west'];
    const terminals = [];
    for (const branch of branches) {
      const registered = await cloud.registerTerminal(branch);
      const dataDir = tempDir('pos-terminal-');
      const process = spawnTerminal({
        server: cloud.url,
        token: registered.token,
        'data-dir': dataDir,
        'push-batch': '10',
        'backoff-cap-ms': '1000',
        'log-level': 'silent',
        sell: String(SALES),
        'sell-interval-ms': '25',
        'exit-when-synced': true,
      });
      terminals.push({ registered, dataDir, process });
    }
    // Restart once sales are flowing, and again once more were booked, while the terminals keep
    // selling; the second time with SIGKILL (no clean shutdown).
    const bookedCount = async () =>
      (await cloud.bookedSales('b-east')).length + (await cloud.bookedSales('b-west')).length;
    await eventually(async () => (await bookedCount()) >= 10, 30_000);
    await cloud.stop();
    await cloud.start();
    const afterFirst = await bookedCount();
    await eventually(
      async () => afterFirst === SALES * branches.length || (await bookedCount()) > afterFirst,
      30_000,
    );
    await cloud.kill();
    await cloud.start();
    for (const t of terminals) {
      expect(await t.process.exited, t.process.output()).toBe(0);
      expect(t.process.output()).toContain(`sold ${SALES}`);
    }
    for (const branch of ['b-east', 'b-west']) {
      const booked = await cloud.bookedSales(branch);
      const own = terminals.filter((t) => t.registered.branchId === branch);
      expect(booked).toHaveLength(SALES * own.length);
      expectExactlyOnce(booked);
      const ids = new Set(own.map((t) => t.registered.terminalId));
      expect(booked.every((s) => s.branchId === branch && ids.has(s.terminalId))).toBe(true);
    }
    for (const t of terminals) {
      const terminal = await openTestTerminal(cloud, t.registered, {
        dataDir: t.dataDir,
        autoStart: false,
      });
      try {
        expect(await terminal.status()).toMatchObject({
          queued: 0,
          needsAttention: 0,
          synced: SALES,
        });
        const foreign = t.registered.branchId === 'b-east' ? 'p-200' : 'p-100';
        const own = t.registered.branchId === 'b-east' ? 'p-100' : 'p-200';
        expect(await terminal.db.products.findOne(foreign).exec()).toBeNull();
        expect(await terminal.db.products.findOne(own).exec()).not.toBeNull();
      } finally {
        await terminal.close();
      }
    }
  }, 90_000);
});
