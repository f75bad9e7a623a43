import { describe, expect, it } from 'vitest';
import type { Sale } from '../../../schema/index.ts';
import { addReturned, makeReturn, makeSaleLine } from '../../../schema/index.ts';
import type { CloudStore, SaleIngestOutcome, TerminalScope } from '../cloud-store.ts';
import type { ContractContext } from './contract-context.ts';
import { createWorld, saleOf } from './harness.ts';

/** A booked sale of two lines (3 and 1 units, the first discounted). */
async function bookSale(
  store: CloudStore,
  scope: TerminalScope,
  localEventId: number,
  posId = 'pos-1',
): Promise<Sale> {
  const sale = saleOf(scope, localEventId, {
    posId,
    lines: [
      makeSaleLine({ productId: 'p-1', sku: 'SKU-1', quantity: 3, discountMinor: 100 }),
      makeSaleLine({ productId: 'p-2', sku: 'SKU-2', quantity: 1, unitPriceMinor: 500 }),
    ],
  });
  const [outcome] = await store.ingestSales(scope, [sale]);
  expect(outcome).toMatchObject({ status: 'ingested' });
  return outcome!.sale!;
}

/** A return made on `scope`'s terminal of `original`. */
function returnOn(
  scope: TerminalScope,
  original: Sale,
  localEventId: number,
  lines: { line: number; quantity: number; restock?: boolean }[],
  overrides: Parameters<typeof makeReturn>[2] = {},
): Sale {
  return makeReturn(original, lines, {
    terminalId: scope.terminalId,
    branchId: scope.branchId,
    posId: 'pos-r',
    localEventId,
    ...overrides,
  });
}

function expectRefused(outcome: SaleIngestOutcome | undefined, code: string) {
  expect(outcome).toMatchObject({
    status: 'rejected',
    code,
    sale: { syncState: 'needs_attention', lastError: { code } },
  });
}

