import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PULL_DOCUMENTS } from '../replication/index.ts';
import { parseServerConfig } from './config.ts';
import type { PosServer } from './create-server.ts';
import { createServer } from './create-server.ts';
import { createLogger } from './logger.ts';
import type { SqliteCloudStore } from './store/sqlite/sqlite-cloud-store.ts';
import { openSqliteCloudStore } from './store/sqlite/sqlite-cloud-store.ts';
import { ROOT_TOKEN, removeDataDir } from './test-fixtures.ts';
import { startTestRedis } from './test-redis.ts';

const BURST = 5;
const redis = await startTestRedis();

async function gql(server: PosServer, query: string, variables = {}, token = ROOT_TOKEN) {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as {
    data?: any;
    errors?: { extensions?: Record<string, unknown> }[];
  };
  return { status: response.status, ...body };
}

async function sharedGauge(server: PosServer): Promise<string | undefined> {
  const text = await (await fetch(server.url.replace(/graphql$/, 'metrics'))).text();
  return /^pos_rate_limit_shared (\d)$/m.exec(text)?.[1];
}

/**
 * Pulls through the servers in turn until the first POS_SYNC_RATE_LIMITED; returns how many passed.
 * The bucket refills by one per second, so a tick during the run may grant one more than the burst.
 */
async function passedBeforeLimited(servers: PosServer[], token: string): Promise<number> {
  for (let i = 0; i < BURST * 2 + 2; i++) {
    const answer = await gql(
      servers[i % servers.length]!,
      PULL_DOCUMENTS.products,
      { limit: 1 },
      token,
    );
    if (answer.errors) {
      expect(answer.status).toBe(429);
      expect(answer.errors[0]?.extensions).toMatchObject({ code: 'POS_SYNC_RATE_LIMITED' });
      return i;
    }
  }
  return Number.POSITIVE_INFINITY;
}

if ('skip' in redis) {
  console.log(`skipping rate limits shared through Redis: ${redis.skip}`);
  describe.skip(`rate limits shared through Redis — skipped: ${redis.skip}`, () => {
    it('shares one budget per terminal between instances', () => {});
  });
} else {
  vi.setConfig({ testTimeout: 30_000 });
  describe('rate limits shared through Redis (POS_REDIS_URL)', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pos-redis-'));
    let store: SqliteCloudStore;
    let servers: PosServer[] = [];
    let tokens: string[] = [];
    beforeAll(async () => {
      const config = parseServerConfig({
        port: 0,
        dataDir,
        adminToken: ROOT_TOKEN,
        logLevel: 'silent',
        rateLimitPerSecond: 1,
        rateLimitBurst: BURST,
        redisUrl: redis.url,
      });
      store = openSqliteCloudStore({ dataDir });
      // Two instances over one store, as behind a load balancer; only the rate limiter talks to Redis.
      servers = [];
      for (let i = 0; i < 2; i++) {
        servers.push(
          await createServer({ config, store, logger: createLogger({ level: 'silent' }) }),
        );
      }
      await gql(servers[0]!, 'mutation { createBranch(input: { id: "b-1", name: "One" }) { id } }');
      tokens = [];
      for (const name of ['A', 'B', 'C']) {
        const answer = await gql(
          servers[0]!,
          'mutation ($n: String!) { registerTerminal(input: { branchId: "b-1", name: $n }) { token } }',
          { n: name },
        );
        tokens.push(answer.data.registerTerminal.token);
      }
      await vi.waitFor(async () => {
        for (const server of servers) expect(await sharedGauge(server)).toBe('1');
      });
    });
    afterAll(async () => {
      for (const server of servers) await server.close();
      await store?.close();
      await redis.close();
      removeDataDir(dataDir);
    });

    it('limits a terminal alternating between A and B after the shared budget, not twice it', async () => {
      const passed = await passedBeforeLimited(servers, tokens[0]!);
      expect(passed).toBeGreaterThanOrEqual(BURST);
      expect(passed).toBeLessThanOrEqual(BURST + 1);
      // Another terminal has its own bucket.
      expect(
        (await gql(servers[1]!, PULL_DOCUMENTS.products, { limit: 1 }, tokens[1]!)).errors,
      ).toBeUndefined();
    });

    it('fails open to per-instance buckets while Redis is down, and shares again when it is back', async () => {
      await redis.stop();
      await vi.waitFor(async () => expect(await sharedGauge(servers[0]!)).toBe('0'));
      // Each instance now limits alone: the terminal gets a budget on A and another on B.
      const passed = await passedBeforeLimited(servers, tokens[2]!);
      expect(passed).toBeGreaterThanOrEqual(BURST * 2);
      const health = await fetch(servers[0]!.url.replace(/graphql$/, 'healthz'));
      expect(health.status).toBe(200);

      await redis.start();
      await vi.waitFor(
        async () => {
          for (const server of servers) expect(await sharedGauge(server)).toBe('1');
        },
        { timeout: 10_000, interval: 100 },
      );
      // A fresh Redis holds no buckets: the next terminal gets the shared budget once again.
      const again = await passedBeforeLimited(servers, tokens[1]!);
      expect(again).toBeGreaterThanOrEqual(BURST);
      expect(again).toBeLessThanOrEqual(BURST + 1);
    });
  });
}
