import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, printSchema, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  CATALOG_BY_IDS_DOCUMENTS,
  CURRENT_TERMINAL_DOCUMENT,
  SALE_FOR_RETURN_DOCUMENT,
  OFFLINE_POLICY_DOCUMENT,
  PULL_DOCUMENTS,
  PUSH_DOCUMENTS,
  RECONCILE_CATALOG_DOCUMENT,
  PROTOCOL_VERSION,
  STREAM_DOCUMENTS,
} from '../replication/index.ts';
import { buildSchema } from './graphql/schema.ts';

const SDL_PATH = fileURLToPath(new URL('./schema.graphql', import.meta.url));
const SDL_HASH_PATH = fileURLToPath(new URL('./schema-hash.json', import.meta.url));

describe('GraphQL schema', () => {
  it('matches the committed server/schema.graphql (UPDATE_SCHEMA=1 rewrites it)', () => {
    const printed = `${printSchema(buildSchema())}\n`;
    if (process.env['UPDATE_SCHEMA'] === '1') writeFileSync(SDL_PATH, printed);
    // On failure the API changed: run `UPDATE_SCHEMA=1 npx vitest run server/schema.test.ts` and
    // commit the new SDL so the change shows in review.
    expect(readFileSync(SDL_PATH, 'utf8')).toBe(printed);
  });

  it('pins the SHA-256 of server/schema.graphql for PROTOCOL_VERSION in server/schema-hash.json', () => {
    // The wire guard of replication/ hashes the operation documents and RxDB schemas, not the SDL; this
    // closes the gap. On failure the SDL changed without a protocol decision: either bump
    // PROTOCOL_VERSION (a breaking change for terminals) and add its hash here, or, for an additive
    // change old terminals do not notice, knowingly replace the hash of the current version.
    const pinned = JSON.parse(readFileSync(SDL_HASH_PATH, 'utf8')) as Record<string, string>;
    const actual = createHash('sha256').update(readFileSync(SDL_PATH)).digest('hex');
    expect({ version: PROTOCOL_VERSION, hash: actual }).toEqual({
      version: PROTOCOL_VERSION,
      hash: pinned[String(PROTOCOL_VERSION)],
    });
  });

  const contract: Record<string, string> = {
    ...Object.fromEntries(Object.entries(PULL_DOCUMENTS).map(([k, v]) => [`pull ${k}`, v])),
    ...Object.fromEntries(Object.entries(PUSH_DOCUMENTS).map(([k, v]) => [`push ${k}`, v])),
    ...Object.fromEntries(Object.entries(STREAM_DOCUMENTS).map(([k, v]) => [`stream ${k}`, v])),
    reconcile: RECONCILE_CATALOG_DOCUMENT,
    currentTerminal: CURRENT_TERMINAL_DOCUMENT,
    saleForReturn: SALE_FOR_RETURN_DOCUMENT,
    offlinePolicy: OFFLINE_POLICY_DOCUMENT,
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
