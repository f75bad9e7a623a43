import { describe, expect, it } from 'vitest';
import { makeBranchProduct } from './fixtures.ts';
import { NAME_KEY_MAX_LENGTH, nameKeyOf } from './name-key.ts';
import { branchViewOfStored, withNameKey } from './product.ts';

describe('nameKeyOf', () => {
  it.each([
    ['Espresso', 'espresso'],
    ['ESP', 'esp'],
    ['Café Crème', 'cafe creme'],
    ['Crème brûlée', 'creme brulee'],
    ['İstanbul simit', 'istanbul simit'],
    ['Ñandú', 'nandu'],
    ['قَهوة', 'قهوة'],
    ['چای ۲', 'چای ۲'],
  ])('%s → %s', (name, key) => {
    expect(nameKeyOf(name)).toBe(key);
  });

  it('gives a name and every prefix typed of it keys that are prefixes of each other', () => {
    const name = 'Crème Brûlée 250 g';
    for (let i = 1; i <= name.length; i++) {
      expect(nameKeyOf(name).startsWith(nameKeyOf(name.slice(0, i)))).toBe(true);
    }
  });

  it('is cut to the longest key the schema indexes', () => {
    expect(nameKeyOf('한'.repeat(200))).toHaveLength(NAME_KEY_MAX_LENGTH);
  });
});

describe('stored products', () => {
  it('hash as their branch view while the key matches the name', () => {
    const view = makeBranchProduct({ name: 'Café' });
    const stored = withNameKey(view);
    expect(stored.nameKey).toBe('cafe');
    expect(branchViewOfStored(stored)).toEqual(view);
  });

  it('keep a key that disagrees with the name, so the row hashes differently', () => {
    const stored = { ...withNameKey(makeBranchProduct()), nameKey: 'tampered' };
    expect(branchViewOfStored(stored)).toEqual(stored);
  });
});
