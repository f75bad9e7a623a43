import { describe, expect, it } from 'vitest';
import { DocumentCache } from './document-cache.ts';

describe('DocumentCache', () => {
  it('evicts the oldest entry beyond its capacity and keeps rewritten entries longest', () => {
    const cache = new DocumentCache<string>(2);
    cache.set('a', 'A1');
    cache.set('b', 'B1');
    cache.set('a', 'A2');
    cache.set('c', 'C1');
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe('A2');
    expect(cache.get('c')).toBe('C1');
    expect(cache.size).toBe(2);
  });

  it('holds nothing with capacity 0', () => {
    const cache = new DocumentCache<string>(0);
    cache.set('a', 'A');
    expect(cache.get('a')).toBeUndefined();
  });
});
