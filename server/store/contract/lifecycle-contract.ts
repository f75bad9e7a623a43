import type { RxJsonSchema, RxDocumentData, WithDeleted } from 'rxdb';
import { hashCRDTOperations, rebuildFromCRDT } from 'rxdb/plugins/crdt';
import { describe, expect, it } from 'vitest';
import {
  MANIFEST_MAX_ENTRIES,
  computeBucketDigests,
  contentHash,
  manifestOfBuckets,
  sha256HashFunction,
} from '../../../replication/index.ts';
import type { Checkpoint } from '../../../replication/index.ts';
import type { InventoryItem } from '../../../schema/index.ts';
import { createInventoryItem, inventoryRxSchema } from '../../../schema/index.ts';
import type { PullResult } from '../cloud-store.ts';
import type { ContractContext } from './contract-context.ts';
import { expectCode, productInput, pullAll, saleOf } from './harness.ts';

const DAY = 24 * 60 * 60 * 1000;

/** An inventory document as the crdt plugin builds it, from rows of (creator, $inc) operations. */
async function inventoryDoc(rows: { creator: string; inc: number }[][]) {
  const create = {
    body: [{ ifMatch: { $set: createInventoryItem('b-1', 'p-1') } }],
    creator: 'c',
    time: 1,
  };
  const crdts = {
    operations: [
      [create],
      ...rows.map((row) =>
        row.map((op) => ({
          body: [{ ifMatch: { $inc: { onHand: op.inc } } }],
          creator: op.creator,
          time: 2,
        })),
      ),
    ],
    hash: '',
  };
  crdts.hash = await hashCRDTOperations(sha256HashFunction, crdts);
  const schema = inventoryRxSchema as RxJsonSchema<RxDocumentData<InventoryItem>>;
  return rebuildFromCRDT(
    schema,
    {} as RxDocumentData<InventoryItem>,
    crdts,
  ) as unknown as WithDeleted<InventoryItem>;
}

