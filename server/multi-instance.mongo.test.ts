import { randomUUID } from 'node:crypto';
import { createClient } from 'graphql-ws';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { PUSH_DOCUMENTS, STREAM_DOCUMENTS } from '../replication/index.ts';
import { makeSale } from '../schema/index.ts';
import { parseServerConfig } from './config.ts';
import type { PosServer } from './create-server.ts';
import { createServer } from './create-server.ts';
import { createLogger } from './logger.ts';
import type { MongoCloudStore } from './store/mongo/index.ts';
import { openMongoCloudStore } from './store/mongo/index.ts';
import { startTestMongo } from './store/mongo/test-mongo.ts';

const ROOT = 'test-root-token-0123456789';
const mongo = await startTestMongo();

async function gql(server: PosServer, query: string, variables = {}, token = ROOT) {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: any; errors?: unknown[] };
}

if ('skip' in mongo) {
  console.log(`skipping two server instances on one MongoDB: ${mongo.skip}`);
  describe.skip(`two server instances on one MongoDB — skipped: ${mongo.skip}`, () => {
    it('runs against MongoDB', () => {});
  });
} else {
  vi.setConfig({ testTimeout: 60_000 });
  describe(`two server instances on one MongoDB (${mongo.kind})`, () => {
    const dbName = `pos_test_${randomUUID().slice(0, 8)}`;
    const instances: { server: PosServer; store: MongoCloudStore }[] = [];
    let terminals: { terminalId: string; token: string }[] = [];
    beforeAll(async () => {
      for (let i = 0; i < 2; i++) {
        const config = parseServerConfig({
          port: 0,
          adminToken: ROOT,
          logLevel: 'silent',
          mongoUrl: mongo.url,
          mongoDb: dbName,
          streamPollMs: 200,
        });
        const store = await openMongoCloudStore({ url: mongo.url, dbName });
        const server = await createServer({
          config,
          store,
          logger: createLogger({ level: 'silent' }),
        });
        instances.push({ server, store });
      }
      const a = instances[0]!.server;
      await gql(
        a,
        'mutation { createBranch(input: { id: "b-1", name: "One", currency: "EUR" }) { id } }',
      );
      terminals = [];
      for (const name of ['Till A', 'Till B']) {
        const answer = await gql(
          a,
          `mutation { registerTerminal(input: { branchId: "b-1", name: "${name}" }) { terminalId token } }`,
        );
        terminals.push(answer.data.registerTerminal);
      }
    });
    afterAll(async () => {
      for (const { server, store } of instances) {
        await server.close();
        await store.close();
      }
      const client = new MongoClient(mongo.url);
      await client.db(dbName).dropDatabase();
      await client.close();
      await mongo.close();
    });

    it('wakes a terminal subscribed on B within a second of a product change through A', async () => {
      const [a, b] = instances.map((i) => i.server) as [PosServer, PosServer];
      const client = createClient({
        url: b.wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: { headers: { Authorization: `Bearer ${terminals[0]!.token}` } },
      });
      // B's poller reads the heads through its store: a reading that started once the subscription
      // listens is its baseline, and a change after it is one the poller reports.
      const bStore = instances[1]!.store;
      const streamHeads = bStore.streamHeads.bind(bStore);
      let listening = false;
      let baselineTaken = false;
      const reads = vi.spyOn(bStore, 'streamHeads').mockImplementation(async (...args) => {
        const counts = listening;
        const heads = await streamHeads(...args);
        if (counts) baselineTaken = true;
        return heads;
      });
      const hints: number[] = [];
      const stop = client.subscribe<Record<string, { latestSeq: number }>>(
        { query: STREAM_DOCUMENTS.products },
        {
          next: (value) => value.data && hints.push(Object.values(value.data)[0]!.latestSeq),
          error: () => undefined,
          complete: () => undefined,
        },
      );
      try {
        await vi.waitFor(() => expect(hints.length).toBeGreaterThan(0), { timeout: 5_000 });
        listening = true;
        await vi.waitFor(() => expect(baselineTaken).toBe(true), { timeout: 5_000, interval: 20 });
        const before = hints.length;
        const changedAt = Date.now();
        await gql(
          a,
          'mutation { upsertProducts(input: [{ id: "p-1", sku: "S1", name: "One", priceMinor: 100, currency: "EUR", taxRateBps: 0 }]) { id } }',
        );
        await vi.waitFor(() => expect(hints.length).toBeGreaterThan(before), {
          timeout: 1_000,
          interval: 20,
        });
        expect(Date.now() - changedAt).toBeLessThan(1_000);
        expect(hints.at(-1)).toBeGreaterThan(0);
      } finally {
        reads.mockRestore();
        stop();
        await client.dispose();
      }
    });

    it('closes the sockets a terminal holds on B within a poll interval of its revocation through A', async () => {
      const [a, b] = instances.map((i) => i.server) as [PosServer, PosServer];
      const spare = (
        await gql(
          a,
          'mutation { registerTerminal(input: { branchId: "b-1", name: "Spare" }) { terminalId token } }',
        )
      ).data.registerTerminal as { terminalId: string; token: string };
      const closes: number[] = [];
      let hints = 0;
      const client = createClient({
        url: b.wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: { headers: { Authorization: `Bearer ${spare.token}` } },
        retryAttempts: 0,
        on: { closed: (event) => closes.push((event as { code: number }).code) },
      });
      const stop = client.subscribe(
        { query: STREAM_DOCUMENTS.sales },
        { next: () => (hints += 1), error: () => undefined, complete: () => undefined },
      );
      try {
        await vi.waitFor(() => expect(hints).toBeGreaterThan(0), { timeout: 5_000 });
        const revokedAt = Date.now();
        await gql(a, 'mutation ($id: String!) { revokeTerminal(terminalId: $id) { revokedAt } }', {
          id: spare.terminalId,
        });
        // Poll interval 200 ms: one recheck after the revoke, with room for a slow stand-in.
        await vi.waitFor(() => expect(closes).toEqual([4401]), { timeout: 2_000, interval: 20 });
        expect(Date.now() - revokedAt).toBeLessThan(2_000);
      } finally {
        stop();
        await client.dispose();
      }
    });

    it('gives sales pushed through A and B for one branch unique invoice numbers', async () => {
      const pushes = Array.from({ length: 20 }, (_, i) => {
        const terminal = terminals[i % 2]!;
        const server = instances[Math.floor(i / 2) % 2]!.server;
        const rows = Array.from({ length: 5 }, (_, k) => ({
          newDocumentState: {
            ...makeSale({
              terminalId: terminal.terminalId,
              branchId: 'b-1',
              posId: 'pos-1',
              localEventId: Math.floor(i / 2) * 5 + k + 1,
            }),
            _deleted: false,
          },
        }));
        return gql(server, PUSH_DOCUMENTS.sales, { rows }, terminal.token);
      });
      const answers = await Promise.all(pushes);
      expect(answers.flatMap((a) => a.errors ?? [])).toEqual([]);
      const sales = [];
      let after: string | null = null;
      for (;;) {
        const page = await instances[1]!.store.querySales('default', {}, { first: 50, after });
        sales.push(...page.edges.map((e) => e.node));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      expect(sales.map((s) => s.invoiceNo).sort((x, y) => x! - y!)).toEqual(
        Array.from({ length: 100 }, (_, i) => i + 1),
      );
    });
  });
}
