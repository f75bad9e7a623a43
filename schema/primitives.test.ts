import { describe, expect, it } from 'vitest';
import { branchSchema } from './branch.ts';
import { ISO_DATE_TIME_MAX_LENGTH, idSchema, isoDateTimeSchema, nameSchema } from './primitives.ts';
import { skuSchema } from './product.ts';
import { saleLineSchema } from './sale.ts';
import { tenantSchema } from './tenant.ts';

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

describe('idSchema and nameSchema refuse characters that hide what an id or name is', () => {
  const hidden = [
    '\u0000',
    '\u0007',
    '\u202E',
    '\u2066',
    '\u200B',
    '\uFEFF',
    '\u2028',
    '\uD800',
  ].map((char) => [char.charCodeAt(0).toString(16).padStart(4, '0'), char]);

  it.each(hidden)('refuses U+%s in an id', (_code, char) => {
    expect(idSchema.safeParse(`north${char}1`).success).toBe(false);
  });

  it.each(hidden)('refuses U+%s in a name and a SKU', (_code, char) => {
    expect(nameSchema.safeParse(`Coffee${char}beans`).success).toBe(false);
    expect(skuSchema.safeParse(`SKU${char}1`).success).toBe(false);
  });

  it('accepts ordinary names in any script, with emoji and joiners', () => {
    for (const name of ['Café Crème', 'Ümlaut & Co.', 'قهوة', 'कॉफ़ी', '👩‍🍳 Chef', 'می‌خواهم']) {
      expect(nameSchema.safeParse(name).success).toBe(true);
    }
    expect(idSchema.safeParse('Zürich-01').success).toBe(true);
  });

  it('guards every input built on them: branch ids, sale lines, tenant names', () => {
    expect(branchSchema.shape.id.safeParse('north\u202E').success).toBe(false);
    expect(saleLineSchema.shape.name.safeParse('Tea\u0007').success).toBe(false);
    expect(tenantSchema.shape.name.safeParse('Acme\u0000').success).toBe(false);
  });
});