export function describeLifecycleContract(ctx: ContractContext): void {
  describe('reconcile support', () => {
    it('serves bucket digests and manifests equal to what a terminal computes over the same branch view', async () => {
      const { store, world } = ctx;
      await store.upsertProducts(
        world.tenantId,
        Array.from({ length: 300 }, (_, i) =>
          productInput({
            id: `p-${i}`,
            priceMinor: 100 + i,
            branchIds: i % 7 === 0 ? ['b-2'] : null,
            branchPrices: i % 5 === 0 ? [{ branchId: 'b-1', priceMinor: 1 }] : [],
          }),
        ),
        'root',
      );
      await store.deleteProducts(world.tenantId, ['p-1', 'p-2'], 'root');
      const { documents } = await pullAll((cp, l) =>
        store.pullProducts(world.tenantId, 'b-1', cp, l),
      );
      const local = documents
        .filter((d) => !d._deleted)
        .map(({ _deleted, ...view }) => ({ id: view.id, hash: contentHash(view) }));
      const { digests } = await store.catalogDigests(world.tenantId, 'b-1', 'products', 16);
      expect(digests).toEqual(computeBucketDigests(local, 16));
      const { entries } = await store.catalogManifest(
        world.tenantId,
        'b-1',
        'products',
        16,
        [3, 9],
      );
      const expected = manifestOfBuckets(local, [3, 9], 16).sort((a, b) => (a.id < b.id ? -1 : 1));
      expect(entries).toEqual(expected);
      const cats = await store.catalogDigests(world.tenantId, 'b-1', 'categories', 4);
      expect(cats.digests).toEqual(computeBucketDigests([], 4));
    });

    it('refuses a manifest above the size limit', async () => {
      const { store, world } = ctx;
      for (let start = 0; start <= MANIFEST_MAX_ENTRIES; start += 5_000) {
        await store.upsertProducts(
          world.tenantId,
          Array.from({ length: 5_000 }, (_, i) => productInput({ id: `p-${start + i}` })),
          'root',
        );
      }
      await expectCode(
        store.catalogManifest(world.tenantId, 'b-1', 'products', 1, [0]),
        'POS_CATALOG_MANIFEST_TOO_LARGE',
      );
    });
  });

  describe('retention', () => {
    it('prunes old tombstones and audit entries, and answers a re-snapshot signal to checkpoints before them', async () => {
      const { store, world, clock } = ctx;
      await store.upsertProducts(
        world.tenantId,
        ['a', 'b', 'c'].map((id) => productInput({ id })),
        'root',
      );
      const early = await store.pullProducts(world.tenantId, 'b-1', null, 1);
      await store.deleteProducts(world.tenantId, ['b'], 'root');
      const upToDate = await pullAll((cp, l) => store.pullProducts(world.tenantId, 'b-1', cp, l));
      clock.advance(40 * DAY);
      await store.deleteProducts(world.tenantId, ['c'], 'root');
      const report = await store.prune({ olderThanMs: 30 * DAY });
      expect(report.tombstones).toBe(1);
      expect(report.auditEntries).toBeGreaterThan(0);
      await expectCode(
        store.pullProducts(world.tenantId, 'b-1', early.checkpoint, 10),
        'POS_CATALOG_RESNAPSHOT_REQUIRED',
      );
      // A terminal that already pulled the pruned tombstone continues normally.
      const next = await store.pullProducts(world.tenantId, 'b-1', upToDate.checkpoint, 10);
      expect(next.documents).toMatchObject([{ id: 'c', _deleted: true }]);
      const snapshot = await pullAll((cp, l) => store.pullProducts(world.tenantId, 'b-1', cp, l));
      expect(snapshot.documents.map((d) => d.id).sort()).toEqual(['a', 'c']);
      await expectCode(
        store.pullProducts(world.tenantId, 'b-1', { seq: 10_000 }, 10),
        'POS_CATALOG_RESNAPSHOT_REQUIRED',
      );
      const audit = await store.listAuditLog(world.tenantId, { first: 100 });
      expect(audit.edges.map((e) => e.node.action)).toEqual(['delete:products']);
    });

    it('hands a snapshot a servable checkpoint when the newest change of the stream was a pruned tombstone', async () => {
      const { store, world, clock } = ctx;
      await store.upsertProducts(
        world.tenantId,
        ['a', 'b', 'c'].map((id) => productInput({ id })),
        'root',
      );
      await store.deleteProducts(world.tenantId, ['c'], 'root');
      clock.advance(40 * DAY);
      expect((await store.prune({ olderThanMs: 30 * DAY })).tombstones).toBe(1);
      // The last document served has seq 2, below the floor (4): the checkpoint must not stay there,
      // or every later pull would be refused and the terminal would re-snapshot forever.
      for (const limit of [2, 10]) {
        const snapshot = await pullAll(
          (cp, l) => store.pullProducts(world.tenantId, 'b-1', cp, l),
          null,
          limit,
        );
        expect(snapshot.documents.map((d) => d.id)).toEqual(['a', 'b']);
        const next = await store.pullProducts(world.tenantId, 'b-1', snapshot.checkpoint, 10);
        expect(next.documents).toEqual([]);
      }
      await store.upsertProducts(world.tenantId, [productInput({ id: 'd' })], 'root');
      const snapshot = await pullAll((cp, l) => store.pullProducts(world.tenantId, 'b-1', cp, l));
      const delta = await store.pullProducts(world.tenantId, 'b-1', { seq: 2 }, 10).catch((e) => e);
      expect(snapshot.documents.map((d) => d.id)).toEqual(['a', 'b', 'd']);
      // A checkpoint below the floor from before the prune is still refused.
      expect(delta).toMatchObject({ code: 'POS_CATALOG_RESNAPSHOT_REQUIRED' });
    });
  });

  describe('checkpoints beyond the stream head', () => {
    it('refuses them on every stream as beyond the head, not as older than the retained changes', async () => {
      const { store, world } = ctx;
      await store.upsertProducts(world.tenantId, [productInput({ id: 'a' })], 'root');
      const beyond = { seq: 10_000 };
      const pulls = [
        () => store.pullProducts(world.tenantId, 'b-1', beyond, 10),
        () => store.pullCategories(world.tenantId, beyond, 10),
        () => store.pullInventory(world.tenantId, 'b-1', beyond, 10),
        () => store.pullSales(world.t1, beyond, 10),
      ];
      for (const pull of pulls) {
        const error = await pull().catch((e: unknown) => e);
        expect(error).toMatchObject({
          code: 'POS_CATALOG_RESNAPSHOT_REQUIRED',
          message: 'The checkpoint is beyond the stream head; pull a new snapshot.',
          details: { reason: 'beyond_head', checkpoint: 10_000 },
        });
      }
    });
  });

  describe('retention: snapshots paged across the floor', () => {
    type CatalogPull = (
      cp: Checkpoint | null,
      limit: number,
    ) => Promise<PullResult<{ id: string }>>;
    /** Products and categories alike: retained rows below the floor, the floor, rows above it. */
    const streams: Record<
      'products' | 'categories',
      {
        upsert(c: ContractContext, ids: string[]): Promise<unknown>;
        remove(c: ContractContext, ids: string[]): Promise<unknown>;
        pull(c: ContractContext): CatalogPull;
      }
    > = {
      products: {
        upsert: (c: ContractContext, ids: string[]) =>
          c.store.upsertProducts(
            c.world.tenantId,
            ids.map((id) => productInput({ id })),
            'root',
          ),
        remove: (c: ContractContext, ids: string[]) =>
          c.store.deleteProducts(c.world.tenantId, ids, 'root'),
        pull: (c: ContractContext) => (cp: Checkpoint | null, limit: number) =>
          c.store.pullProducts(c.world.tenantId, 'b-1', cp, limit),
      },
      categories: {
        upsert: (c: ContractContext, ids: string[]) =>
          c.store.upsertCategories(
            c.world.tenantId,
            ids.map((id, i) => ({ id, name: id, parentId: null, sortOrder: i })),
            'root',
          ),
        remove: (c: ContractContext, ids: string[]) =>
          c.store.deleteCategories(c.world.tenantId, ids, 'root'),
        pull: (c: ContractContext) => (cp: Checkpoint | null, limit: number) =>
          c.store.pullCategories(c.world.tenantId, cp, limit),
      },
    };
    const oldIds = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];

    /** seqs 1-7 retained (a-g), 9 a pruned tombstone (the floor; 8 its insert), 10 retained (h). */
    async function catalogPrunedBelowRetainedRows(stream: keyof typeof streams) {
      const { upsert, remove } = streams[stream];
      await upsert(ctx, oldIds);
      await upsert(ctx, ['gone']);
      await remove(ctx, ['gone']);
      ctx.clock.advance(40 * DAY);
      expect((await ctx.store.prune({ olderThanMs: 30 * DAY })).tombstones).toBe(1);
      await upsert(ctx, ['h']);
    }

    it.each(['products', 'categories'] as const)(
      'completes a %s snapshot whose pages end below the floor with retained rows after them',
      async (stream) => {
        await catalogPrunedBelowRetainedRows(stream);
        const pull = streams[stream].pull(ctx);
        const checkpoints: Checkpoint[] = [];
        const ids: string[] = [];
        let checkpoint: Checkpoint | null = null;
        for (;;) {
          const page: PullResult<{ id: string }> = await pull(checkpoint, 3);
          if (page.documents.length === 0) break;
          ids.push(...page.documents.map((d) => d.id));
          checkpoint = page.checkpoint;
          checkpoints.push(checkpoint);
        }
        expect(ids).toEqual([...oldIds, 'h']);
        // Pages below the floor carry the floor they started under; past it checkpoints are plain.
        expect(checkpoints.map((cp) => [cp.seq, cp.snapshotFloor ?? null])).toEqual([
          [3, 9],
          [6, 9],
          [10, null],
        ]);
        // A plain checkpoint below the floor (a terminal that slept through the prune) is refused.
        await expectCode(pull({ seq: 3 }, 3), 'POS_CATALOG_RESNAPSHOT_REQUIRED');
        // A prune that raises no floor does not interrupt a snapshot in progress.
        expect((await ctx.store.prune({ olderThanMs: 30 * DAY })).tombstones).toBe(0);
        expect((await pull(checkpoints[0]!, 3)).documents.map((d) => d.id)).toEqual([
          'd',
          'e',
          'f',
        ]);
      },
    );

    it.each(['products', 'categories'] as const)(
      'refuses a %s snapshot in progress once a prune raised the floor, and the re-snapshot completes',
      async (stream) => {
        await catalogPrunedBelowRetainedRows(stream);
        const { remove, pull: pullOf } = streams[stream];
        const pull = pullOf(ctx);
        const first = await pull(null, 3);
        expect(first.checkpoint).toEqual({ seq: 3, snapshotFloor: 9 });
        // 'b' was served by the first page; its tombstone is pruned before the snapshot reaches it.
        await remove(ctx, ['b']);
        ctx.clock.advance(40 * DAY);
        expect((await ctx.store.prune({ olderThanMs: 30 * DAY })).tombstones).toBe(1);
        await expectCode(pull(first.checkpoint, 3), 'POS_CATALOG_RESNAPSHOT_REQUIRED');
        // A stamp of another floor does not help.
        await expectCode(pull({ seq: 3, snapshotFloor: 10 }, 3), 'POS_CATALOG_RESNAPSHOT_REQUIRED');
        const again = await pullAll(pull, null, 3);
        expect(again.documents.map((d) => d.id)).toEqual(['a', 'c', 'd', 'e', 'f', 'g', 'h']);
        expect(again.checkpoint).toEqual({ seq: 11 });
        expect((await pull(again.checkpoint, 3)).documents).toEqual([]);
      },
    );
  });

  describe('inventory', () => {
    it('merges concurrent adjustments from two terminals by the union of their operations', async () => {
      const { store, world } = ctx;
      const base = await inventoryDoc([]);
      expect(await store.pushInventory(world.t1, [{ newDocumentState: base }])).toEqual({
        conflicts: [],
        refused: [],
      });
      const fromT1 = await inventoryDoc([[{ creator: 't1', inc: 5 }]]);
      const fromT2 = await inventoryDoc([[{ creator: 't2', inc: 3 }]]);
      expect(
        await store.pushInventory(world.t1, [
          { assumedMasterState: base, newDocumentState: fromT1 },
        ]),
      ).toEqual({ conflicts: [], refused: [] });
      const { conflicts } = await store.pushInventory(world.t2, [
        { assumedMasterState: base, newDocumentState: fromT2 },
      ]);
      expect(conflicts).toMatchObject([{ id: 'b-1:p-1', onHand: 8 }]);
      const { documents } = await pullAll((cp, l) =>
        store.pullInventory(world.tenantId, 'b-1', cp, l),
      );
      expect(documents).toMatchObject([{ id: 'b-1:p-1', onHand: 8, _deleted: false }]);
      expect((await store.pullInventory(world.tenantId, 'b-2', null, 10)).documents).toEqual([]);
      expect(
        (await store.pushInventory(world.t3, [{ newDocumentState: base }])).refused,
      ).toMatchObject([{ id: 'b-1:p-1', code: 'POS_FORBIDDEN' }]);
    });
  });

  describe('durability', () => {
    it('answers ping while open and refuses it with POS_SYNC_STORAGE_FAILED after close', async () => {
      await expect(ctx.store.ping()).resolves.toBeUndefined();
      await ctx.store.close();
      await expectCode(ctx.store.ping(), 'POS_SYNC_STORAGE_FAILED');
      await ctx.reopen();
      await expect(ctx.store.ping()).resolves.toBeUndefined();
    });

    it('writes recorded terminal contacts on a clean close, even when they were buffered', async () => {
      const { world, clock } = ctx;
      await ctx.store.recordTerminalContact(world.t1, {
        kind: 'pull',
        stream: 'products',
        checkpoint: { seq: 7 },
        queueDepth: 3,
      });
      await ctx.store.recordTerminalContact(world.t1, { kind: 'push', queueDepth: 2 });
      const at = clock.now().toISOString();
      const store = await ctx.reopen();
      const t1 = (await store.listTerminalStatus(world.tenantId, {})).find(
        (s) => s.id === world.t1.terminalId,
      );
      expect(t1).toMatchObject({
        lastPullAt: at,
        lastPushAt: at,
        queueDepth: 2,
        checkpoints: { products: 7 },
      });
    });

    it('applies a contact recorded before a reassignment before it, so old-branch checkpoints do not survive the move', async () => {
      const { world } = ctx;
      await ctx.store.recordTerminalContact(world.t1, {
        kind: 'pull',
        stream: 'inventory',
        checkpoint: { seq: 5 },
      });
      await ctx.store.reassignTerminal(world.tenantId, world.t1.terminalId, 'b-2', 'root');
      const t1 = (await ctx.store.listTerminalStatus(world.tenantId, {})).find(
        (s) => s.id === world.t1.terminalId,
      );
      expect(t1?.checkpoints).toEqual({});
      expect(t1?.lastPullAt).not.toBeNull();
    });

    it('loses nothing when reopened on the same data', async () => {
      const { world } = ctx;
      let store = ctx.store;
      await store.upsertProducts(
        world.tenantId,
        ['a', 'b'].map((id) => productInput({ id })),
        'root',
      );
      await store.deleteProducts(world.tenantId, ['b'], 'root');
      await store.ingestSales(world.t1, [saleOf(world.t1, 1), saleOf(world.t1, 2), { junk: true }]);
      const productsBefore = await pullAll((cp, l) =>
        store.pullProducts(world.tenantId, 'b-1', cp, l),
      );
      const salesBefore = await pullAll((cp, l) => store.pullSales(world.t1, cp, l));
      const headsBefore = await store.streamHeads(world.tenantId, 'b-1');
      store = await ctx.reopen();
      expect(await pullAll((cp, l) => store.pullProducts(world.tenantId, 'b-1', cp, l))).toEqual(
        productsBefore,
      );
      expect(await pullAll((cp, l) => store.pullSales(world.t1, cp, l))).toEqual(salesBefore);
      expect(await store.streamHeads(world.tenantId, 'b-1')).toEqual(headsBefore);
      expect(await store.verifyTerminalToken(world.t1.token)).toMatchObject({
        terminalId: world.t1.terminalId,
      });
      expect((await store.listRejectedEvents(world.tenantId, {}, { first: 10 })).totalCount).toBe(
        1,
      );
      // Counters continue: the next invoice and seq follow the ones before the restart.
      const [next] = await store.ingestSales(world.t1, [saleOf(world.t1, 3)]);
      expect(next).toMatchObject({ sale: { invoiceNo: 3 } });
      await store.upsertProducts(world.tenantId, [productInput({ id: 'c' })], 'root');
      expect((await store.streamHeads(world.tenantId, 'b-1')).products).toBe(
        headsBefore.products + 1,
      );
    });
  });
}
