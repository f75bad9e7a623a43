import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { PULL_DOCUMENTS, PUSH_DOCUMENTS, STREAM_DOCUMENTS } from '../replication/index.ts';
import { makeSale } from '../schema/index.ts';
import type { TestServer } from './test-fixtures.ts';
import { removeDataDir, startTestServer } from './test-fixtures.ts';

type Hint = { latestSeq: number };

/** Subscribes over graphql-ws with the token in the connection params, as RxDB's includeWsHeaders does. */
function subscribe(url: string, token: string, query: string) {
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: { headers: { Authorization: `Bearer ${token}` } },
  });
  const hints: Hint[] = [];
  const errors: unknown[] = [];
  const waiters: (() => void)[] = [];
  const stop = client.subscribe<Record<string, Hint>>(
    { query },
    {
      next: (value) => {
        if (value.errors) errors.push(...value.errors);
        if (value.data) hints.push(Object.values(value.data)[0]!);
        waiters.splice(0).forEach((w) => w());
      },
      error: (error) => {
        errors.push(error);
        waiters.splice(0).forEach((w) => w());
      },
      complete: () => undefined,
    },
  );
  const waitFor = async (count: number) => {
    const deadline = Date.now() + 5_000;
    while (hints.length < count && errors.length === 0 && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  };
  return { hints, errors, waitFor, close: async () => (stop(), await client.dispose()) };
}

describe('stream subscriptions over graphql-ws, admin queries and restarts', () => {
  let t: TestServer;
  let terminal: { terminalId: string; token: string };
  beforeAll(async () => {
    t = await startTestServer();
    await t.gql(
      'mutation { createBranch(input: { id: "b-1", name: "One", currency: "EUR" }) { id } }',
    );
    terminal = (
      await t.gql(
        'mutation { registerTerminal(input: { branchId: "b-1", name: "Till" }) { terminalId token } }',
      )
    ).data.registerTerminal;
  });
  afterAll(async () => {
    await t.stop();
    removeDataDir(t.dataDir);
  });

  it('wakes a subscribed terminal when products change, with the new stream head', async () => {
    const sub = subscribe(t.server.wsUrl, terminal.token, STREAM_DOCUMENTS.products);
    await sub.waitFor(1);
    expect(sub.errors).toEqual([]);
    const start = sub.hints[0]!.latestSeq;
    await t.gql(
      'mutation { upsertProducts(input: [{ id: "p-1", sku: "S1", name: "One", priceMinor: 100, currency: "EUR", taxRateBps: 0 }]) { id } }',
    );
    await sub.waitFor(2);
    expect(sub.hints.at(-1)!.latestSeq).toBeGreaterThan(start);
    await sub.close();
  });

  it('wakes the branch sales stream on a push and counts open subscriptions', async () => {
    const sub = subscribe(t.server.wsUrl, terminal.token, STREAM_DOCUMENTS.sales);
    await sub.waitFor(1);
    const metrics = await (await fetch(t.server.url.replace(/graphql$/, 'metrics'))).text();
    expect(metrics).toMatch(/pos_open_subscriptions\{stream="sales"\} 1/);
    const sale = {
      ...makeSale({ terminalId: terminal.terminalId, branchId: 'b-1' }),
      _deleted: false,
    };
    await t.gql(PUSH_DOCUMENTS.sales, { rows: [{ newDocumentState: sale }] }, terminal.token);
    await sub.waitFor(2);
    expect(sub.hints.length).toBeGreaterThanOrEqual(2);
    await sub.close();
  });

  it('closes a connection without a valid token at connection_init (4401), before any operation', async () => {
    const sub = subscribe(t.server.wsUrl, 'pos_t_nope', STREAM_DOCUMENTS.inventory);
    await sub.waitFor(1);
    expect(sub.hints).toEqual([]);
    expect((sub.errors[0] as { code?: number }).code).toBe(4401);
    await sub.close();
  });

  it('pages admin queries with cursors and shows terminal status', async () => {
    const rows = Array.from({ length: 5 }, (_, i) => ({
      newDocumentState: {
        ...makeSale({
          terminalId: terminal.terminalId,
          branchId: 'b-1',
          posId: 'pos-p',
          localEventId: i + 1,
        }),
        _deleted: false,
      },
    }));
    await t.gql(PUSH_DOCUMENTS.sales, { rows }, terminal.token);
    const query =
      'query ($after: String) { sales(branchId: "b-1", first: 2, after: $after) { totalCount edges { node { id invoiceNo terminalId branchId totals { totalMinor } } } pageInfo { endCursor hasNextPage } } }';
    const seen: number[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const answer = await t.gql(query, { after });
      const connection = answer.data.sales;
      expect(connection.totalCount).toBe(6);
      seen.push(...connection.edges.map((e: any) => e.node.invoiceNo));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(6);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);

    await t.gql(PULL_DOCUMENTS.products, { limit: 10, queueDepth: 4 }, terminal.token);
    const status = await t.gql(
      '{ terminals(branchId: "b-1") { id lastPullAt queueDepth stale streams { stream checkpoint lag } gaps { posId gaps { from to } } } }',
    );
    expect(status.errors).toBeUndefined();
    expect(status.data.terminals[0]).toMatchObject({
      id: terminal.terminalId,
      queueDepth: 4,
      stale: false,
    });
    const audit = await t.gql(
      '{ auditLog(first: 2) { totalCount edges { node { action actor } } pageInfo { hasNextPage } } }',
    );
    expect(audit.data.auditLog.totalCount).toBeGreaterThan(2);
    expect(audit.data.auditLog.pageInfo.hasNextPage).toBe(true);
  });

  it('keeps everything across a restart on the same data dir', async () => {
    const before = await t.gql(PULL_DOCUMENTS.products, { limit: 100 }, terminal.token);
    const salesBefore = (await t.gql('{ sales { totalCount } }')).data.sales.totalCount;
    await t.stop();
    t = await startTestServer({ dataDir: t.dataDir });
    const after = await t.gql(PULL_DOCUMENTS.products, { limit: 100 }, terminal.token);
    expect(after.data).toEqual(before.data);
    expect((await t.gql('{ sales { totalCount } }')).data.sales.totalCount).toBe(salesBefore);
  });
});
