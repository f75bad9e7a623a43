import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildSchema } from '../graphql/schema.ts';
import { maxDepthRule } from './query-limits.ts';

/** `count` fragments, each spreading the next twice: 2^count paths, `count` distinct fragments. */
function fragmentChain(count: number, leaf: string): string {
  let text = '{ ...F0 }\n';
  for (let i = 0; i < count; i++) {
    const next = i + 1 < count ? `...F${i + 1} ...F${i + 1}` : leaf;
    text += `fragment F${i} on Query { __typename ${next} }\n`;
  }
  return text;
}

describe('maxDepthRule', () => {
  const schema = buildSchema();

  it('measures a chain of 60 fragments each spreading the next twice in linear time', () => {
    // Expanded afresh at every spread this is 2^60 visits: the test would never end.
    const document = parse(fragmentChain(60, 'sales { edges { node { id } } }'));
    expect(validate(schema, document, [maxDepthRule(4)])).toEqual([]);
    const errors = validate(schema, document, [maxDepthRule(3)]);
    expect(errors.map((e) => e.message)).toEqual(['query depth 4 exceeds the limit of 3']);
  });

  it('counts the deepest use of a fragment spread in several places', () => {
    const document = parse(
      '{ sales { edges { node { ...S } } } a: sales { ...C } } ' +
        'fragment S on Sale { totals { totalMinor } } ' +
        'fragment C on SaleConnection { edges { node { ...S } } }',
    );
    const errors = validate(schema, document, [maxDepthRule(4)]);
    expect(errors.map((e) => e.message)).toEqual(['query depth 5 exceeds the limit of 4']);
  });
});
