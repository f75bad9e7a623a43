import type { RxDocumentData, RxJsonSchema, WithDeleted } from 'rxdb';
import { hashCRDTOperations, rebuildFromCRDT } from 'rxdb/plugins/crdt';
import { describe, expect, it } from 'vitest';
import { sha256HashFunction } from '../../../replication/index.ts';
import type { InventoryItem } from '../../../schema/index.ts';
import { ON_HAND_MAX, createInventoryItem, inventoryRxSchema } from '../../../schema/index.ts';
import { MAX_INVENTORY_OPERATIONS, MAX_NEW_INVENTORY_OPERATIONS } from '../inventory-rules.ts';
import type { ContractContext } from './contract-context.ts';
import { expectCode, pullAll } from './harness.ts';

type Doc = WithDeleted<InventoryItem>;
type Op = { creator: string; time?: number; body: Record<string, unknown>[] };

/** An inventory document as the crdt plugin builds it: the creation row, then rows of operations. */
async function inventoryDoc(
  branchId: string,
  productId: string,
  rows: Op[][] = [],
  creator = 'c',
): Promise<Doc> {
  const create = {
    body: [{ ifMatch: { $set: createInventoryItem(branchId, productId) } }],
    creator,
    time: 1,
  };
  const crdts = {
    operations: [[create], ...rows.map((row) => row.map((op) => ({ time: 2, ...op })))],
    hash: '',
  };
  crdts.hash = await hashCRDTOperations(sha256HashFunction, crdts);
  const schema = inventoryRxSchema as RxJsonSchema<RxDocumentData<InventoryItem>>;
  const doc = rebuildFromCRDT(schema, {} as RxDocumentData<InventoryItem>, crdts as never);
  return doc as unknown as Doc;
}

/** A row whose log holds the creation, then `count` rows of one no-op operation each by `creator`. */
async function longDoc(base: Doc, count: number, creator: string): Promise<Doc> {
  const noop = { body: [{ ifMatch: { $inc: { onHand: 0 } } }], creator, time: 2 };
  const crdts = {
    operations: [...base.crdts!.operations, ...Array.from({ length: count }, () => [{ ...noop }])],
    hash: '',
  };
  crdts.hash = await hashCRDTOperations(sha256HashFunction, crdts);
  return { ...base, crdts } as Doc;
}

const inc = (creator: string, n: number): Op => ({
  creator,
  body: [{ ifMatch: { $inc: { onHand: n }, $set: { lastReason: 'receiving' } } }],
});