export function describeReturnsContract(ctx: ContractContext): void {
  describe('returns', () => {
    it('books returns of a sale up to what was sold, pro rata, and refuses beyond it', async () => {
      const { store, world } = ctx;
      const sale = await bookSale(store, world.t1, 1);
      const first = returnOn(world.t1, sale, 1, [{ line: 0, quantity: 1 }]);
      const [booked] = await store.ingestSales(world.t1, [first]);
      expect(booked).toMatchObject({
        status: 'ingested',
        sale: { kind: 'return', returnOf: { saleId: sale.id }, invoiceNo: 2 },
      });
      // The rest of the line, priced with the remainder: the line is refunded exactly.
      const rest = returnOn(world.t1, sale, 2, [{ line: 0, quantity: 2 }], {
        returned: addReturned([], first),
      });
      expect((await store.ingestSales(world.t1, [rest]))[0]).toMatchObject({ status: 'ingested' });
      expect(first.totals.totalMinor + rest.totals.totalMinor).toBe(sale.lines[0]!.lineTotalMinor);
      const beyond = returnOn(world.t1, sale, 3, [{ line: 0, quantity: 1 }]);
      const [refused] = await store.ingestSales(world.t1, [beyond]);
      expectRefused(refused, 'POS_RETURN_EXCEEDS_SOLD');
      const dead = await store.listRejectedEvents(world.tenantId, {}, { first: 10 });
      expect(dead.edges.map((e) => e.node.code)).toEqual(['POS_RETURN_EXCEEDS_SOLD']);
      const acks = await store.pullSales(world.t1, null, 50);
      expect(acks.documents.find((d) => d.id === beyond.id)).toMatchObject({
        syncState: 'needs_attention',
        lastError: { code: 'POS_RETURN_EXCEEDS_SOLD' },
      });
      const forReturn = await store.saleForReturn(world.t1, { saleId: sale.id });
      expect(forReturn?.returned[0]).toMatchObject({ quantity: 3 });
    });

    it('refuses forged returns with their codes and changes nothing', async () => {
      const { store, world } = ctx;
      const sale = await bookSale(store, world.t1, 1);
      const other = await createWorld(store, 'tenant-x');
      const foreign = await bookSale(store, other.t1, 1);
      const southern = await bookSale(store, world.t3, 1);
      const valid = returnOn(world.t1, sale, 9, [{ line: 1, quantity: 1 }]);
      const richer = { ...valid.lines[0]!, taxMinor: valid.lines[0]!.taxMinor + 5 };
      richer.lineTotalMinor += 5;
      const forged = [
        // Another tenant's sale, by its id.
        returnOn(world.t1, { ...foreign, terminalId: world.t1.terminalId, branchId: 'b-1' }, 1, [
          { line: 0, quantity: 1 },
        ]),
        // Another branch's sale.
        returnOn(world.t1, { ...southern, branchId: 'b-1' }, 2, [{ line: 0, quantity: 1 }]),
        // More than was sold of the line.
        returnOn(world.t1, { ...sale, lines: [{ ...sale.lines[0]!, quantity: 9 }] }, 3, [
          { line: 0, quantity: 4 },
        ]),
        // A richer refund than pro rata.
        {
          ...valid,
          localEventId: 4,
          lines: [richer],
          totals: {
            ...valid.totals,
            taxMinor: valid.totals.taxMinor + 5,
            totalMinor: valid.totals.totalMinor + 5,
          },
          payments: [{ method: 'cash' as const, amountMinor: valid.totals.totalMinor + 5 }],
        },
        // Another product at the original's line.
        returnOn(
          world.t1,
          { ...sale, lines: [sale.lines[0]!, { ...sale.lines[1]!, productId: 'p-9' }] },
          5,
          [{ line: 1, quantity: 1 }],
        ),
        // A return of a return.
        returnOn(world.t1, { ...valid, invoiceNo: null }, 6, [{ line: 0, quantity: 1 }]),
      ];
      const outcomes = await store.ingestSales(world.t1, forged);
      expect(outcomes.map((o) => o.status === 'rejected' && o.code)).toEqual([
        'POS_RETURN_ORIGINAL_UNKNOWN',
        'POS_RETURN_ORIGINAL_UNKNOWN',
        'POS_RETURN_EXCEEDS_SOLD',
        'POS_RETURN_AMOUNT_MISMATCH',
        'POS_RETURN_AMOUNT_MISMATCH',
        'POS_RETURN_ORIGINAL_UNKNOWN',
      ]);
      expect(await store.saleForReturn(world.t1, { saleId: sale.id })).toMatchObject({
        returned: [],
      });
      const summary = await store.summarizeSales(world.tenantId, { branchId: 'b-1' });
      expect(summary).toMatchObject([{ kind: 'sale', count: 1 }]);
      // Nothing was counted: the whole sale can still be returned.
      const whole = returnOn(world.t1, sale, 7, [
        { line: 0, quantity: 3 },
        { line: 1, quantity: 1, restock: false },
      ]);
      expect((await store.ingestSales(world.t1, [whole]))[0]).toMatchObject({ status: 'ingested' });
      expect(whole.totals.totalMinor).toBe(sale.totals.totalMinor);
    });

    it('books a sale and its return pushed in one batch, the sale first', async () => {
      const { store, world } = ctx;
      const sale = saleOf(world.t1, 1, { lines: [makeSaleLine({ quantity: 2 })] });
      const ret = returnOn(world.t1, sale, 2, [{ line: 0, quantity: 1 }], { posId: 'pos-1' });
      const outcomes = await store.ingestSales(world.t1, [sale, ret]);
      expect(outcomes.map((o) => o.status)).toEqual(['ingested', 'ingested']);
      expect(outcomes.map((o) => o.sale!.invoiceNo)).toEqual([1, 2]);
    });

    it('answers a redelivered return as a duplicate and counts it once', async () => {
      const { store, world } = ctx;
      const sale = await bookSale(store, world.t1, 1);
      const ret = returnOn(world.t1, sale, 1, [{ line: 0, quantity: 2 }]);
      await store.ingestSales(world.t1, [ret]);
      const [again] = await store.ingestSales(world.t1, [ret]);
      expect(again).toMatchObject({ status: 'duplicate' });
      expect(
        (await store.saleForReturn(world.t1, { invoiceNo: sale.invoiceNo! }))?.returned[0],
      ).toMatchObject({ quantity: 2 });
    });

    it('lets exactly one of two terminals returning the last unit concurrently book it', async () => {
      const { store, world } = ctx;
      const sale = await bookSale(store, world.t1, 1);
      const a = returnOn(world.t1, sale, 1, [{ line: 1, quantity: 1 }]);
      const b = returnOn(world.t2, sale, 1, [{ line: 1, quantity: 1 }]);
      const [[ra], [rb]] = await Promise.all([
        store.ingestSales(world.t1, [a]),
        store.ingestSales(world.t2, [b]),
      ]);
      expect([ra!.status, rb!.status].sort()).toEqual(['ingested', 'rejected']);
      const refused = ra!.status === 'rejected' ? ra! : rb!;
      expectRefused(refused, 'POS_RETURN_EXCEEDS_SOLD');
    });

    it("books a refused return as an operator's exception, counted, and ends a discarded one", async () => {
      const { store, world } = ctx;
      const sale = await bookSale(store, world.t1, 1);
      await store.ingestSales(world.t1, [returnOn(world.t1, sale, 1, [{ line: 1, quantity: 1 }])]);
      const second = returnOn(world.t2, sale, 1, [{ line: 1, quantity: 1 }]);
      const third = returnOn(world.t2, sale, 2, [{ line: 1, quantity: 1 }]);
      const [r2, r3] = await store.ingestSales(world.t2, [second, third]);
      expectRefused(r2, 'POS_RETURN_EXCEEDS_SOLD');
      const accepted = await store.acceptRejectedSale(
        world.tenantId,
        (r2 as { rejectedEventId: string }).rejectedEventId,
        'customer brought two',
        'admin-1',
      );
      expect(accepted.resolution).toBe('accepted');
      await store.discardRejectedSale(
        world.tenantId,
        (r3 as { rejectedEventId: string }).rejectedEventId,
        'duplicate claim',
        'admin-1',
      );
      const acks = (await store.pullSales(world.t2, null, 50)).documents;
      expect(acks.find((d) => d.id === second.id)).toMatchObject({ syncState: 'synced' });
      expect(acks.find((d) => d.id === third.id)).toMatchObject({
        syncState: 'discarded',
        lastError: { code: 'POS_RETURN_EXCEEDS_SOLD' },
      });
      expect((await store.saleForReturn(world.t1, { saleId: sale.id }))?.returned[1]).toMatchObject(
        {
          quantity: 2,
        },
      );
      const audit = await store.listAuditLog(world.tenantId, { first: 50 });
      expect(audit.edges.map((e) => e.node)).toContainEqual(
        expect.objectContaining({
          action: 'acceptRejectedSale',
          actor: 'admin-1',
          details: expect.objectContaining({ kind: 'return', code: 'POS_RETURN_EXCEEDS_SOLD' }),
        }),
      );
    });

    it('dead-letters a return whose original is not booked yet; an accept books it once it is', async () => {
      const { store, world } = ctx;
      const sale = saleOf(world.t1, 1, { lines: [makeSaleLine({ quantity: 2 })] });
      const early = returnOn(world.t2, sale, 1, [{ line: 0, quantity: 1 }], {
        returnOf: {
          saleId: sale.id,
          invoiceNo: null,
          terminalId: sale.terminalId,
          branchId: sale.branchId,
          source: 'unverified',
        },
      });
      const [refused] = await store.ingestSales(world.t2, [early]);
      expectRefused(refused, 'POS_RETURN_ORIGINAL_UNKNOWN');
      await store.ingestSales(world.t1, [sale]);
      await store.acceptRejectedSale(
        world.tenantId,
        (refused as { rejectedEventId: string }).rejectedEventId,
        'original arrived',
        'admin-1',
      );
      expect((await store.returnsOf(world.tenantId, [sale.id])).get(sale.id)).toMatchObject([
        { id: early.id, kind: 'return' },
      ]);
      const returns = await store.querySales(world.tenantId, { kind: 'return' }, { first: 10 });
      expect(returns.edges.map((e) => e.node.id)).toEqual([early.id]);
      const sales = await store.querySales(world.tenantId, { kind: 'sale' }, { first: 10 });
      expect(sales.edges.map((e) => e.node.id)).toEqual([sale.id]);
      expect(await store.summarizeSales(world.tenantId, {})).toMatchObject([
        { currency: 'EUR', kind: 'sale', count: 1, totalMinor: sale.totals.totalMinor },
        { currency: 'EUR', kind: 'return', count: 1, totalMinor: early.totals.totalMinor },
      ]);
    });

    it('serves saleForReturn only within the terminal branch, by id or invoice number', async () => {
      const { store, world } = ctx;
      const sale = await bookSale(store, world.t1, 1);
      expect(await store.saleForReturn(world.t2, { invoiceNo: sale.invoiceNo! })).toMatchObject({
        sale: { id: sale.id, kind: 'sale' },
        returned: [],
      });
      expect(await store.saleForReturn(world.t3, { saleId: sale.id })).toBeNull();
      const other = await createWorld(store, 'tenant-x');
      expect(await store.saleForReturn(other.t1, { saleId: sale.id })).toBeNull();
    });
  });
}
