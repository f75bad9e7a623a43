import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PULL_DOCUMENTS } from '../replication/index.ts';
import type { TestServer } from './test-fixtures.ts';
import { removeDataDir, startTestServer } from './test-fixtures.ts';

describe('rate limiting per terminal', () => {
  let t: TestServer;
  let tokens: string[];
  beforeAll(async () => {
    t = await startTestServer({ config: { rateLimitPerSecond: 1, rateLimitBurst: 3 } });
    await t.gql('mutation { createBranch(input: { id: "b-1", name: "One" }) { id } }');
    tokens = [];
    for (const name of ['A', 'B']) {
      const answer = await t.gql(
        'mutation ($n: String!) { registerTerminal(input: { branchId: "b-1", name: $n }) { token } }',
        { n: name },
      );
      tokens.push(answer.data.registerTerminal.token);
    }
  });
  afterAll(async () => {
    await t.stop();
    removeDataDir(t.dataDir);
  });

  it('answers POS_SYNC_RATE_LIMITED with retryAfterMs past the burst, for that terminal only', async () => {
    const pull = (token: string) => t.gql(PULL_DOCUMENTS.products, { limit: 10 }, token);
    for (let i = 0; i < 3; i++) expect((await pull(tokens[0]!)).errors).toBeUndefined();
    const limited = await pull(tokens[0]!);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.errors?.[0]?.extensions).toMatchObject({
      code: 'POS_SYNC_RATE_LIMITED',
      retryAfterMs: expect.any(Number),
    });
    expect((await pull(tokens[1]!)).errors).toBeUndefined();
    const metrics = await (await fetch(t.server.url.replace(/graphql$/, 'metrics'))).text();
    expect(metrics).toMatch(/pos_rate_limited_total 1/);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await pull(tokens[0]!)).errors).toBeUndefined();
  });
});
