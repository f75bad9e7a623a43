import { describe, expect, it } from 'vitest';
import type { Sale, SaleKind } from '../../../schema/index.ts';
import { makeReturn, makeSaleLine, saleIdempotencyKey } from '../../../schema/index.ts';
import type { CloudStore, SalesFilter, SalesGroup, TerminalScope } from '../cloud-store.ts';
import type { ContractContext } from './contract-context.ts';
import { saleOf } from './harness.ts';

const MINUTE_MS = 60_000;

/** A settlement of `customerId`'s account: `paid` in cash, `change` handed back. */
function settlementOf(
  scope: TerminalScope,
  localEventId: number,
  customerId: string,
  paid: number,
  change: number,
  overrides: Partial<Sale> = {},
): Sale {
  return {
    ...saleOf(scope, localEventId, overrides),
    kind: 'settlement',
    customerId,
    lines: [],
    totals: { subtotalMinor: 0, discountMinor: 0, taxMinor: 0, totalMinor: 0 },
    payments: [{ method: 'cash', amountMinor: paid }],
    changeMinor: change,
  };
}

/** Books one document and answers the booked copy. */
async function book(store: CloudStore, scope: TerminalScope, sale: Sale): Promise<Sale> {
  const [outcome] = await store.ingestSales(scope, [sale]);
  expect(outcome).toMatchObject({ status: 'ingested' });
  return outcome!.sale!;
}

/** What each filter field selects, as a predicate over a booked document. */
const FILTER_FIELDS: {
  [K in keyof SalesFilter]-?: (sale: Sale, value: NonNullable<SalesFilter[K]>) => boolean;
} = {
  branchId: (s, v) => s.branchId === v,
  terminalId: (s, v) => s.terminalId === v,
  from: (s, v) => s.createdAt >= v,
  to: (s, v) => s.createdAt < v,
  invoiceNo: (s, v) => s.invoiceNo === v,
  eventKey: (s, v) => saleIdempotencyKey(s) === v,
  kind: (s, v) => s.kind === v,
};

function matches(sale: Sale, filter: SalesFilter): boolean {
  return Object.entries(filter).every(([field, value]) =>
    (FILTER_FIELDS[field as keyof SalesFilter] as (s: Sale, v: unknown) => boolean)(sale, value),
  );
}

/** The group the port must answer for these documents of one currency and kind. */
function groupOf(currency: string, kind: SaleKind, docs: readonly Sale[]): SalesGroup {
  const sum = (pick: (s: Sale) => number) => docs.reduce((n, s) => n + pick(s), 0);
  return {
    currency,
    kind,
    count: docs.length,
    subtotalMinor: sum((s) => s.totals.subtotalMinor),
    discountMinor: sum((s) => s.totals.discountMinor),
    taxMinor: sum((s) => s.totals.taxMinor),
    totalMinor: sum((s) => s.totals.totalMinor),
    settledMinor:
      kind === 'settlement'
        ? sum((s) => s.payments.reduce((n, p) => n + p.amountMinor, 0) - s.changeMinor)
        : 0,
  };
}

/** The groups of the documents a filter selects, in the port's order. */
function expectedGroups(booked: readonly Sale[], filter: SalesFilter): SalesGroup[] {
  const selected = booked.filter((s) => matches(s, filter));
  const groups: SalesGroup[] = [];
  for (const currency of [...new Set(selected.map((s) => s.currency))].sort()) {
    for (const kind of ['sale', 'return', 'settlement'] as const) {
      const docs = selected.filter((s) => s.currency === currency && s.kind === kind);
      if (docs.length > 0) groups.push(groupOf(currency, kind, docs));
    }
  }
  return groups;
}

