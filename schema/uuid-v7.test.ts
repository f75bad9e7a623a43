import { describe, expect, it } from 'vitest';
import { createUuidV7, uuidV7Schema, uuidV7Timestamp } from './uuid-v7.ts';

describe('createUuidV7', () => {
  it('produces well-formed version 7, variant 10 ids', () => {
    for (let i = 0; i < 1000; i++) {
      const id = createUuidV7();
      expect(uuidV7Schema.safeParse(id).success, id).toBe(true);
    }
  });

  it('encodes the creation time in the first 48 bits', () => {
    const now = Date.UTC(2030, 0, 1);
    expect(uuidV7Timestamp(createUuidV7(now + 10_000_000))).toBe(now + 10_000_000);
  });

  it('is strictly increasing within one millisecond and across a clock step back', () => {
    const ids: string[] = [];
    const t = Date.UTC(2031, 0, 1);
    for (let i = 0; i < 10_000; i++) ids.push(createUuidV7(t));
    ids.push(createUuidV7(t - 60_000));
    ids.push(createUuidV7(t + 120_000));
    for (let i = 1; i < ids.length; i++) {
      expect(ids[i]! > ids[i - 1]!, `${ids[i - 1]} < ${ids[i]}`).toBe(true);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('sorts by time across milliseconds', () => {
    const a = createUuidV7(Date.UTC(2032, 0, 1));
    const b = createUuidV7(Date.UTC(2032, 0, 1) + 1);
    expect(a < b).toBe(true);
  });
});
