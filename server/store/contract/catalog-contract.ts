import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BranchProduct } from '../../../schema/index.ts';
import { branchProductSchema } from '../../../schema/index.ts';
import type { ContractContext } from './contract-context.ts';
import { expectCode, latestById, productInput, pullAll } from './harness.ts';

export function describeCatalogContract(ctx: ContractContext): void {
  describe('catalog streams', () => {
    it('pages by checkpoint without skipping or repeating, whatever the page size', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.oneof(
              fc.record({
                kind: fc.constant('upsert' as const),
                ids: fc.uniqueArray(fc.nat(30), { minLength: 1, maxLength: 8 }),
                price: fc.nat(10_000),
              }),
              fc.record({
                kind: fc.constant('delete' as const),
                ids: fc.uniqueArray(fc.nat(30), { minLength: 1, maxLength: 4 }),
                price: fc.constant(0),
              }),
            ),
            { minLength: 1, maxLength: 12 },
          ),
          fc.integer({ min: 1, max: 9 }),
          async (ops, limit) => {
            const { store, world } = await ctx.fresh();
            const expected = new Map<string, { deleted: boolean; price: number }>();
            for (const op of ops) {
              const ids = op.ids.map((n) => `p-${n}`);
              if (op.kind === 'upsert') {
                await store.upsertProducts(
                  world.tenantId,
                  ids.map((id) => productInput({ id, priceMinor: op.price })),
                  'root',
                );
                for (const id of ids) expected.set(id, { deleted: false, price: op.price });
              } else {
                const deleted = await store.deleteProducts(world.tenantId, ids, 'root');
                for (const id of deleted)
                  expected.set(id, { deleted: true, price: expected.get(id)!.price });
              }
            }
            const { documents } = await pullAll(
              (cp, l) => store.pullProducts(world.tenantId, 'b-1', cp, l),
              null,
              limit,
            );
            // Without concurrent writes every document appears exactly once, in seq order.
            expect(new Set(documents.map((d) => d.id)).size).toBe(documents.length);
            const got = latestById(documents);
            expect(got.size).toBe(expected.size);
            for (const [id, want] of expected) {
              const doc = got.get(id) as BranchProduct & { _deleted: boolean };
              expect(doc._deleted).toBe(want.deleted);
              // A tombstone carries its id only.
              if (!want.deleted) expect(doc.priceMinor).toBe(want.price);
            }
          },
        ),
        { numRuns: 25 },
      );
    });

    it('returns the request checkpoint when nothing is new, and the last document seq otherwise', async () => {
      const { store, world } = ctx;
      const empty = await store.pullProducts(world.tenantId, 'b-1', null, 10);
      expect(empty).toEqual({ documents: [], checkpoint: { seq: 0 } });
      await store.upsertProducts(
        world.tenantId,
        [productInput({ id: 'a' }), productInput({ id: 'b' })],
        'root',
      );
      const first = await store.pullProducts(world.tenantId, 'b-1', null, 1);
      expect(first.documents.map((d) => d.id)).toEqual(['a']);
      const second = await store.pullProducts(world.tenantId, 'b-1', first.checkpoint, 10);
      expect(second.documents.map((d) => d.id)).toEqual(['b']);
      expect(second.checkpoint.seq).toBeGreaterThan(first.checkpoint.seq);
      const none = await store.pullProducts(world.tenantId, 'b-1', second.checkpoint, 10);
      expect(none).toEqual({ documents: [], checkpoint: second.checkpoint });
    });

    it('serves a deleted product as a tombstone with a new seq, and revives it on upsert', async () => {
      const { store, world } = ctx;
      await store.upsertProducts(world.tenantId, [productInput({ id: 'a' })], 'root');
      const before = await store.pullProducts(world.tenantId, 'b-1', null, 10);
      expect(await store.deleteProducts(world.tenantId, ['a', 'unknown'], 'root')).toEqual(['a']);
      const deleted = await store.pullProducts(world.tenantId, 'b-1', before.checkpoint, 10);
      expect(deleted.documents).toMatchObject([{ id: 'a', _deleted: true }]);
      expect(await store.getProducts(world.tenantId, ['a'])).toEqual([]);
      await store.upsertProducts(world.tenantId, [productInput({ id: 'a' })], 'root');
      const revived = await store.pullProducts(world.tenantId, 'b-1', deleted.checkpoint, 10);
      expect(revived.documents).toMatchObject([{ id: 'a', _deleted: false }]);
    });

    it('does not bump the seq of a product upserted unchanged', async () => {
      const { store, world } = ctx;
      await store.upsertProducts(world.tenantId, [productInput({ id: 'a' })], 'root');
      const { checkpoint } = await store.pullProducts(world.tenantId, 'b-1', null, 10);
      await store.upsertProducts(world.tenantId, [productInput({ id: 'a' })], 'root');
      expect((await store.pullProducts(world.tenantId, 'b-1', checkpoint, 10)).documents).toEqual(
        [],
      );
    });

    it('projects per branch: price override applied, a product leaving the assortment arrives as a tombstone', async () => {
      const { store, world } = ctx;
      await store.upsertProducts(
        world.tenantId,
        [
          productInput({
            id: 'a',
            priceMinor: 1000,
            branchPrices: [{ branchId: 'b-1', priceMinor: 900 }],
          }),
          productInput({ id: 'only-1', branchIds: ['b-1'] }),
        ],
        'root',
      );
      const b1 = await store.pullProducts(world.tenantId, 'b-1', null, 10);
      const b2 = await store.pullProducts(world.tenantId, 'b-2', null, 10);
      expect(b1.documents).toMatchObject([
        { id: 'a', priceMinor: 900, _deleted: false },
        { id: 'only-1', _deleted: false },
      ]);
      expect(b2.documents).toMatchObject([
        { id: 'a', priceMinor: 1000, _deleted: false },
        { id: 'only-1', _deleted: true },
      ]);
      for (const doc of b1.documents) {
        expect(Object.keys(doc)).not.toContain('branchPrices');
        expect(Object.keys(doc)).not.toContain('branchIds');
      }
      // The product moves from b-1 to b-2: b-1 learns by a tombstone after its checkpoint.
      await store.upsertProducts(
        world.tenantId,
        [productInput({ id: 'only-1', branchIds: ['b-2'] })],
        'root',
      );
      const left = await store.pullProducts(world.tenantId, 'b-1', b1.checkpoint, 10);
      expect(left.documents).toMatchObject([{ id: 'only-1', _deleted: true }]);
      const joined = await store.pullProducts(world.tenantId, 'b-2', b2.checkpoint, 10);
      expect(joined.documents).toMatchObject([{ id: 'only-1', _deleted: false }]);
      const byIds = await store.productsByIds(world.tenantId, 'b-1', ['a', 'only-1']);
      expect(latestById(byIds).get('only-1')).toMatchObject({ _deleted: true });
    });

    it('answers by ids one document per id asked, tombstones carrying the id only, unknown ids included', async () => {
      const { store, world } = ctx;
      await store.upsertProducts(
        world.tenantId,
        [
          productInput({ id: 'a', sku: 'A', barcode: null }),
          productInput({
            id: 'secret',
            sku: 'S',
            name: 'Secret blend',
            priceMinor: 4242,
            branchIds: ['b-2'],
          }),
          productInput({ id: 'gone', sku: 'G', barcode: null }),
        ],
        'root',
      );
      await store.deleteProducts(world.tenantId, ['gone'], 'root');
      const ids = ['secret', 'a', 'nope', 'gone', 'a'];
      const answer = await store.productsByIds(world.tenantId, 'b-1', ids);
      expect(answer.map((d) => [d.id, d._deleted])).toEqual([
        ['secret', true],
        ['a', false],
        ['nope', true],
        ['gone', true],
      ]);
      const tombstones = answer.filter((d) => d._deleted);
      // Every tombstone is the same but for its id: nothing of the product outside the branch leaks.
      for (const tombstone of tombstones) {
        expect({ ...tombstone, id: 'x' }).toEqual({ ...tombstones[0], id: 'x' });
      }
      expect(tombstones[0]).not.toMatchObject({ name: 'Secret blend' });
      expect(tombstones[0]).not.toMatchObject({ priceMinor: 4242 });
      // Tombstones keep the wire shape the terminal validates.
      for (const tombstone of tombstones) {
        const { _deleted, ...view } = tombstone;
        expect(branchProductSchema.parse(view)).toEqual(view);
      }
      // The pull stream's tombstones are the same.
      const pulled = await store.pullProducts(world.tenantId, 'b-1', null, 10);
      expect(pulled.documents.find((d) => d.id === 'secret')).toEqual(tombstones[0]);
      await store.upsertCategories(
        world.tenantId,
        [{ id: 'c-1', name: 'Coffee', parentId: null, sortOrder: 0 }],
        'root',
      );
      const categories = await store.categoriesByIds(world.tenantId, ['nope', 'c-1']);
      expect(categories.map((d) => [d.id, d._deleted])).toEqual([
        ['nope', true],
        ['c-1', false],
      ]);
    });

    it('pulls categories by checkpoint with tombstones', async () => {
      const { store, world } = ctx;
      await store.upsertCategories(
        world.tenantId,
        [
          { id: 'c-1', name: 'Coffee', parentId: null, sortOrder: 0 },
          { id: 'c-2', name: 'Tea', parentId: null, sortOrder: 2 },
        ],
        'root',
      );
      const first = await store.pullCategories(world.tenantId, null, 10);
      expect(first.documents).toMatchObject([
        { id: 'c-1', parentId: null, sortOrder: 0, _deleted: false },
        { id: 'c-2', sortOrder: 2, _deleted: false },
      ]);
      await store.deleteCategories(world.tenantId, ['c-1'], 'root');
      const next = await store.pullCategories(world.tenantId, first.checkpoint, 10);
      expect(next.documents).toMatchObject([{ id: 'c-1', _deleted: true }]);
      expect(await store.categoriesByIds(world.tenantId, ['c-2'])).toMatchObject([{ id: 'c-2' }]);
    });

    it('refuses product rows naming unknown branches or categories, repeating an id or taking a SKU or barcode, listing each', async () => {
      const { store, world } = ctx;
      await store.upsertCategories(
        world.tenantId,
        [
          { id: 'c-1', name: 'Coffee', parentId: null, sortOrder: 0 },
          { id: 'c-old', name: 'Old', parentId: null, sortOrder: 0 },
        ],
        'root',
      );
      await store.deleteCategories(world.tenantId, ['c-old'], 'root');
      await store.upsertProducts(
        world.tenantId,
        [productInput({ id: 'x', sku: 'X', barcode: '111', categoryId: 'c-1' })],
        'root',
      );
      const batch = [
        productInput({ id: 'n1', branchIds: ['b-1', 'nope'] }),
        productInput({ id: 'n2', branchPrices: [{ branchId: 'ghost', priceMinor: 1 }] }),
        productInput({ id: 'n3', categoryId: 'c-old' }),
        productInput({ id: 'n4', sku: 'X' }),
        productInput({ id: 'n5', barcode: '111' }),
        productInput({ id: 'n6' }),
        productInput({ id: 'n6', priceMinor: 7 }),
        productInput({ id: 'n7', sku: 'SAME' }),
        productInput({ id: 'n8', sku: 'SAME' }),
        productInput({ id: 'ok', categoryId: 'c-1', branchIds: ['b-2'] }),
      ];
      const error = await store.upsertProducts(world.tenantId, batch, 'root').catch((e) => e);
      expect(error).toMatchObject({ code: 'POS_INPUT_INVALID' });
      expect(error.details).toEqual({
        count: 8,
        rows: [
          { index: 0, id: 'n1', rule: 'unknown_branch', value: 'nope' },
          { index: 1, id: 'n2', rule: 'unknown_branch', value: 'ghost' },
          { index: 2, id: 'n3', rule: 'unknown_category', value: 'c-old' },
          { index: 6, id: 'n6', rule: 'duplicate_id', value: 'n6' },
          { index: 3, id: 'n4', rule: 'duplicate_sku', value: 'X', conflictsWith: ['x'] },
          { index: 4, id: 'n5', rule: 'duplicate_barcode', value: '111', conflictsWith: ['x'] },
          { index: 7, id: 'n7', rule: 'duplicate_sku', value: 'SAME', conflictsWith: ['n8'] },
          { index: 8, id: 'n8', rule: 'duplicate_sku', value: 'SAME', conflictsWith: ['n7'] },
        ],
      });
      const pulled = async () =>
        (await store.pullProducts(world.tenantId, 'b-1', null, 100)).documents.map((d) => d.id);
      expect(await pulled()).toEqual(['x']);

      // Judged on the catalog after the batch: two products may swap SKUs and barcodes in one batch,
      // and a deleted product frees its SKU and barcode.
      await store.upsertProducts(
        world.tenantId,
        [productInput({ id: 'y', sku: 'Y', barcode: '222' }), productInput({ id: 'z', sku: 'Z' })],
        'root',
      );
      await store.upsertProducts(
        world.tenantId,
        [
          productInput({ id: 'x', sku: 'Y', barcode: '222', categoryId: 'c-1' }),
          productInput({ id: 'y', sku: 'X', barcode: '111' }),
        ],
        'root',
      );
      await expectCode(
        store.upsertProducts(world.tenantId, [productInput({ id: 'w', sku: 'Z' })], 'root'),
        'POS_INPUT_INVALID',
      );
      await store.deleteProducts(world.tenantId, ['z'], 'root');
      await store.upsertProducts(world.tenantId, [productInput({ id: 'w', sku: 'Z' })], 'root');
      expect(
        (await store.getProducts(world.tenantId, ['x', 'y', 'w'])).map((p) => [p.id, p.sku]),
      ).toEqual(
        expect.arrayContaining([
          ['x', 'Y'],
          ['y', 'X'],
          ['w', 'Z'],
        ]),
      );
    });

    it('refuses invalid catalog input and batches above the limit, changing nothing', async () => {
      const { store, world } = ctx;
      await expectCode(
        store.upsertProducts(
          world.tenantId,
          [productInput({ id: 'ok' }), productInput({ id: 'bad', priceMinor: -1 })],
          'root',
        ),
        'POS_INPUT_INVALID',
      );
      const tooMany = Array.from({ length: 5_001 }, (_, i) => productInput({ id: `p-${i}` }));
      await expectCode(store.upsertProducts(world.tenantId, tooMany, 'root'), 'POS_INPUT_INVALID');
      expect((await store.pullProducts(world.tenantId, 'b-1', null, 10)).documents).toEqual([]);
      await store.upsertProducts(world.tenantId, tooMany.slice(0, 5_000), 'root');
      expect((await store.streamHeads(world.tenantId, 'b-1')).products).toBe(5_000);
    });
  });
}
