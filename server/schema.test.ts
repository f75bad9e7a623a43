import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, printSchema, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  CATALOG_BY_IDS_DOCUMENTS,
  PULL_DOCUMENTS,
  PUSH_DOCUMENTS,
  RECONCILE_CATALOG_DOCUMENT,
  STREAM_DOCUMENTS,
} from '../replication/index.ts';
import { buildSchema } from './graphql/schema.ts';

const SDL_PATH = fileURLToPath(new URL('./schema.graphql', import.meta.url));

describe('GraphQL schema', () => {
  it('matches the committed server/schema.graphql (UPDATE_SCHEMA=1 rewrites it)', () => {
    const printed = `${printSchema(buildSchema())}\n`;
    if (process.env['UPDATE_SCHEMA'] === '1') writeFileSync(SDL_PATH, printed);
    // On failure the API changed: run `UPDATE_SCHEMA=1 npx vitest run server/schema.test.ts` and
    // commit the new SDL so the change shows in review.
    expect(readFileSync(SDL_PATH, 'utf8')).toBe(printed);
  });

  const contract: Record<string, string> = {
    ...Object.fromEntries(Object.entries(PULL_DOCUMENTS).map(([k, v]) => [`pull ${k}`, v])),
    ...Object.fromEntries(Object.entries(PUSH_DOCUMENTS).map(([k, v]) => [`push ${k}`, v])),
    ...Object.fromEntries(Object.entries(STREAM_DOCUMENTS).map(([k, v]) => [`stream ${k}`, v])),
    reconcile: RECONCILE_CATALOG_DOCUMENT,
    ...Object.fromEntries(
      Object.entries(CATALOG_BY_IDS_DOCUMENTS).map(([k, v]) => [`byIds ${k}`, v]),
    ),
  };

  it.each(Object.entries(contract))(
    'accepts the terminal operation document: %s',
    (_, document) => {
      expect(validate(buildSchema(), parse(document))).toEqual([]);
    },
  );
});