export function describeInventoryContract(ctx: ContractContext): void {
  describe('inventory push checks', () => {
    it("refuses an operation that moves a row into another branch, alone, and leaves that branch's stream intact", async () => {
      const { store, world } = ctx;
      const north = world.t1; // b-1
      const south = world.t3; // b-2
      expect(
        await store.pushInventory(south, [
          // Each terminal's database writes under its own creator.
          { newDocumentState: await inventoryDoc('b-2', 'p-2', [[inc('s', 5)]], 'cs') },
        ]),
      ).toEqual({ conflicts: [], refused: [] });
      const base = await inventoryDoc('b-1', 'p-2');
      await store.pushInventory(north, [{ newDocumentState: base }]);
      const forged = await inventoryDoc('b-1', 'p-2', [
        [
          {
            creator: 'n',
            body: [{ ifMatch: { $set: { id: 'b-2:p-2', branchId: 'b-2', onHand: 999_999 } } }],
          },
        ],
      ]);
      // The forged row's own fields look in scope: only its operations leave it.
      expect(forged).toMatchObject({ id: 'b-2:p-2' });
      const result = await store.pushInventory(north, [
        {
          assumedMasterState: base,
          newDocumentState: { ...forged, id: 'b-1:p-2', branchId: 'b-1' },
        },
        { newDocumentState: await inventoryDoc('b-1', 'p-1', [[inc('n', 3)]]) },
      ]);
      expect(result.conflicts).toEqual([]);
      expect(result.refused).toMatchObject([{ id: 'b-1:p-2', code: 'POS_FORBIDDEN' }]);

      const southPull = await pullAll((cp, l) => store.pullInventory(world.tenantId, 'b-2', cp, l));
      expect(southPull.documents).toMatchObject([{ id: 'b-2:p-2', onHand: 5, branchId: 'b-2' }]);
      const northPull = await pullAll((cp, l) => store.pullInventory(world.tenantId, 'b-1', cp, l));
      expect(northPull.documents.map((d) => [d.id, d.onHand])).toEqual([
        ['b-1:p-2', 0],
        ['b-1:p-1', 3],
      ]);
      // South's stream still takes pushes (its seqs were not taken by north's write).
      for (let i = 0; i < 3; i++) {
        const more = await store.pushInventory(south, [
          { newDocumentState: await inventoryDoc('b-2', `p-${10 + i}`, [], 'cs') },
        ]);
        expect(more.refused).toEqual([]);
      }
    });

    it.each([
      ['a counter set to a string', { $set: { onHand: 'lots' } }, 'POS_SYNC_EVENT_INVALID'],
      [
        'an unknown reason',
        { $inc: { onHand: 5 }, $set: { lastReason: 'acc' } },
        'POS_SYNC_EVENT_INVALID',
      ],
      ['a fraction', { $inc: { onHand: 0.5 } }, 'POS_SYNC_EVENT_INVALID'],
      [
        'an increment to the top of the safe integers',
        { $inc: { onHand: Number.MAX_SAFE_INTEGER } },
        'POS_SYNC_EVENT_INVALID',
      ],
      [
        'an increment past the business range',
        { $inc: { onHand: ON_HAND_MAX + 1 } },
        'POS_SYNC_EVENT_INVALID',
      ],
      ['an increment of another field', { $inc: { lastReason: 1 } }, 'POS_SYNC_EVENT_INVALID'],
      ['a field outside the document', { $set: { tenantId: 't-other' } }, 'POS_SYNC_EVENT_INVALID'],
      [
        'an update operator other than $set/$inc',
        { $unset: { onHand: '' } },
        'POS_SYNC_EVENT_INVALID',
      ],
      ['another product', { $set: { productId: 'p-9' } }, 'POS_FORBIDDEN'],
    ])(
      'refuses %s, stores nothing of it and merges the rest of the batch',
      async (_name, ifMatch, code) => {
        const { store, world } = ctx;
        const base = await inventoryDoc('b-1', 'p-1');
        await store.pushInventory(world.t1, [{ newDocumentState: base }]);
        const bad = await inventoryDoc('b-1', 'p-1', [
          [inc('t', 2), { creator: 'u', body: [{ ifMatch }] }],
        ]);
        const result = await store.pushInventory(world.t1, [
          { assumedMasterState: base, newDocumentState: bad },
          { newDocumentState: await inventoryDoc('b-1', 'p-2', [[inc('t', 4)]]) },
        ]);
        expect(result.refused).toMatchObject([{ id: 'b-1:p-1', code }]);
        const { documents } = await pullAll((cp, l) =>
          store.pullInventory(world.tenantId, 'b-1', cp, l),
        );
        expect(documents.map((d) => [d.id, d.onHand])).toEqual([
          ['b-1:p-1', 0],
          ['b-1:p-2', 4],
        ]);
      },
    );

    it('refuses a selector (a query the server would run) and a row whose fields are invalid', async () => {
      const { store, world } = ctx;
      const withSelector = await inventoryDoc('b-1', 'p-1', [
        [
          {
            creator: 't',
            body: [{ selector: { onHand: { $gt: 0 } }, ifMatch: { $inc: { onHand: 1 } } }],
          },
        ],
      ]);
      const badField = { ...(await inventoryDoc('b-1', 'p-2')), lastReason: 'acc' };
      const result = await store.pushInventory(world.t1, [
        { newDocumentState: withSelector },
        { newDocumentState: badField as Doc },
      ]);
      expect(result.refused).toMatchObject([
        { id: 'b-1:p-1', code: 'POS_SYNC_EVENT_INVALID' },
        { id: 'b-1:p-2', code: 'POS_SYNC_EVENT_INVALID' },
      ]);
      expect((await store.pullInventory(world.tenantId, 'b-1', null, 10)).documents).toEqual([]);
    });

    it('refuses a branch id with a colon, which would make inventory ids collide', async () => {
      const { store, world } = ctx;
      // b-1 + product "x:y" and branch "b-1:x" + product "y" would both be "b-1:x:y".
      await expectCode(
        store.createBranch(world.tenantId, { id: 'b-1:x', name: 'Colon' }, 'root'),
        'POS_INPUT_INVALID',
      );
      expect((await store.listBranches(world.tenantId)).map((b) => b.id)).not.toContain('b-1:x');
    });

    it('refuses a row of another branch alone', async () => {
      const { store, world } = ctx;
      const result = await store.pushInventory(world.t3, [
        { newDocumentState: await inventoryDoc('b-1', 'p-1') },
        { newDocumentState: await inventoryDoc('b-2', 'p-1') },
      ]);
      expect(result.refused).toMatchObject([{ id: 'b-1:p-1', code: 'POS_FORBIDDEN' }]);
      expect((await store.pullInventory(world.tenantId, 'b-1', null, 10)).documents).toEqual([]);
      expect(
        (await store.pullInventory(world.tenantId, 'b-2', null, 10)).documents.map((d) => d.id),
      ).toEqual(['b-2:p-1']);
    });

    it('stores a new row as its own operations make it, and answers that when the fields differ', async () => {
      const { store, world } = ctx;
      const doc = await inventoryDoc('b-1', 'p-1', [[inc('t', 2)]]);
      const result = await store.pushInventory(world.t1, [
        { newDocumentState: { ...doc, onHand: 1_000 } },
      ]);
      expect(result.refused).toEqual([]);
      const { documents } = await store.pullInventory(world.tenantId, 'b-1', null, 10);
      expect(documents).toMatchObject([{ id: 'b-1:p-1', onHand: 2 }]);
    });

    it('refuses a merge whose counter leaves its business range', async () => {
      const { store, world } = ctx;
      const big = ON_HAND_MAX - 1;
      await store.pushInventory(world.t1, [
        { newDocumentState: await inventoryDoc('b-1', 'p-1', [[inc('a', big)]]) },
      ]);
      const result = await store.pushInventory(world.t2, [
        { newDocumentState: await inventoryDoc('b-1', 'p-1', [[inc('b', big)]]) },
      ]);
      expect(result.refused).toMatchObject([{ id: 'b-1:p-1', code: 'POS_SYNC_EVENT_INVALID' }]);
      const { documents } = await store.pullInventory(world.tenantId, 'b-1', null, 10);
      expect(documents).toMatchObject([{ onHand: big }]);
    });
  });

  describe('inventory operation creators', () => {
    it("refuses operations written under another terminal's creator, and relays the master's", async () => {
      const { store, world } = ctx;
      // The victim (t2) creates the row and receives 5: creator v is t2's from then on.
      const victim = await inventoryDoc('b-1', 'p-1', [[inc('v', 5)]]);
      expect((await store.pushInventory(world.t2, [{ newDocumentState: victim }])).refused).toEqual(
        [],
      );
      // The attacker (t1, same branch) saw v in a pull and fills v's next rows with no-ops, which
      // would drop the victim's later operations there (one operation per creator and row).
      const noop = { creator: 'v', body: [{ ifMatch: { $inc: { onHand: 0 } } }] };
      const forged = await inventoryDoc('b-1', 'p-1', [[inc('v', 5)], [noop], [noop], [noop]]);
      const forgedOver = await inventoryDoc('b-1', 'p-1', [[{ ...noop }], [inc('a', 1)]]);
      const attack = await store.pushInventory(world.t1, [
        { newDocumentState: forged },
        { newDocumentState: await inventoryDoc('b-1', 'p-2', [[{ ...noop }]]) },
      ]);
      expect(attack.refused).toMatchObject([
        { id: 'b-1:p-1', code: 'POS_FORBIDDEN' },
        { id: 'b-1:p-2', code: 'POS_FORBIDDEN' },
      ]);
      // Nor may it replace v's stored operation in its row.
      const over = await store.pushInventory(world.t1, [{ newDocumentState: forgedOver }]);
      expect(over.refused).toMatchObject([{ id: 'b-1:p-1', code: 'POS_FORBIDDEN' }]);
      // The victim's +10 in its next row counts.
      const more = await inventoryDoc('b-1', 'p-1', [[inc('v', 5)], [inc('v', 10)]]);
      expect((await store.pushInventory(world.t2, [{ newDocumentState: more }])).refused).toEqual(
        [],
      );
      // The attacker relays v's operations as the master holds them, with its own on top.
      const relay = await inventoryDoc('b-1', 'p-1', [
        [inc('v', 5)],
        [inc('v', 10)],
        [inc('a', 1)],
      ]);
      expect((await store.pushInventory(world.t1, [{ newDocumentState: relay }])).refused).toEqual(
        [],
      );
      const { documents } = await store.pullInventory(world.tenantId, 'b-1', null, 10);
      expect(documents.map((d) => [d.id, d.onHand])).toEqual([['b-1:p-1', 16]]);
    });
  });

  describe('inventory log limits', () => {
    it('refuses a row adding more operations than one push may, alone, and merges the rest', async () => {
      const { store, world } = ctx;
      const base = await inventoryDoc('b-1', 'p-1');
      const result = await store.pushInventory(world.t1, [
        { newDocumentState: await longDoc(base, MAX_NEW_INVENTORY_OPERATIONS, 'a') },
        { newDocumentState: await inventoryDoc('b-1', 'p-2', [[inc('a', 4)]]) },
      ]);
      expect(result.refused).toMatchObject([
        { id: 'b-1:p-1', code: 'POS_INVENTORY_OPERATIONS_LIMIT' },
      ]);
      const { documents } = await pullAll((cp, l) =>
        store.pullInventory(world.tenantId, 'b-1', cp, l),
      );
      expect(documents.map((d) => [d.id, d.onHand])).toEqual([['b-1:p-2', 4]]);
      // At the limit it is merged.
      const atLimit = await store.pushInventory(world.t1, [
        { newDocumentState: await longDoc(base, MAX_NEW_INVENTORY_OPERATIONS - 1, 'a') },
      ]);
      expect(atLimit.refused).toEqual([]);
    });

    it('refuses a log longer than a row may hold, and a creator that is not an id', async () => {
      const { store, world } = ctx;
      const base = await inventoryDoc('b-1', 'p-1');
      const long = await longDoc(base, MAX_INVENTORY_OPERATIONS, 'a');
      const forged = await inventoryDoc('b-1', 'p-2', [[inc('x'.repeat(1_000), 1)]]);
      const result = await store.pushInventory(world.t1, [
        { newDocumentState: long },
        { newDocumentState: forged },
      ]);
      expect(result.refused).toMatchObject([
        { id: 'b-1:p-1', code: 'POS_INVENTORY_OPERATIONS_LIMIT' },
        { id: 'b-1:p-2', code: 'POS_SYNC_EVENT_INVALID' },
      ]);
      expect((await store.pullInventory(world.tenantId, 'b-1', null, 10)).documents).toEqual([]);
    });

    it('merges a push onto a row holding thousands of operations', async () => {
      const { store, world } = ctx;
      let doc = await inventoryDoc('b-1', 'p-1');
      // Built up push by push, as terminals would over months: about 3,000 operations.
      for (let i = 0; i < 3; i++) {
        doc = await longDoc(doc, MAX_NEW_INVENTORY_OPERATIONS - 1, `c${i}`);
        const r = await store.pushInventory(world.t1, [{ newDocumentState: doc }]);
        expect(r.refused).toEqual([]);
      }
      // A quadratic replay (every operation copying the log) took about 66 s here; the linear one well
      // under a second. The cost is not asserted as a time: the test's own timeout is the bound.
      const r = await store.pushInventory(world.t2, [
        { newDocumentState: await longDoc(doc, 1, 'd') },
      ]);
      expect(r.refused).toEqual([]);
      const { documents } = await store.pullInventory(world.tenantId, 'b-1', null, 10);
      expect(documents[0]!.crdts!.operations).toHaveLength(2_999);
    }, 120_000);
  });

  describe('invalid stored inventory rows', () => {
    /** b-1:p-1 stored with a valid +3 and then a `$set onHand "lots"` the push checks would refuse. */
    async function storeBadRow() {
      const { store, world } = ctx;
      await store.pushInventory(world.t1, [
        { newDocumentState: await inventoryDoc('b-1', 'p-1', [[inc('a', 3)]]) },
        { newDocumentState: await inventoryDoc('b-1', 'p-2', [[inc('a', 7)]]) },
      ]);
      const bad = await inventoryDoc('b-1', 'p-1', [
        [inc('a', 3)],
        [{ creator: 'a', body: [{ ifMatch: { $set: { onHand: 'lots' } } }] }],
      ]);
      expect(bad.onHand).toBe('lots');
      await ctx.overwriteInventoryDocument(world.tenantId, 'b-1:p-1', bad);
    }

    it('leaves a bad row out of the pull, names it, and still serves the rest of the branch', async () => {
      const { store, world } = ctx;
      await storeBadRow();
      const page = await store.pullInventory(world.tenantId, 'b-1', null, 10);
      expect(page.documents.map((d) => d.id)).toEqual(['b-1:p-2']);
      expect(page.skipped).toMatchObject([{ id: 'b-1:p-1', seq: 1 }]);
      expect(page.checkpoint).toEqual({ seq: 2 });
    });

    it('fills a page past a stretch of bad rows, so a pull never comes back empty or short before the end', async () => {
      const { store, world } = ctx;
      await store.pushInventory(world.t1, [
        { newDocumentState: await inventoryDoc('b-1', 'p-1') },
        { newDocumentState: await inventoryDoc('b-1', 'p-2') },
        { newDocumentState: await inventoryDoc('b-1', 'p-3') },
        { newDocumentState: await inventoryDoc('b-1', 'p-4') },
        { newDocumentState: await inventoryDoc('b-1', 'p-5') },
      ]);
      for (const id of ['b-1:p-1', 'b-1:p-2', 'b-1:p-4']) {
        await ctx.overwriteInventoryDocument(world.tenantId, id, { id, onHand: 'lots' });
      }
      const first = await store.pullInventory(world.tenantId, 'b-1', null, 2);
      expect(first.documents.map((d) => d.id)).toEqual(['b-1:p-3', 'b-1:p-5']);
      expect(first.skipped.map((s) => s.id)).toEqual(['b-1:p-1', 'b-1:p-2', 'b-1:p-4']);
      expect(first.checkpoint).toEqual({ seq: 5 });
      const rest = await store.pullInventory(world.tenantId, 'b-1', first.checkpoint, 2);
      expect(rest).toMatchObject({ documents: [], skipped: [], checkpoint: { seq: 5 } });
    });

    it('refuses a push onto a bad row instead of merging into it', async () => {
      const { store, world } = ctx;
      await storeBadRow();
      const result = await store.pushInventory(world.t2, [
        { newDocumentState: await inventoryDoc('b-1', 'p-1', [[inc('b', 1)]]) },
      ]);
      expect(result.refused).toMatchObject([{ id: 'b-1:p-1', code: 'POS_SYNC_EVENT_INVALID' }]);
    });

    it('lists bad rows in a dry run, then repairs them by replaying their valid operations, audited, under a new seq', async () => {
      const { store, world } = ctx;
      await storeBadRow();
      const dry = await store.repairInventory(world.tenantId, 'b-1', { dryRun: true }, 'root');
      expect(dry).toMatchObject([
        { id: 'b-1:p-1', action: 'replayed', onHand: 3, repaired: false },
      ]);
      expect(dry[0]!.problem).toMatch(/onHand/);
      expect((await store.pullInventory(world.tenantId, 'b-1', null, 10)).skipped).toHaveLength(1);

      const done = await store.repairInventory(world.tenantId, 'b-1', { dryRun: false }, 'root');
      expect(done).toMatchObject([
        { id: 'b-1:p-1', action: 'replayed', onHand: 3, repaired: true },
      ]);
      const after = await store.pullInventory(world.tenantId, 'b-1', { seq: 2 }, 10);
      expect(after.documents).toMatchObject([{ id: 'b-1:p-1', onHand: 3 }]);
      expect(after.skipped).toEqual([]);
      expect(after.checkpoint).toEqual({ seq: 3 });
      expect(await store.repairInventory(world.tenantId, 'b-1', { dryRun: true }, 'root')).toEqual(
        [],
      );
      const audit = await store.listAuditLog(world.tenantId, { first: 100 });
      expect(audit.edges.map((e) => e.node)).toContainEqual(
        expect.objectContaining({
          action: 'repairInventory',
          actor: 'root',
          target: 'b-1/b-1:p-1',
        }),
      );
      // Pushes onto the repaired row merge again.
      const push = await store.pushInventory(world.t2, [
        { newDocumentState: await inventoryDoc('b-1', 'p-1', [[inc('a', 3), inc('b', 1)]]) },
      ]);
      expect(push.refused).toEqual([]);
      // The repaired log differs from the terminal's: the merge is answered for it to adopt.
      expect(push.conflicts).toMatchObject([{ id: 'b-1:p-1', onHand: 4 }]);
      const last = await store.pullInventory(world.tenantId, 'b-1', { seq: 3 }, 10);
      expect(last.documents).toMatchObject([{ id: 'b-1:p-1', onHand: 4 }]);
    });

    it('resets a row none of whose operations can be kept', async () => {
      const { store, world } = ctx;
      await storeBadRow();
      await ctx.overwriteInventoryDocument(world.tenantId, 'b-1:p-1', {
        id: 'b-1:p-1',
        junk: true,
      });
      const done = await store.repairInventory(world.tenantId, 'b-1', { dryRun: false }, 'root');
      expect(done).toMatchObject([{ id: 'b-1:p-1', action: 'reset', onHand: 0, repaired: true }]);
      const { documents } = await pullAll((cp, l) =>
        store.pullInventory(world.tenantId, 'b-1', cp, l),
      );
      expect(documents).toMatchObject([
        { id: 'b-1:p-2', onHand: 7 },
        { id: 'b-1:p-1', onHand: 0, lastReason: null },
      ]);
    });
  });
}
