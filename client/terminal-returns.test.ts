import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Sale } from '../schema/index.ts';
import { NOTHING_RETURNED, priceReturnQuantity } from '../schema/index.ts';
import type { Receipt } from './build-return.ts';
import type { Terminal } from './terminal.ts';
import type { CloudProcess } from './test-support/cloud-process.ts';
import {
  CloudProcess as Cloud,
  productInput,
  removeDir,
  tempDir,
} from './test-support/cloud-process.ts';
import { eventually, openTestTerminal, syncWithin } from './test-support/terminal-fixtures.ts';

const cash = (amountMinor: number) => [{ method: 'cash' as const, amountMinor }];

const receiptOf = (sale: Sale): Receipt => ({
  id: sale.id,
  terminalId: sale.terminalId,
  branchId: sale.branchId,
  invoiceNo: sale.invoiceNo,
  currency: sale.currency,
  lines: sale.lines,
});

describe('returns against a real cloud process', () => {
  let cloud: CloudProcess;
  const dirs: string[] = [];
  const open: Terminal[] = [];

  /** A terminal of b-north on its own data dir; `online: false` opens it without syncing. */
  async function till(
    registered: Awaited<ReturnType<CloudProcess['registerTerminal']>>,
    dataDir: string,
    online: boolean,
  ) {
    const terminal = await openTestTerminal(cloud, registered, { dataDir, autoStart: online });
    open.push(terminal);
    return terminal;
  }

  async function newTill() {
    const registered = await cloud.registerTerminal('b-north');
    const dataDir = tempDir('pos-terminal-');
    dirs.push(dataDir);
    const terminal = await till(registered, dataDir, true);
    await syncWithin(terminal);
    return { registered, dataDir, terminal };
  }

  /** Closes a terminal and opens it again on its data dir, offline (no sync started). */
  async function reopenOffline(t: Awaited<ReturnType<typeof newTill>>): Promise<Terminal> {
    await t.terminal.close();
    return till(t.registered, t.dataDir, false);
  }

  async function sellOnline(terminal: Terminal, quantity = 3): Promise<Sale> {
    const sold = await terminal.sell({
      lines: [
        { productId: 'p-1', quantity, discountMinor: 50 },
        { productId: 'p-2', quantity: 1 },
      ],
      payments: cash(100_000),
    });
    await syncWithin(terminal);
    return (await terminal.db.sales.findOne(sold.id).exec(true)).toJSON() as Sale;
  }

  const stored = async (terminal: Terminal, id: string) =>
    (await terminal.db.sales.findOne(id).exec(true)).toJSON() as Sale;

  const onHand = async (terminal: Terminal, productId: string) =>
    (await terminal.db.inventory.findOne(`b-north:${productId}`).exec())?.onHand ?? 0;

  beforeAll(async () => {
    cloud = await Cloud.start();
    await cloud.createBranch('b-north');
    await cloud.upsertProducts(Array.from({ length: 5 }, (_, i) => productInput(i)));
  });

  // RxDB's open-source build caps the collections open in one process: close each test's terminals.
  afterEach(async () => {
    for (const terminal of open.splice(0)) await terminal.close().catch(() => undefined);
  });

  afterAll(async () => {
    await cloud?.destroy();
    for (const dir of dirs) removeDir(dir);
  });

  it('returns its own sale offline, against the returns it holds, restocked, then books it', async () => {
    const t = await newTill();
    const sale = await sellOnline(t.terminal);
    const terminal = await reopenOffline(t);
    const priced = priceReturnQuantity(sale.lines[0]!, 2, NOTHING_RETURNED)!.lineTotalMinor;
    // The refund tenders must pay out exactly the return's total.
    await expect(
      terminal.refund({
        saleId: sale.id,
        lines: [{ line: 0, quantity: 2, restock: true }],
        payments: cash(priced + 1),
      }),
    ).rejects.toMatchObject({ code: 'POS_INPUT_INVALID' });
    const ret = await terminal.refund({
      invoiceNo: sale.invoiceNo!,
      lines: [{ line: 0, quantity: 2, restock: true }],
      payments: cash(priced),
      reason: 'Wrong size',
    });
    expect(ret).toMatchObject({
      kind: 'return',
      returnOf: { saleId: sale.id, invoiceNo: sale.invoiceNo, source: 'own' },
      reason: 'Wrong size',
      syncState: 'queued',
      lines: [{ productId: 'p-1', quantity: 2, originalLine: 0, restock: true }],
    });
    expect(await onHand(terminal, 'p-1')).toBe(2);
    await expect(
      terminal.refund({
        saleId: sale.id,
        lines: [{ line: 0, quantity: 2, restock: false }],
        payments: cash(1),
      }),
    ).rejects.toMatchObject({ code: 'POS_RETURN_EXCEEDS_SOLD' });
    // The rest of the line: exactly what is left of it.
    const rest = await terminal.refund({
      saleId: sale.id,
      lines: [{ line: 0, quantity: 1, restock: false }],
      payments: cash(sale.lines[0]!.lineTotalMinor - ret.totals.totalMinor),
    });
    expect(rest.totals.totalMinor + ret.totals.totalMinor).toBe(sale.lines[0]!.lineTotalMinor);

    terminal.start();
    await syncWithin(terminal);
    expect(await stored(terminal, ret.id)).toMatchObject({
      syncState: 'synced',
      invoiceNo: expect.any(Number),
    });
    expect(await stored(terminal, rest.id)).toMatchObject({ syncState: 'synced' });
    const returns = await cloud.gql(
      'query ($b: String) { sales(branchId: $b, kind: "return") { totalCount edges { node { id returnOf { saleId source } } } } }',
      { b: 'b-north' },
    );
    expect(returns.sales.edges.map((e: any) => e.node.id)).toEqual(
      expect.arrayContaining([ret.id, rest.id]),
    );
  });

  it('returns a sale still queued on the same terminal: both reach the cloud, the sale first', async () => {
    const t = await newTill();
    const terminal = await reopenOffline(t);
    const sale = await terminal.sell({
      lines: [{ productId: 'p-3', quantity: 2 }],
      payments: cash(100_000),
    });
    const ret = await terminal.refund({
      saleId: sale.id,
      lines: [{ line: 0, quantity: 1, restock: true }],
      payments: cash(priceReturnQuantity(sale.lines[0]!, 1, NOTHING_RETURNED)!.lineTotalMinor),
    });
    expect(ret.returnOf).toMatchObject({ saleId: sale.id, invoiceNo: null, source: 'own' });
    terminal.start();
    await syncWithin(terminal);
    const [bookedSale, bookedReturn] = [
      await stored(terminal, sale.id),
      await stored(terminal, ret.id),
    ];
    expect(bookedSale.syncState).toBe('synced');
    expect(bookedReturn.syncState).toBe('synced');
    expect(bookedReturn.invoiceNo!).toBeGreaterThan(bookedSale.invoiceNo!);
  });

  it("returns another terminal's sale online from the cloud, and offline only from its receipt", async () => {
    const seller = await newTill();
    const sale = await sellOnline(seller.terminal);
    await seller.terminal.refund({
      saleId: sale.id,
      lines: [{ line: 1, quantity: 1, restock: true }],
      payments: cash(sale.lines[1]!.lineTotalMinor),
    });
    await syncWithin(seller.terminal);

    const other = await newTill();
    // The cloud counts the seller's return: the second line is gone.
    await expect(
      other.terminal.refund({
        invoiceNo: sale.invoiceNo!,
        lines: [{ line: 1, quantity: 1, restock: false }],
        payments: cash(1),
      }),
    ).rejects.toMatchObject({ code: 'POS_RETURN_EXCEEDS_SOLD' });
    const online = await other.terminal.refund({
      invoiceNo: sale.invoiceNo!,
      lines: [{ line: 0, quantity: 3, restock: false }],
      payments: cash(sale.lines[0]!.lineTotalMinor),
    });
    expect(online.returnOf).toMatchObject({
      saleId: sale.id,
      terminalId: sale.terminalId,
      source: 'cloud',
    });
    await syncWithin(other.terminal);
    expect(await stored(other.terminal, online.id)).toMatchObject({ syncState: 'synced' });

    const second = await sellOnline(seller.terminal);
    const offline = await reopenOffline(other);
    await expect(
      offline.refund({
        saleId: second.id,
        lines: [{ line: 0, quantity: 1, restock: true }],
        payments: cash(1),
      }),
    ).rejects.toMatchObject({ code: 'POS_SYNC_OFFLINE' });
    const unverified = await offline.refund({
      saleId: second.id,
      receipt: receiptOf(second),
      lines: [{ line: 1, quantity: 1, restock: true }],
      payments: cash(second.lines[1]!.lineTotalMinor),
    });
    expect(unverified.returnOf).toMatchObject({ saleId: second.id, source: 'unverified' });
    offline.start();
    await syncWithin(offline);
    expect(await stored(offline, unverified.id)).toMatchObject({ syncState: 'synced' });
  });

  it('two terminals returning the same item offline: one is refused, an operator decides, the terminal sees it', async () => {
    const a = await newTill();
    const b = await newTill();
    const sale = await sellOnline(a.terminal, 1);
    const tillA = await reopenOffline(a);
    const tillB = await reopenOffline(b);
    const line = { line: 1, quantity: 1, restock: true };
    const fromA = await tillA.refund({
      saleId: sale.id,
      lines: [line],
      payments: cash(sale.lines[1]!.lineTotalMinor),
    });
    const fromB = await tillB.refund({
      saleId: sale.id,
      receipt: receiptOf(sale),
      lines: [line],
      payments: cash(sale.lines[1]!.lineTotalMinor),
    });
    tillA.start();
    await syncWithin(tillA);
    tillB.start();
    await syncWithin(tillB);
    expect(await stored(tillA, fromA.id)).toMatchObject({ syncState: 'synced' });
    expect(await stored(tillB, fromB.id)).toMatchObject({
      syncState: 'needs_attention',
      lastError: { code: 'POS_RETURN_EXCEEDS_SOLD' },
    });
    const dead = await cloud.gql(
      '{ rejectedEvents(first: 50) { edges { node { id code payload } } } }',
    );
    const entry = dead.rejectedEvents.edges
      .map((e: any) => e.node)
      .find((n: any) => n.payload.id === fromB.id);
    expect(entry.code).toBe('POS_RETURN_EXCEEDS_SOLD');
    await cloud.gql(
      'mutation ($id: String!) { discardRejectedSale(id: $id, note: "returned at till A") { id } }',
      {
        id: entry.id,
      },
    );
    await eventually(async () => (await stored(tillB, fromB.id)).syncState === 'discarded', 15_000);
    expect((await stored(tillB, fromB.id)).lastError).toMatchObject({
      code: 'POS_RETURN_EXCEEDS_SOLD',
    });
  });
});
