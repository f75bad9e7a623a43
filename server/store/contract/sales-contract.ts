import { describe, expect, it } from 'vitest';
import { makeSaleLine } from '../../../schema/index.ts';
import type { ContractContext } from './contract-context.ts';
import { expectCode, pullAll, saleOf } from './harness.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

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

    it('answers every refused sale as needs_attention with its code, shape failures included', async () => {
      const { store, world } = ctx;
      const line = makeSaleLine();
      const shapeFailures = [
        { ...saleOf(world.t1, 1), lines: [{ ...line, quantity: 0 }] },
        { ...saleOf(world.t1, 2), lines: [{ ...line, unitPriceMinor: -1 }] },
        { ...saleOf(world.t1, 3), id: '9b2f6c1e-4f1a-4c3b-8d2e-1a2b3c4d5e6f' },
        { ...saleOf(world.t1, 4), lines: [{ ...line, name: 'x'.repeat(201) }] },
        saleOf(world.t1, 0),
        saleOf(world.t1, 5, { createdAt: '2026-13-45T99:00:00.000Z' }),
        {
          ...saleOf(world.t1, 6),
          lines: [{ ...line, taxRateBps: 2 ** 40 }],
          syncAttempts: 2 ** 40,
        },
      ];
      const outcomes = await store.ingestSales(world.t1, [...shapeFailures, saleOf(world.t1, 7)]);
      expect(outcomes.map((o) => o.status)).toEqual([
        ...shapeFailures.map(() => 'rejected'),
        'ingested',
      ]);
      shapeFailures.forEach((pushed, i) => {
        const outcome = outcomes[i]!;
        expect(outcome.sale).toMatchObject({
          id: pushed.id,
          invoiceNo: null,
          syncState: 'needs_attention',
          lastError: { code: 'POS_SYNC_EVENT_INVALID' },
        });
        // The answer serialises as a Sale: its Int fields stay 32-bit whatever was pushed.
        expect(Math.abs(outcome.sale!.syncAttempts)).toBeLessThan(2 ** 31);
      });
      // They arrived: lost-sale detection does not report them missing (0 is no event id at all).
      const gaps = await store.saleGaps(world.tenantId, { terminalId: world.t1.terminalId });
      expect(gaps).toEqual([
        expect.objectContaining({ posId: 'pos-1', highestContiguous: 7, highestSeen: 7, gaps: [] }),
      ]);
      // A redelivery maps to the same dead letters and gets the same answers.
      const again = await store.ingestSales(world.t1, shapeFailures);
      expect(again.map((o) => o.status === 'rejected' && o.rejectedEventId)).toEqual(
        outcomes.slice(0, -1).map((o) => o.status === 'rejected' && o.rejectedEventId),
      );
      expect(again.map((o) => o.sale?.syncState)).toEqual(
        shapeFailures.map(() => 'needs_attention'),
      );
    });

    it('bounds createdAt to a window around the server clock: months offline book, nonsense does not', async () => {
      const { store, world } = ctx;
      const now = ctx.clock.now().getTime();
      const at = (ms: number) => new Date(ms).toISOString();
      const outcomes = await store.ingestSales(world.t1, [
        saleOf(world.t1, 1, { createdAt: at(now - 300 * DAY) }),
        saleOf(world.t1, 2, { createdAt: at(now + 12 * HOUR) }),
        saleOf(world.t1, 3, { createdAt: '9999-12-31T23:59:59.999Z' }),
        saleOf(world.t1, 4, { createdAt: '0001-01-01T00:00:00.000Z' }),
        saleOf(world.t1, 5, { createdAt: at(now - 401 * DAY) }),
        saleOf(world.t1, 6, { createdAt: at(now + 3 * DAY) }),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual([
        'ingested',
        'ingested',
        'rejected',
        'rejected',
        'rejected',
        'rejected',
      ]);
      for (const outcome of outcomes.slice(2)) {
        expect(outcome).toMatchObject({
          problems: [
            expect.objectContaining({ rule: 'created_at_out_of_window', path: 'createdAt' }),
          ],
          sale: { syncState: 'needs_attention', lastError: { code: 'POS_SYNC_EVENT_INVALID' } },
        });
      }
      // A refused date still arrived: no gap.
      const [gaps] = await store.saleGaps(world.tenantId, { terminalId: world.t1.terminalId });
      expect(gaps).toMatchObject({ highestContiguous: 6, gaps: [] });
    });

    it('bounds the localEventId jump beyond the highest arrived, so one id cannot spoil gap detection', async () => {
      const { store, world } = ctx;
      const outcomes = await store.ingestSales(world.t1, [
        saleOf(world.t1, 1),
        saleOf(world.t1, 2 ** 53 - 1),
        { ...saleOf(world.t1, 2 ** 53 - 1), changeMinor: 5 },
        saleOf(world.t1, 1_000_000),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual([
        'ingested',
        'rejected',
        'rejected',
        'ingested',
      ]);
      expect(outcomes[1]).toMatchObject({
        problems: [expect.objectContaining({ rule: 'local_event_id_jump', path: 'localEventId' })],
        sale: { syncState: 'needs_attention' },
      });
      const [gaps] = await store.saleGaps(world.tenantId, { terminalId: world.t1.terminalId });
      expect(gaps).toMatchObject({ highestSeen: 1_000_000 });
      // The bound moves with what arrived: a million beyond the highest books again.
      const [next] = await store.ingestSales(world.t1, [saleOf(world.t1, 2_000_000)]);
      expect(next!.status).toBe('ingested');
      const [far] = await store.ingestSales(world.t1, [saleOf(world.t1, 3_000_001)]);
      expect(far!.status).toBe('rejected');
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

    it('accepting never books a second sale under a key already booked, in either order', async () => {
      const { store, world } = ctx;
      // Invalid K1, then valid K1 (booked), then the operator accepts the first: refused.
      const odd = { ...saleOf(world.t1, 1), changeMinor: 7 };
      const [rejected] = await store.ingestSales(world.t1, [odd]);
      const [valid] = await store.ingestSales(world.t1, [saleOf(world.t1, 1)]);
      expect(valid!.status).toBe('ingested');
      const id = rejected!.status === 'rejected' ? rejected!.rejectedEventId : '';
      await expectCode(
        store.acceptRejectedSale(world.tenantId, id, 'ok', 'root'),
        'POS_INPUT_INVALID',
      );
      expect((await store.listRejectedEvents(world.tenantId, {}, { first: 10 })).totalCount).toBe(
        1,
      );

      // Invalid K2 accepted (booked), then other content under K2 arrives: refused, not booked.
      const odd2 = { ...saleOf(world.t1, 2), changeMinor: 7 };
      const [rejected2] = await store.ingestSales(world.t1, [odd2]);
      const id2 = rejected2!.status === 'rejected' ? rejected2!.rejectedEventId : '';
      await store.acceptRejectedSale(world.tenantId, id2, 'ok', 'root');
      const [other] = await store.ingestSales(world.t1, [saleOf(world.t1, 2)]);
      expect(other).toMatchObject({
        status: 'rejected',
        problems: [expect.objectContaining({ rule: 'key_conflict' })],
      });
      // Two refusals of K3 with other content: accepting one books it, the other is then refused.
      const [a] = await store.ingestSales(world.t1, [{ ...saleOf(world.t1, 3), changeMinor: 7 }]);
      const [b] = await store.ingestSales(world.t1, [{ ...saleOf(world.t1, 3), changeMinor: 9 }]);
      await store.acceptRejectedSale(
        world.tenantId,
        a!.status === 'rejected' ? a!.rejectedEventId : '',
        'ok',
        'root',
      );
      await expectCode(
        store.acceptRejectedSale(
          world.tenantId,
          b!.status === 'rejected' ? b!.rejectedEventId : '',
          'ok',
          'root',
        ),
        'POS_INPUT_INVALID',
      );

      const booked = await store.querySales(world.tenantId, {}, { first: 10 });
      const keys = booked.edges.map((e) => `${e.node.posId}:${e.node.localEventId}`);
      expect(keys.sort()).toEqual(['pos-1:1', 'pos-1:2', 'pos-1:3']);
    });

    it('accepting refuses a payload outside the createdAt window or the localEventId bound', async () => {
      const { store, world } = ctx;
      const outcomes = await store.ingestSales(world.t1, [
        saleOf(world.t1, 1, { createdAt: '9999-01-01T00:00:00.000Z' }),
        saleOf(world.t1, 2 ** 53 - 1),
      ]);
      for (const outcome of outcomes) {
        expect(outcome.status).toBe('rejected');
        const id = outcome.status === 'rejected' ? outcome.rejectedEventId : '';
        await expectCode(
          store.acceptRejectedSale(world.tenantId, id, 'ok', 'root'),
          'POS_INPUT_INVALID',
        );
      }
      expect((await store.querySales(world.tenantId, {}, { first: 10 })).totalCount).toBe(0);
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
      const start = ctx.clock.now().getTime() - 3_600_000;
      const at = (minute: number) => new Date(start + minute * 60_000).toISOString();
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
