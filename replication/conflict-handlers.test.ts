import fc from 'fast-check';
import type { CRDTDocumentField, WithDeleted } from 'rxdb';
import { describe, expect, it } from 'vitest';
import type { BranchProduct, InventoryItem, Sale } from '../schema/index.ts';
import {
  adjustInventory,
  createInventoryItem,
  makeBranchProduct,
  makeSale,
} from '../schema/index.ts';
import { createCatalogConflictHandler } from './catalog-conflict-handler.ts';
import {
  createInventoryConflictHandler,
  sha256HashFunction,
} from './inventory-conflict-handler.ts';
import { saleConflictHandler } from './sale-conflict-handler.ts';

const productArb: fc.Arbitrary<WithDeleted<BranchProduct>> = fc
  .record({
    priceMinor: fc.integer({ min: 0, max: 100_000 }),
    name: fc.constantFrom('Tea', 'Coffee', 'Milk'),
    active: fc.boolean(),
    _deleted: fc.boolean(),
  })
  .map(({ _deleted, ...fields }) => ({ ...makeBranchProduct(fields), _deleted }));

describe('catalog conflict handler', () => {
  const handler = createCatalogConflictHandler<BranchProduct>();

  it('lets the master win, deterministically and idempotently', async () => {
    await fc.assert(
      fc.asyncProperty(productArb, productArb, productArb, async (assumed, master, local) => {
        const input = {
          assumedMasterState: assumed,
          realMasterState: master,
          newDocumentState: local,
        };
        const first = await handler.resolve(input, 'test');
        expect(first).toEqual(master);
        expect(await handler.resolve(input, 'test')).toEqual(first);
        const again = await handler.resolve({ ...input, newDocumentState: first }, 'test');
        expect(again).toEqual(first);
        expect(handler.isEqual(again, master, 'test')).toBe(true);
      }),
    );
  });

  it('compares content regardless of key order and local metadata', () => {
    const a = { ...makeBranchProduct(), _deleted: false };
    const reordered = Object.fromEntries(Object.entries(a).reverse()) as typeof a;
    const withMeta = { ...a, _meta: { lwt: 1 }, _rev: '1-x' } as typeof a;
    expect(handler.isEqual(a, reordered, 'test')).toBe(true);
    expect(handler.isEqual(a, withMeta, 'test')).toBe(true);
    expect(handler.isEqual(a, { ...a, priceMinor: a.priceMinor + 1 }, 'test')).toBe(false);
    expect(handler.isEqual(a, { ...a, _deleted: true }, 'test')).toBe(false);
  });
});

const saleBase = makeSale();
const saleArb: fc.Arbitrary<WithDeleted<Sale>> = fc
  .record({
    invoiceNo: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: null }),
    syncState: fc.constantFrom('queued', 'synced', 'needs_attention') as fc.Arbitrary<
      Sale['syncState']
    >,
    syncAttempts: fc.integer({ min: 0, max: 10 }),
    cashierId: fc.constantFrom(null, 'c-1', 'c-2'),
  })
  .map((fields) => ({
    ...saleBase,
    ...fields,
    ingestedAt: fields.invoiceNo === null ? null : '2025-01-15T10:00:01.000Z',
    _deleted: false,
  }));

