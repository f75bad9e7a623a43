import { describe, expect, it } from 'vitest';
import { DocumentCache } from './document-cache.ts';

describe('DocumentCache', () => {
  it('answers the latest state of an id, also after it moved to the old generation', () => {
    const cache = new DocumentCache<string>(4);
    cache.set('a', 'A1');
    cache.set('b', 'B1');
    expect(cache.get('a')).toBe('A1');
    cache.set('a', 'A2');
    cache.set('c', 'C1');
    expect(cache.get('a')).toBe('A2');
    expect(cache.get('c')).toBe('C1');
  });

  it('never holds more than its capacity and drops the oldest generation first', () => {
    const cache = new DocumentCache<number>(4);
    for (let n = 0; n < 10; n++) cache.set(`k${n}`, n);
    expect(cache.size).toBeLessThanOrEqual(4);
    expect(cache.get('k0')).toBeUndefined();
    expect(cache.get('k9')).toBe(9);
  });

  it('holds nothing with capacity 0', () => {
    const cache = new DocumentCache<string>(0);
    cache.set('a', 'A');
    expect(cache.get('a')).toBeUndefined();
  });
});
