import { describe, expect, it } from 'vitest';
import { ISO_DATE_TIME_MAX_LENGTH, idSchema, isoDateTimeSchema } from './primitives.ts';

describe('isoDateTimeSchema', () => {
  it('accepts what toISOString writes', () => {
    const now = new Date().toISOString();
    expect(isoDateTimeSchema.safeParse(now).success).toBe(true);
    expect(now).toHaveLength(ISO_DATE_TIME_MAX_LENGTH);
  });

  it('refuses other precisions and offsets, so string order stays time order', () => {
    expect(isoDateTimeSchema.safeParse('2025-01-15T10:00:00Z').success).toBe(false);
    expect(isoDateTimeSchema.safeParse('2025-01-15T10:00:00.5Z').success).toBe(false);
    expect(isoDateTimeSchema.safeParse('2025-01-15T10:00:00.000+01:00').success).toBe(false);
  });
});

describe('idSchema', () => {
  it('refuses empty ids and whitespace', () => {
    expect(idSchema.safeParse('').success).toBe(false);
    expect(idSchema.safeParse('a b').success).toBe(false);
    expect(idSchema.safeParse('p-1').success).toBe(true);
  });
});