/** Sales summaries: one grouping by currency and kind, narrowed by every field of the list's filter. */
export function describeSalesSummaryContract(ctx: ContractContext): void {
  describe('sales summary', () => {
    /**
     * Sales, returns and settlements in two currencies: EUR at branch b-1 (t1, t2), USD at b-2 (t3),
     * made a minute apart from `start`, booked one by one so invoice numbers follow this order.
     */
    async function bookMix() {
      const { store, world, clock } = ctx;
      await store.upsertCustomers(
        world.tenantId,
        [
          { id: 'c-eur', name: 'Ada' },
          { id: 'c-usd', name: 'Grace' },
        ],
        'root',
      );
      const start = clock.now().getTime() - 30 * MINUTE_MS;
      const at = (minute: number) => ({
        createdAt: new Date(start + minute * MINUTE_MS).toISOString(),
      });
      const twoLines = [
        makeSaleLine({ productId: 'p-1', sku: 'SKU-1', quantity: 3, discountMinor: 100 }),
        makeSaleLine({ productId: 'p-2', sku: 'SKU-2', quantity: 1, unitPriceMinor: 500 }),
      ];
      const s1 = await book(store, world.t1, saleOf(world.t1, 1, { ...at(0), lines: twoLines }));
      const s2 = await book(store, world.t2, saleOf(world.t2, 1, at(1)));
      const r1 = await book(
        store,
        world.t1,
        makeReturn(s1, [{ line: 0, quantity: 1 }], { posId: 'pos-1', localEventId: 2, ...at(2) }),
      );
      const p1 = await book(store, world.t2, settlementOf(world.t2, 2, 'c-eur', 1000, 300, at(3)));
      const s3 = await book(store, world.t1, saleOf(world.t1, 3, at(4)));
      const usd = { currency: 'USD' };
      const u1 = await book(store, world.t3, saleOf(world.t3, 1, { ...usd, ...at(0) }));
      const u2 = await book(
        store,
        world.t3,
        makeReturn(u1, [{ line: 0, quantity: 1 }], { posId: 'pos-1', localEventId: 2, ...at(2) }),
      );
      const u3 = await book(
        store,
        world.t3,
        settlementOf(world.t3, 3, 'c-usd', 250, 0, { ...usd, ...at(3) }),
      );
      return { at, booked: [s1, s2, r1, p1, s3, u1, u2, u3], s1, r1, p1, u1, u2, u3 };
    }

    it('sums sales, returns and settlements apart per currency, to the minor unit', async () => {
      const { store, world } = ctx;
      await bookMix();
      const zero = { subtotalMinor: 0, discountMinor: 0, taxMinor: 0, totalMinor: 0 };
      expect(await store.summarizeSales(world.tenantId, {})).toEqual([
        // s1 (3 × 12.99 less 1.00, 1 × 5.00), s2 and s3 (2 × 12.99 each), tax 7 %.
        {
          currency: 'EUR',
          kind: 'sale',
          count: 3,
          subtotalMinor: 3897 + 500 + 2598 * 2,
          discountMinor: 100,
          taxMinor: 266 + 35 + 182 * 2,
          totalMinor: 4063 + 535 + 2780 * 2,
          settledMinor: 0,
        },
        // One of s1's three discounted units, priced pro rata.
        {
          currency: 'EUR',
          kind: 'return',
          count: 1,
          subtotalMinor: 1299,
          discountMinor: 34,
          taxMinor: 88,
          totalMinor: 1353,
          settledMinor: 0,
        },
        { currency: 'EUR', kind: 'settlement', count: 1, ...zero, settledMinor: 700 },
        {
          currency: 'USD',
          kind: 'sale',
          count: 1,
          subtotalMinor: 2598,
          discountMinor: 0,
          taxMinor: 182,
          totalMinor: 2780,
          settledMinor: 0,
        },
        {
          currency: 'USD',
          kind: 'return',
          count: 1,
          subtotalMinor: 1299,
          discountMinor: 0,
          taxMinor: 91,
          totalMinor: 1390,
          settledMinor: 0,
        },
        { currency: 'USD', kind: 'settlement', count: 1, ...zero, settledMinor: 250 },
      ]);
    });

    it('narrows the sums by every filter field exactly as the list narrows', async () => {
      const { store, world } = ctx;
      const { at, booked, r1, u3 } = await bookMix();
      const filters: SalesFilter[] = [
        {},
        { branchId: 'b-1' },
        { branchId: 'b-2' },
        { terminalId: world.t2.terminalId },
        { from: at(2).createdAt },
        { to: at(2).createdAt },
        { from: at(1).createdAt, to: at(3).createdAt },
        // Invoice numbers count per branch: 1 is a sale in each, 4 a settlement of b-1 only.
        { invoiceNo: 1 },
        { invoiceNo: 3 },
        { invoiceNo: 4 },
        { branchId: 'b-2', invoiceNo: 2 },
        { invoiceNo: 99 },
        { eventKey: saleIdempotencyKey(r1) },
        { eventKey: saleIdempotencyKey(u3) },
        { eventKey: saleIdempotencyKey(r1), branchId: 'b-2' },
        { eventKey: 'no:such:key' },
        { kind: 'sale' },
        { kind: 'return' },
        { kind: 'settlement', branchId: 'b-2' },
        { kind: 'sale', from: at(1).createdAt, terminalId: world.t1.terminalId },
      ];
      for (const filter of filters) {
        const expected = expectedGroups(booked, filter);
        expect({ filter, groups: await store.summarizeSales(world.tenantId, filter) }).toEqual({
          filter,
          groups: expected,
        });
        const listed = await store.querySales(world.tenantId, filter, { first: 50 });
        expect({ filter, count: listed.totalCount }).toEqual({
          filter,
          count: expected.reduce((n, g) => n + g.count, 0),
        });
        expect({ filter, ids: listed.edges.map((e) => e.node.id).sort() }).toEqual({
          filter,
          ids: booked
            .filter((s) => matches(s, filter))
            .map((s) => s.id)
            .sort(),
        });
      }
    });

    it('finds one document by its event key or invoice number, whatever its kind', async () => {
      const { store, world } = ctx;
      const { r1, p1, u2 } = await bookMix();
      expect(
        await store.summarizeSales(world.tenantId, { eventKey: saleIdempotencyKey(r1) }),
      ).toEqual([groupOf('EUR', 'return', [r1])]);
      expect(
        await store.summarizeSales(world.tenantId, { branchId: 'b-1', invoiceNo: p1.invoiceNo! }),
      ).toEqual([groupOf('EUR', 'settlement', [p1])]);
      expect(
        await store.summarizeSales(world.tenantId, { branchId: 'b-2', invoiceNo: u2.invoiceNo! }),
      ).toEqual([groupOf('USD', 'return', [u2])]);
    });

    it('counts a booking made before sales schema version 2 (no kind) as a sale', async () => {
      const { store, world } = ctx;
      const { s1, r1 } = await bookMix();
      await ctx.storeSaleAsLegacy(world.tenantId, s1.id);
      const b1 = { terminalId: world.t1.terminalId, to: r1.createdAt };
      expect(await store.summarizeSales(world.tenantId, b1)).toEqual([
        groupOf('EUR', 'sale', [s1]),
      ]);
      expect(await store.summarizeSales(world.tenantId, { ...b1, kind: 'sale' })).toEqual([
        groupOf('EUR', 'sale', [s1]),
      ]);
      const listed = await store.querySales(world.tenantId, { ...b1, kind: 'sale' }, { first: 10 });
      expect(listed.edges.map((e) => e.node.id)).toEqual([s1.id]);
    });

    it('answers no groups for a filter nothing matches, and none of another tenant', async () => {
      const { store, world } = ctx;
      await bookMix();
      expect(await store.summarizeSales(world.tenantId, { terminalId: 'nobody' })).toEqual([]);
      await store.createTenant({ id: 'other', name: 'Other' }, 'root');
      expect(await store.summarizeSales('other', {})).toEqual([]);
    });
  });
}
