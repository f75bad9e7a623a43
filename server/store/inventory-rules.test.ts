import type { RxDocumentData, RxJsonSchema, WithDeleted } from 'rxdb';
import { rebuildFromCRDT } from 'rxdb/plugins/crdt';
import { describe, expect, it } from 'vitest';
import type { InventoryItem } from '../../schema/index.ts';
import { ON_HAND_MAX, createInventoryItem, inventoryRxSchema } from '../../schema/index.ts';
import {
  checkInventoryOperations,
  inventoryDocumentProblem,
  inventoryHandler,
  pinOfStoredRow,
  replayInventory,
  repairInventoryDocument,
} from './inventory-rules.ts';

const pin = { id: 'b-1:p-1', branchId: 'b-1', productId: 'p-1' };
const docWith = (part: object) =>
  ({
    ...createInventoryItem('b-1', 'p-1'),
    _deleted: false,
    crdts: { operations: [[{ body: [part], creator: 'c', time: 1 }]], hash: 'xx' },
  }) as WithDeleted<InventoryItem>;

describe('inventory operation rules', () => {
  it.each([
    ['the creation', { ifMatch: { $set: createInventoryItem('b-1', 'p-1') } }, null],
    [
      'an adjustment',
      { ifMatch: { $inc: { onHand: -3 }, $set: { lastReason: 'shrinkage' } } },
      null,
    ],
    [
      'a count',
      {
        ifMatch: {
          $inc: { onHand: 2 },
          $set: { lastReason: 'count', lastCountedAt: '2026-01-01T09:00:00.000Z' },
        },
      },
      null,
    ],
    ['a removal', { ifMatch: { $set: { _deleted: true } } }, null],
    ['a bad reason', { ifMatch: { $set: { lastReason: 'acc' } } }, 'POS_SYNC_EVENT_INVALID'],
    ['a bad date', { ifMatch: { $set: { lastCountedAt: 'yesterday' } } }, 'POS_SYNC_EVENT_INVALID'],
    ['a string counter', { ifMatch: { $set: { onHand: 'lots' } } }, 'POS_SYNC_EVENT_INVALID'],
    ['an unsafe increment', { ifMatch: { $inc: { onHand: 2 ** 53 } } }, 'POS_SYNC_EVENT_INVALID'],
    [
      'an increment past the range',
      { ifMatch: { $inc: { onHand: ON_HAND_MAX + 1 } } },
      'POS_SYNC_EVENT_INVALID',
    ],
    [
      'a set and an increment of onHand at once',
      { ifMatch: { $set: { onHand: 1 }, $inc: { onHand: 1 } } },
      'POS_SYNC_EVENT_INVALID',
    ],
    ['a selector', { selector: {}, ifMatch: { $inc: { onHand: 1 } } }, 'POS_SYNC_EVENT_INVALID'],
    ['an ifNotMatch', { ifNotMatch: { $inc: { onHand: 1 } } }, 'POS_SYNC_EVENT_INVALID'],
    ['a $push', { ifMatch: { $push: { tags: 1 } } }, 'POS_SYNC_EVENT_INVALID'],
    ['a tenant', { ifMatch: { $set: { tenantId: 'x' } } }, 'POS_SYNC_EVENT_INVALID'],
    ['another id', { ifMatch: { $set: { id: 'b-2:p-1' } } }, 'POS_FORBIDDEN'],
    ['another branch', { ifMatch: { $set: { branchId: 'b-2' } } }, 'POS_FORBIDDEN'],
    ['another product', { ifMatch: { $set: { productId: 'p-2' } } }, 'POS_FORBIDDEN'],
  ])('%s → %s', (_name, part, code) => {
    expect(checkInventoryOperations(docWith(part), pin)?.code ?? null).toBe(code);
  });

  it('names a stored row whose id is not of its branch, and does not repair it in place', async () => {
    const foreign = pinOfStoredRow('b-2:p-1', 'b-1');
    expect(inventoryDocumentProblem(docWith({}), foreign)).toMatch(/not of its branch/);
    const repair = await repairInventoryDocument(inventoryHandler(), {}, foreign, 1);
    expect(repair).toEqual({ doc: null, action: 'foreign' });
  });

  it('refuses operations with too many parts', () => {
    const doc = docWith({ ifMatch: { $inc: { onHand: 1 } } });
    doc.crdts!.operations[0]![0]!.body = Array.from({ length: 9 }, () => ({
      ifMatch: { $inc: { onHand: 1 } },
    }));
    expect(checkInventoryOperations(doc, pin)?.code).toBe('POS_SYNC_EVENT_INVALID');
  });

  it('replays a log to the document the crdt plugin rebuilds from it', () => {
    const op = (creator: string, ifMatch: object) => ({ body: [{ ifMatch }], creator, time: 5 });
    const crdts = {
      operations: [
        [op('a', { $set: createInventoryItem('b-1', 'p-1') })],
        [op('a', { $inc: { onHand: 5 }, $set: { lastReason: 'receiving' } })],
        [
          op('a', { $inc: { onHand: -2 } }),
          op('b', {
            $inc: { onHand: 7 },
            $set: { lastReason: 'count', lastCountedAt: '2026-01-01T09:00:00.000Z' },
          }),
        ],
        [],
        [op('c', { $set: { _deleted: true } })],
        [op('c', { $set: { _deleted: false, lastReason: null } })],
      ],
      hash: 'xx',
    };
    const schema = inventoryRxSchema as RxJsonSchema<RxDocumentData<InventoryItem>>;
    const expected = rebuildFromCRDT(schema, {} as RxDocumentData<InventoryItem>, crdts as never);
    expect(replayInventory(crdts as never)).toEqual(expected);
    expect(replayInventory(crdts as never)).toMatchObject({ onHand: 10, _deleted: false });
  });
});
