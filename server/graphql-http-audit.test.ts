import { auditServer } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from './test-fixtures.ts';
import { removeDataDir, startTestServer } from './test-fixtures.ts';

// The GraphQL-over-HTTP spec's own audit (graphql-http's `auditServer`): the pipeline's limits and its
// token check before validation must not break what the spec requires of a server. Four of its probes
// query `__type(name:)`, so introspection is turned on here (the production form answers them with a
// validation error, on purpose).
describe('GraphQL over HTTP spec audit', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ config: { introspection: true } });
  });
  afterAll(async () => {
    await t.stop();
    removeDataDir(t.dataDir);
  });

  it('passes every audit of graphql-http, MUST and SHOULD alike', async () => {
    const results = await auditServer({ url: t.server.url });
    const failed = results
      .filter((result) => result.status !== 'ok')
      .map((result) => `${result.name}: ${'reason' in result ? result.reason : ''}`);
    expect(failed).toEqual([]);
    expect(results.length).toBeGreaterThan(50);
  });
});
