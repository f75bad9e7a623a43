import { describe, expect, it } from 'vitest';
import { makeSaleLine } from '../../../schema/index.ts';
import type { ContractContext } from './contract-context.ts';
import { expectCode, productInput, saleOf } from './harness.ts';

/** The admin reads an operator console needs: filtered lists, sums, a dry run of a product import. */
export function describeConsoleQueriesContract(ctx: ContractContext): void {
  describe('console queries', () => {
    it('filters refused sales by code and id', async () => {
      const { store, world } = ctx;
      const sale = saleOf(world.t1, 1);
      await store.ingestSales(world.t1, [sale]);
      await store.ingestSales(world.t1, [
        saleOf(world.t1, 1, { lines: [makeSaleLine({ quantity: 5 })] }),
      ]);
      const all = await store.listRejectedEvents(world.tenantId, {}, { first: 10 });
      expect(all.totalCount).toBe(1);
      const entry = all.edges[0]!.node;
      const byCode = await store.listRejectedEvents(
        world.tenantId,
        { code: entry.code },
        { first: 10 },
      );
      expect(byCode.edges.map((e) => e.node.id)).toEqual([entry.id]);
      const otherCode = await store.listRejectedEvents(
        world.tenantId,
        { code: 'POS_NOT_FOUND' },
        { first: 10 },
      );
      expect(otherCode.totalCount).toBe(0);
      const byId = await store.listRejectedEvents(world.tenantId, { id: entry.id }, { first: 10 });
      expect(byId.edges.map((e) => e.node.eventKey)).toEqual([entry.eventKey]);
      // The booked copy under the refused payload's key.
      const booked = await store.querySales(
        world.tenantId,
        { eventKey: entry.eventKey },
        { first: 10 },
      );
      expect(booked.edges.map((e) => e.node.id)).toEqual([sale.id]);
    });

    it('reads refused sales past a cursor, from the newest on, without counting', async () => {
      const { store, world } = ctx;
      /** A sale, then other content under its key: the second is refused and filed. */
      const refuse = async (localEventId: number) => {
        await store.ingestSales(world.t1, [saleOf(world.t1, localEventId)]);
        await store.ingestSales(world.t1, [
          saleOf(world.t1, localEventId, { lines: [makeSaleLine({ quantity: 5 })] }),
        ]);
      };
      expect(await store.rejectedEventsHead(world.tenantId)).toBeNull();
      await refuse(1);
      const head = await store.rejectedEventsHead(world.tenantId);
      expect(head).not.toBeNull();
      expect(await store.rejectedEventsAfter(world.tenantId, { status: 'all' }, head, 10)).toEqual({
        entries: [],
        cursor: head,
        more: false,
      });
      await refuse(2);
      await refuse(3);
      await refuse(4);
      const listed = await store.listRejectedEvents(world.tenantId, {}, { first: 10 });
      const ids = listed.edges.map((e) => e.node.id);
      expect(ids).toHaveLength(4);
      const page = await store.rejectedEventsAfter(world.tenantId, { status: 'all' }, head, 2);
      expect(page.entries.map((e) => e.id)).toEqual(ids.slice(1, 3));
      expect(page.more).toBe(true);
      const rest = await store.rejectedEventsAfter(
        world.tenantId,
        { status: 'all' },
        page.cursor,
        2,
      );
      expect(rest.entries.map((e) => e.id)).toEqual(ids.slice(3));
      expect(rest.more).toBe(false);
      // One cursor space: the head is the last entry's cursor in the listing too.
      expect(rest.cursor).toBe(listed.pageInfo.endCursor);
      expect(await store.rejectedEventsHead(world.tenantId)).toBe(listed.pageInfo.endCursor);
      const otherTerminal = await store.rejectedEventsAfter(
        world.tenantId,
        { status: 'all', terminalId: world.t3.terminalId },
        head,
        10,
      );
      expect(otherTerminal.entries).toEqual([]);
    });

    it('finds sales by invoice number and sums a filter per currency', async () => {
      const { store, world } = ctx;
      const sales = [saleOf(world.t1, 1), saleOf(world.t1, 2), saleOf(world.t3, 1)];
      await store.ingestSales(world.t1, sales.slice(0, 2));
      await store.ingestSales(world.t3, sales.slice(2));
      const second = await store.querySales(
        world.tenantId,
        { branchId: 'b-1', invoiceNo: 2 },
        { first: 10 },
      );
      expect(second.edges.map((e) => e.node.id)).toEqual([sales[1]!.id]);
      // Invoice numbers count per branch: without a branch, each branch's first sale matches.
      const firsts = await store.querySales(world.tenantId, { invoiceNo: 1 }, { first: 10 });
      expect(firsts.edges.map((e) => e.node.id).sort()).toEqual(
        [sales[0]!.id, sales[2]!.id].sort(),
      );

      const summary = await store.summarizeSales(world.tenantId, { branchId: 'b-1' });
      const b1 = sales.slice(0, 2);
      const sum = (pick: (s: (typeof sales)[number]) => number) =>
        b1.reduce((n, s) => n + pick(s), 0);
      expect(summary).toEqual([
        {
          currency: b1[0]!.currency,
          kind: 'sale',
          count: 2,
          subtotalMinor: sum((s) => s.totals.subtotalMinor),
          discountMinor: sum((s) => s.totals.discountMinor),
          taxMinor: sum((s) => s.totals.taxMinor),
          totalMinor: sum((s) => s.totals.totalMinor),
          settledMinor: 0,
        },
      ]);
      expect(await store.summarizeSales(world.tenantId, { terminalId: 'nobody' })).toEqual([]);
    });

    it('lists live products in id order with a search over id, SKU, barcode and name', async () => {
      const { store, world } = ctx;
      await store.upsertProducts(
        world.tenantId,
        [
          productInput({ id: 'p-1', name: 'Espresso beans', barcode: '4001' }),
          productInput({ id: 'p-2', name: 'Green tea' }),
          productInput({ id: 'p-3', name: 'ESPRESSO cup', sku: 'CUP-1' }),
          productInput({ id: 'p-4', name: 'Gone' }),
        ],
        'root',
      );
      await store.deleteProducts(world.tenantId, ['p-4'], 'root');
      const ids = async (search?: string, first = 10) => {
        const out: string[] = [];
        let after: string | null = null;
        for (;;) {
          const page = await store.listProducts(
            world.tenantId,
            search === undefined ? {} : { search },
            { first, after },
          );
          out.push(...page.edges.map((e) => e.node.id));
          if (!page.pageInfo.hasNextPage) return { ids: out, total: page.totalCount };
          after = page.pageInfo.endCursor;
        }
      };
      expect(await ids()).toEqual({ ids: ['p-1', 'p-2', 'p-3'], total: 3 });
      expect(await ids(undefined, 1)).toEqual({ ids: ['p-1', 'p-2', 'p-3'], total: 3 });
      expect(await ids('espresso')).toEqual({ ids: ['p-1', 'p-3'], total: 2 });
      expect(await ids('cup-')).toEqual({ ids: ['p-3'], total: 1 });
      expect(await ids('400')).toEqual({ ids: ['p-1'], total: 1 });
      expect(await ids('P-2')).toEqual({ ids: ['p-2'], total: 1 });
      expect(await ids('.*')).toEqual({ ids: [], total: 0 });
      await expectCode(
        store.listProducts(world.tenantId, {}, { first: 10, after: 'garbage' }),
        'POS_INPUT_INVALID',
      );
    });

    it('checks a product batch like an upsert without storing anything', async () => {
      const { store, world } = ctx;
      await store.upsertProducts(world.tenantId, [productInput({ id: 'a', sku: 'S-A' })], 'root');
      await store.checkProducts(world.tenantId, [productInput({ id: 'b' })]);
      let details: any;
      try {
        await store.checkProducts(world.tenantId, [
          productInput({ id: 'b', sku: 'S-A' }),
          productInput({ id: 'c', categoryId: 'no-such-category' }),
        ]);
      } catch (error) {
        details = (error as { code: string; details: unknown }).details;
        expect((error as { code: string }).code).toBe('POS_INPUT_INVALID');
      }
      expect(details.rows.map((r: any) => [r.index, r.rule])).toEqual([
        [1, 'unknown_category'],
        [0, 'duplicate_sku'],
      ]);
      const live = await store.listProducts(world.tenantId, {}, { first: 10 });
      expect(live.edges.map((e) => e.node.id)).toEqual(['a']);
    });
  });
}
