import { getIntrospectionQuery } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  CATALOG_BY_IDS_DOCUMENTS,
  CURRENT_TERMINAL_DOCUMENT,
  PULL_DOCUMENTS,
  PUSH_DOCUMENTS,
  RECONCILE_CATALOG_DOCUMENT,
  STREAM_DOCUMENTS,
} from '../../replication/index.ts';
import { parseServerConfig } from '../config.ts';
import { buildSchema } from '../graphql/schema.ts';
import { selectsGuardedField } from './use-auth.ts';
import { MAX_NESTING, parseWithinLimits } from './parse-limits.ts';

const limits = { maxTokens: parseServerConfig({}).maxTokens, maxNesting: MAX_NESTING };

function refusal(source: string, within = limits): unknown {
  try {
    parseWithinLimits(source, within);
  } catch (error) {
    return (error as { extensions?: unknown }).extensions;
  }
  return 'parsed';
}

describe('parseWithinLimits', () => {
  it('parses every replication document and GraphiQL introspection within the default limits', () => {
    const documents = [
      ...Object.values(PULL_DOCUMENTS),
      ...Object.values(PUSH_DOCUMENTS),
      ...Object.values(STREAM_DOCUMENTS),
      ...Object.values(CATALOG_BY_IDS_DOCUMENTS),
      RECONCILE_CATALOG_DOCUMENT,
      CURRENT_TERMINAL_DOCUMENT,
      getIntrospectionQuery({
        descriptions: true,
        specifiedByUrl: true,
        directiveIsRepeatable: true,
        schemaDescription: true,
        inputValueDeprecation: true,
        oneOf: true,
      }),
    ];
    for (const document of documents) expect(refusal(document)).toBe('parsed');
  });

  it('refuses too many tokens or too deep a nesting as POS_INPUT_INVALID, before the stack overflows', () => {
    expect(refusal(`{ ${'__typename '.repeat(700_000)}}`)).toMatchObject({
      code: 'POS_INPUT_INVALID',
      limit: limits.maxTokens,
      http: { status: 400 },
    });
    const lists = `{ __typename(a: ${'['.repeat(2_000)}${']'.repeat(2_000)}) }`;
    expect(refusal(lists)).toMatchObject({ code: 'POS_INPUT_INVALID', limit: MAX_NESTING });
    const inline = `{ ${'... on Query { '.repeat(5_000)}__typename${' }'.repeat(5_000)} }`;
    const unbounded = { maxTokens: 1_000_000, maxNesting: 1_000_000 };
    // Without the nesting bound graphql's recursive parser overflows: still the client's error.
    expect(refusal(inline, unbounded)).toMatchObject({ code: 'POS_INPUT_INVALID' });
    // A syntax error keeps graphql's own wording and location.
    expect(() => parseWithinLimits('{ a(', limits)).toThrow(/Syntax Error/);
  });
});

describe('selectsGuardedField', () => {
  it('follows a chain of 5,000 fragments without overflowing the stack', () => {
    let text = 'query { ...F0 }\n';
    for (let i = 0; i < 5_000; i++) text += `fragment F${i} on Query { ...F${i + 1} }\n`;
    const open = parseWithinLimits(`${text}fragment F5000 on Query { __typename }`, {
      maxTokens: 1_000_000,
      maxNesting: MAX_NESTING,
    });
    const guarded = parseWithinLimits(`${text}fragment F5000 on Query { sales { __typename } }`, {
      maxTokens: 1_000_000,
      maxNesting: MAX_NESTING,
    });
    const schema = buildSchema();
    expect(selectsGuardedField(schema, open)).toBe(false);
    expect(selectsGuardedField(schema, guarded)).toBe(true);
  });
});