describe('sale conflict handler', () => {
  it('is deterministic and idempotent, and never invents content', async () => {
    await fc.assert(
      fc.asyncProperty(saleArb, saleArb, async (master, local) => {
        const input = { realMasterState: master, newDocumentState: local };
        const first = await saleConflictHandler.resolve(input, 'test');
        expect(await saleConflictHandler.resolve(input, 'test')).toEqual(first);
        expect([master, local]).toContainEqual(first);
        const again = await saleConflictHandler.resolve(
          { realMasterState: master, newDocumentState: first },
          'test',
        );
        expect(again).toEqual(first);
      }),
    );
  });

  it('keeps the ingested copy with its invoice number', async () => {
    const local = { ...saleBase, _deleted: false };
    const ingested = {
      ...local,
      invoiceNo: 17,
      ingestedAt: '2025-01-15T10:00:01.000Z',
      syncState: 'synced' as const,
    };
    expect(
      await saleConflictHandler.resolve(
        { realMasterState: ingested, newDocumentState: local },
        't',
      ),
    ).toEqual(ingested);
  });

  it('does not accept a content change of an existing sale', async () => {
    const master = { ...saleBase, _deleted: false };
    const changed = { ...master, cashierId: 'someone-else' };
    expect(
      await saleConflictHandler.resolve(
        { realMasterState: master, newDocumentState: changed },
        't',
      ),
    ).toEqual(master);
  });

  it('takes a refusal sent as a conflict, so the sale stops being pushed', async () => {
    const local = { ...saleBase, _deleted: false };
    const refused = {
      ...local,
      syncState: 'needs_attention' as const,
      lastError: { code: 'POS_SYNC_EVENT_INVALID', message: 'totals do not add up' },
    };
    const resolved = await saleConflictHandler.resolve(
      { realMasterState: refused, newDocumentState: local },
      't',
    );
    expect(resolved).toEqual(refused);
  });

  it('ignores terminal bookkeeping when comparing, so counting attempts does not push the sale', () => {
    const a = { ...saleBase, _deleted: false };
    const b = { ...a, syncState: 'needs_attention' as const, syncAttempts: 3 };
    expect(saleConflictHandler.isEqual(a, b, 't')).toBe(true);
    expect(saleConflictHandler.isEqual(a, { ...a, invoiceNo: 1 }, 't')).toBe(false);
  });

  it("tells an operator's discard from the refusal it closes, so the pull writes it", () => {
    const refused = {
      ...saleBase,
      _deleted: false,
      syncState: 'needs_attention' as const,
      lastError: { code: 'POS_SYNC_EVENT_INVALID', message: 'totals do not add up' },
    };
    const discarded = {
      ...refused,
      lastError: { code: 'POS_SYNC_EVENT_INVALID', message: 'Discarded by an operator: test sale' },
    };
    expect(saleConflictHandler.isEqual(refused, discarded, 't')).toBe(false);
  });
});

describe('inventory conflict handler (crdt plugin)', () => {
  const handler = createInventoryConflictHandler();

  /** A terminal's copy: the shared creation, then its own adjustments, one revision each. */
  async function terminalCopy(
    creator: string,
    deltas: number[],
  ): Promise<WithDeleted<InventoryItem>> {
    const created = createInventoryItem('b-1', 'p-1');
    const crdts: CRDTDocumentField<InventoryItem> = {
      operations: [[{ creator, time: 1, body: [{ ifMatch: { $set: { ...created } } }] }]],
      hash: '',
    };
    for (const delta of deltas) {
      crdts.operations.push([{ creator, time: 2, body: [adjustInventory(delta, 'correction')] }]);
    }
    crdts.hash = await sha256HashFunction(
      JSON.stringify(crdts.operations.map((ops) => ops.map((o) => o.creator))),
    );
    const onHand = deltas.reduce((sum, d) => sum + d, 0);
    return {
      ...created,
      onHand,
      lastReason: deltas.length > 0 ? 'correction' : null,
      crdts,
      _deleted: false,
    };
  }

  const deltasArb = fc.array(fc.integer({ min: -50, max: 50 }), { maxLength: 8 });

  it('keeps every adjustment of both terminals, in either direction, and merging again changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(deltasArb, deltasArb, async (deltasA, deltasB) => {
        const a = await terminalCopy('terminal-a', deltasA);
        const b = await terminalCopy('terminal-b', deltasB);
        const expected = [...deltasA, ...deltasB].reduce((sum, d) => sum + d, 0);
        const ab = await handler.resolve({ realMasterState: b, newDocumentState: a }, 't');
        const ba = await handler.resolve({ realMasterState: a, newDocumentState: b }, 't');
        expect(ab.onHand).toBe(expected);
        expect(ba.onHand).toBe(expected);
        const again = await handler.resolve({ realMasterState: ab, newDocumentState: a }, 't');
        expect(again.onHand).toBe(expected);
        expect(handler.isEqual(again, ab, 't')).toBe(true);
      }),
      { numRuns: 50 },
    );
  });
});
