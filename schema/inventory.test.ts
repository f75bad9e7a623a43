import { describe, expect, it } from 'vitest';
import {
  adjustInventory,
  countInventory,
  createInventoryItem,
  inventoryItemId,
} from './inventory.ts';

describe('inventory operations', () => {
  it('ids an item by branch and product', () => {
    expect(inventoryItemId('b-1', 'p-1')).toBe('b-1:p-1');
    expect(createInventoryItem('b-1', 'p-1')).toMatchObject({ id: 'b-1:p-1', onHand: 0 });
  });

  it('adjusts on-hand only by increments, so concurrent adjustments commute', () => {
    expect(adjustInventory(-3, 'shrinkage')).toEqual({
      ifMatch: { $inc: { onHand: -3 }, $set: { lastReason: 'shrinkage' } },
    });
  });

  it('records a count as the difference to what the counting terminal saw', () => {
    expect(countInventory(10, 7, '2025-01-15T10:00:00.000Z')).toEqual({
      ifMatch: {
        $inc: { onHand: 3 },
        $set: { lastReason: 'count', lastCountedAt: '2025-01-15T10:00:00.000Z' },
      },
    });
  });

  it('refuses fractional quantities', () => {
    expect(() => adjustInventory(0.5, 'receiving')).toThrow(RangeError);
    expect(() => countInventory(1.5, 0, '2025-01-15T10:00:00.000Z')).toThrow(RangeError);
  });
});
