import { describe, expect, it } from 'vitest';
import { makeSaleLine } from '../../../schema/index.ts';
import type { ContractContext } from './contract-context.ts';
import { expectCode, pullAll, saleOf } from './harness.ts';

export function describeSalesContract(ctx: ContractContext): void {
  describe('sale ingest', () => {
    it('ingests a sale once: a duplicate returns the stored copy and books nothing', async () => {
      const { store, world } = ctx;
      const sale = saleOf(world.t1, 1);
      const [first] = await store.ingestSales(world.t1, [sale]);
      expect(first).toMatchObject({
        status: 'ingested',
        sale: { id: sale.id, invoiceNo: 1, syncState: 'synced' },
      });
      // The terminal's bookkeeping differs on a retry; the content does not.
      const retry = { ...sale, syncAttempts: 3, lastError: { code: 'X', message: 'timeout' } };
      const [again] = await store.ingestSales(world.t1, [retry]);
      expect(again).toEqual({
        status: 'duplicate',
        key: first!.key,
        sale: first!.status === 'rejected' ? null : first!.sale,
      });
      const sales = await store.querySales(world.tenantId, {}, { first: 10 });
      expect(sales.totalCount).toBe(1);
      const acks = await store.pullSales(world.t1, null, 10);
      expect(acks.documents).toMatchObject([
        { id: sale.id, invoiceNo: 1, ingestedAt: expect.any(String), _deleted: false },
      ]);
    });

    it('rejects the same key with different content into the dead-letter queue', async () => {
      const { store, world } = ctx;
      const sale = saleOf(world.t1, 1);
      await store.ingestSales(world.t1, [sale]);
      const other = saleOf(world.t1, 1, { lines: [makeSaleLine({ quantity: 5 })] });
      const [outcome] = await store.ingestSales(world.t1, [other]);
      expect(outcome).toMatchObject({
        status: 'rejected',
        code: 'POS_SYNC_EVENT_INVALID',
        sale: { id: other.id, syncState: 'needs_attention' },
      });
      expect((await store.querySales(world.tenantId, {}, { first: 10 })).totalCount).toBe(1);
      const dead = await store.listRejectedEvents(world.tenantId, {}, { first: 10 });
      expect(dead.totalCount).toBe(1);
      expect(dead.edges[0]!.node).toMatchObject({
        code: 'POS_SYNC_EVENT_INVALID',
        eventKey: outcome!.key,
        payload: JSON.parse(JSON.stringify(other)),
        resolution: null,
      });
      const acks = await store.pullSales(world.t1, null, 10);
      expect(acks.documents.find((d) => d.id === other.id)).toMatchObject({
        syncState: 'needs_attention',
        lastError: { code: 'POS_SYNC_EVENT_INVALID' },
      });
      // A redelivery of the refused payload does not create a second dead letter.
      await store.ingestSales(world.t1, [other]);
      expect((await store.listRejectedEvents(world.tenantId, {}, { first: 10 })).totalCount).toBe(
        1,
      );
    });

    it('rejects invalid and unreadable sales, and the rest of the batch still goes through', async () => {
      const { store, world } = ctx;
      const bad = {
        ...saleOf(world.t1, 1),
        totals: { subtotalMinor: 1, discountMinor: 0, taxMinor: 0, totalMinor: 1 },
      };
      const outcomes = await store.ingestSales(world.t1, [
        bad,
        { nonsense: true },
        saleOf(world.t1, 2),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'ingested']);
      expect(outcomes[0]).toMatchObject({
        problems: expect.arrayContaining([expect.objectContaining({ rule: 'totals_mismatch' })]),
      });
      expect(outcomes[1]).toMatchObject({ key: null, sale: null });
      expect((await store.listRejectedEvents(world.tenantId, {}, { first: 10 })).totalCount).toBe(
        2,
      );
    });

    it('refuses sales whose branch or terminal differ from the scope', async () => {
      const { store, world } = ctx;
      const otherBranch = saleOf(world.t1, 1, { branchId: 'b-2' });
      const otherTerminal = saleOf(world.t1, 2, { terminalId: world.t2.terminalId });
      const outcomes = await store.ingestSales(world.t1, [otherBranch, otherTerminal]);
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
      expect(outcomes[0]).toMatchObject({
        problems: [expect.objectContaining({ rule: 'scope_mismatch', path: 'branchId' })],
      });
      expect((await store.querySales(world.tenantId, {}, { first: 10 })).totalCount).toBe(0);
      // Nothing reaches the other branch's or terminal's stream.
      expect((await store.pullSales(world.t3, null, 10)).documents).toEqual([]);
      expect((await store.pullSales(world.t2, null, 10)).documents).toEqual([]);
    });

    it('numbers invoices uniquely and increasingly per branch under concurrent ingest', async () => {
      const { store, world } = ctx;
      const terminals = [world.t1, world.t2, world.t3];
      await Promise.all(
        terminals.flatMap((t) =>
          Array.from({ length: 10 }, (_, batch) =>
            store.ingestSales(
              t,
              Array.from({ length: 5 }, (_, i) => saleOf(t, batch * 5 + i + 1)),
            ),
          ),
        ),
      );
      const all = [];
      let after: string | null = null;
      for (;;) {
        const page = await store.querySales(world.tenantId, {}, { first: 40, after });
        all.push(...page.edges.map((e) => e.node));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      expect(all).toHaveLength(150);
      for (const branchId of ['b-1', 'b-2']) {
        // In ingest order, the branch's invoice numbers are exactly 1, 2, 3, ...
        const numbers = all.filter((s) => s.branchId === branchId).map((s) => s.invoiceNo);
        expect(numbers).toEqual(numbers.map((_, i) => i + 1));
      }
    });
  });

  describe('dead letters', () => {
    it('accepting a rejected sale books it flagged and audited; the terminal sees the ingested copy by pull', async () => {
      const { store, world } = ctx;
      const odd = { ...saleOf(world.t1, 1), changeMinor: 7 };
      const [rejected] = await store.ingestSales(world.t1, [odd]);
      const { checkpoint } = await store.pullSales(world.t1, null, 10);
      const id = rejected!.status === 'rejected' ? rejected!.rejectedEventId : '';
      const accepted = await store.acceptRejectedSale(
        world.tenantId,
        id,
        'till miscounted change',
        'admin:a',
      );
      expect(accepted).toMatchObject({
        resolution: 'accepted',
        resolutionNote: 'till miscounted change',
        resolvedBy: 'admin:a',
        resolvedAt: expect.any(String),
      });
      const after = await store.pullSales(world.t1, checkpoint, 10);
      expect(after.documents).toMatchObject([
        { id: odd.id, invoiceNo: 1, changeMinor: 7, syncState: 'synced' },
      ]);
      await expectCode(
        store.acceptRejectedSale(world.tenantId, id, 'again', 'admin:a'),
        'POS_INPUT_INVALID',
      );
      expect((await store.listRejectedEvents(world.tenantId, {}, { first: 10 })).totalCount).toBe(
        0,
      );
      expect(
        (await store.listRejectedEvents(world.tenantId, { status: 'resolved' }, { first: 10 }))
          .totalCount,
      ).toBe(1);
      const audit = await store.listAuditLog(world.tenantId, { first: 100 });
      expect(audit.edges.map((e) => e.node.action)).toContain('acceptRejectedSale');
      // Redelivering the now-booked sale is a duplicate, not a new refusal.
      const [redelivered] = await store.ingestSales(world.t1, [odd]);
      expect(redelivered!.status).toBe('duplicate');
    });

    it('discarding closes the entry and tells the terminal by pull', async () => {
      const { store, world } = ctx;
      const odd = { ...saleOf(world.t1, 1), changeMinor: 7 };
      const [rejected] = await store.ingestSales(world.t1, [odd]);
      const { checkpoint } = await store.pullSales(world.t1, null, 10);
      const id = rejected!.status === 'rejected' ? rejected!.rejectedEventId : '';
      await store.discardRejectedSale(world.tenantId, id, 'test sale', 'root');
      const after = await store.pullSales(world.t1, checkpoint, 10);
      const discarded = {
        id: odd.id,
        invoiceNo: null,
        syncState: 'discarded',
        lastError: {
          code: 'POS_SYNC_EVENT_INVALID',
          message: 'Discarded by an operator: test sale',
        },
      };
      expect(after.documents).toMatchObject([discarded]);
      expect((await store.querySales(world.tenantId, {}, { first: 10 })).totalCount).toBe(0);

      // A discard is final: the same payload delivered again (a terminal that never saw the answer)
      // gets the discarded copy, opens no new entry and changes nothing in the sales stream.
      const [again] = await store.ingestSales(world.t1, [odd]);
      expect(again).toMatchObject({
        status: 'rejected',
        rejectedEventId: id,
        message: 'Discarded by an operator: test sale',
        sale: discarded,
      });
      expect((await store.listRejectedEvents(world.tenantId, {}, { first: 10 })).totalCount).toBe(
        0,
      );
      const unchanged = await store.pullSales(world.t1, after.checkpoint, 10);
      expect(unchanged.documents).toEqual([]);
      // Other content under the same key is a new refusal, for an operator to look at.
      const [other] = await store.ingestSales(world.t1, [{ ...odd, changeMinor: 8 }]);
      expect(other).toMatchObject({ status: 'rejected', sale: { syncState: 'needs_attention' } });
      expect(other!.status === 'rejected' && other!.rejectedEventId).not.toBe(id);
      expect((await store.listRejectedEvents(world.tenantId, {}, { first: 10 })).totalCount).toBe(
        1,
      );
      await expectCode(
        store.discardRejectedSale(world.tenantId, 'nope', 'x', 'root'),
        'POS_NOT_FOUND',
      );
    });
  });

  describe('lost-sale detection', () => {
    it('reports the highest contiguous localEventId per posId and the gaps', async () => {
      const { store, world } = ctx;
      await store.ingestSales(
        world.t1,
        [1, 2, 4, 7].map((n) => saleOf(world.t1, n)),
      );
      await store.ingestSales(world.t1, [saleOf(world.t1, 1, { posId: 'pos-2' })]);
      const gaps = await store.saleGaps(world.tenantId, { terminalId: world.t1.terminalId });
      expect(gaps).toEqual([
        expect.objectContaining({
          posId: 'pos-1',
          highestContiguous: 2,
          highestSeen: 7,
          gaps: [
            { from: 3, to: 3 },
            { from: 5, to: 6 },
          ],
        }),
        expect.objectContaining({ posId: 'pos-2', highestContiguous: 1, highestSeen: 1, gaps: [] }),
      ]);
      // A refused event arrived too: it closes its gap (the dead-letter list shows it instead).
      await store.ingestSales(world.t1, [
        { ...saleOf(world.t1, 3), changeMinor: 1 },
        saleOf(world.t1, 5),
      ]);
      const after = await store.saleGaps(world.tenantId, { terminalId: world.t1.terminalId });
      expect(after[0]).toMatchObject({ highestContiguous: 5, gaps: [{ from: 6, to: 6 }] });
      expect(await store.saleGaps(world.tenantId, { branchId: 'b-2' })).toEqual([]);
    });
  });

  describe('sales admin query', () => {
    it('paginates with a cursor and a totalCount, filtered by branch, terminal and time', async () => {
      const { store, world } = ctx;
      const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 10, minute)).toISOString();
      await store.ingestSales(
        world.t1,
        Array.from({ length: 25 }, (_, i) => saleOf(world.t1, i + 1, { createdAt: at(i) })),
      );
      await store.ingestSales(world.t3, [saleOf(world.t3, 1)]);
      const seen: string[] = [];
      let after: string | null = null;
      let pages = 0;
      for (;;) {
        const page = await store.querySales(
          world.tenantId,
          { branchId: 'b-1' },
          { first: 10, after },
        );
        expect(page.totalCount).toBe(25);
        seen.push(...page.edges.map((e) => e.node.id));
        pages++;
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      expect(pages).toBe(3);
      expect(new Set(seen).size).toBe(25);
      const window = await store.querySales(
        world.tenantId,
        { terminalId: world.t1.terminalId, from: at(5), to: at(10) },
        { first: 100 },
      );
      expect(window.totalCount).toBe(5);
      expect(window.edges.map((e) => e.node.createdAt)).toEqual([5, 6, 7, 8, 9].map(at));
      expect(
        (await store.querySales(world.tenantId, { terminalId: world.t3.terminalId }, { first: 5 }))
          .totalCount,
      ).toBe(1);
      await expectCode(
        store.querySales(world.tenantId, {}, { first: 10, after: 'garbage' }),
        'POS_INPUT_INVALID',
      );
    });

    it('pulls a terminal its own acknowledgements only, in batches', async () => {
      const { store, world } = ctx;
      for (let i = 1; i <= 12; i++) {
        await store.ingestSales(world.t1, [saleOf(world.t1, i)]);
        await store.ingestSales(world.t2, [saleOf(world.t2, i)]);
      }
      const mine = await pullAll((cp, l) => store.pullSales(world.t1, cp, l), null, 5);
      expect(mine.documents).toHaveLength(12);
      expect(mine.documents.every((d) => d.terminalId === world.t1.terminalId)).toBe(true);
    });
  });
}
