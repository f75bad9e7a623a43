import { describe, expect, it } from 'vitest';
import { StreamHub } from './stream-hub.ts';

describe('StreamHub.shared', () => {
  it('reads once per key between two notices, again after a notice, and forgets a failed read', async () => {
    const hub = new StreamHub();
    let reads = 0;
    const read = async () => ++reads;
    expect(await Promise.all([hub.shared('k', read), hub.shared('k', read)])).toEqual([1, 1]);
    expect(await hub.shared('other', read)).toBe(2);
    expect(await hub.shared('k', read)).toBe(1);
    hub.notify({ tenantId: 't', stream: 'products' });
    expect(await hub.shared('k', read)).toBe(3);

    const failing = hub.shared('f', () => Promise.reject(new Error('store down')));
    await expect(failing).rejects.toThrow('store down');
    expect(await hub.shared('f', read)).toBe(4);
  });
});
