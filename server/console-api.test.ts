import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { makeReturn, makeSaleLine } from '../schema/index.ts';
import type { TestTerminal } from './test-api.ts';
import {
  UPSERT_PRODUCTS,
  createBranch,
  dataOf,
  productInput,
  pushSales,
  saleOf,
} from './test-api.ts';
import type { TestServer } from './test-fixtures.ts';
import { ROOT_TOKEN, removeDataDir, startTestServer, until } from './test-fixtures.ts';

const codeOf = (answer: { errors?: { extensions?: Record<string, any> }[] }) =>
  answer.errors?.[0]?.extensions?.['code'];

/**
 * A graphql-ws client of `token`, connecting at once: `connected` resolves when the server acknowledged
 * it (its socket is registered then), `closed` with the code the socket closed with.
 */
function connect(url: string, token: string) {
  let closeCode: number | null = null;
  let onConnected!: () => void;
  let onClosed!: (code: number) => void;
  const connected = new Promise<void>((resolve) => (onConnected = resolve));
  const closed = new Promise<number>((resolve) => (onClosed = resolve));
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: { headers: { Authorization: `Bearer ${token}` } },
    retryAttempts: 0,
    lazy: false,
    // A refused or closed socket is what some tests wait for: `closed` reports it.
    onNonLazyError: () => {},
    on: {
      connected: () => onConnected(),
      closed: (event) => {
        closeCode = (event as { code: number }).code;
        onClosed(closeCode);
      },
    },
  });
  return {
    client,
    connected,
    closed,
    get closeCode() {
      return closeCode;
    },
    /** Answers a query over this socket: it is open and served. */
    async typename(): Promise<unknown> {
      for await (const result of client.iterate({ query: '{ __typename }' })) return result.data;
      return undefined;
    },
    dispose: () => client.dispose(),
  };
}

/** A graphql-ws subscription with its events collected. */
function subscribe(url: string, token: string, query: string, variables = {}) {
  const connection = connect(url, token);
  const events: any[] = [];
  const errors: unknown[] = [];
  let completed = false;
  const stop = connection.client.subscribe(
    { query, variables },
    {
      next: (value) => {
        if (value.errors) errors.push(...value.errors);
        if (value.data) events.push(value.data);
      },
      error: (error) => errors.push(error),
      complete: () => (completed = true),
    },
  );
  return {
    events,
    errors,
    connection,
    get completed() {
      return completed;
    },
    close: async () => (stop(), await connection.dispose()),
  };
}

const ADDED = `subscription ($branchId: String) {
  rejectedEventAdded(branchId: $branchId) { id branchId terminalId code eventId }
}`;

describe('console API: refused sales, sales sums, product list and dry run', () => {
  let t: TestServer;
  let till: TestTerminal;
  beforeAll(async () => {
    t = await startTestServer();
    await createBranch(t.gql, 'b-1');
    const registered = dataOf(
      await t.gql(
        'mutation { registerTerminal(input: { branchId: "b-1", name: "Till" }) { terminalId token } }',
      ),
    ).registerTerminal;
    till = { ...registered, branchId: 'b-1' };
    dataOf(await t.gql(UPSERT_PRODUCTS, { input: [productInput(1), productInput(2)] }));
  });
  afterAll(async () => {
    await t.stop();
    removeDataDir(t.dataDir);
  });

  it('delivers a newly refused sale to an admin subscription, and only new ones', async () => {
    const good = saleOf(till, 'pos-1', 1);
    await pushSales(t.gql, till, [good]);
    // Refused (same key, other content) before the subscription is sent: never delivered.
    const early = saleOf(till, 'pos-1', 1, { lines: [makeSaleLine({ quantity: 9 })] });
    await pushSales(t.gql, till, [early]);
    const feed = subscribe(t.server.wsUrl, ROOT_TOKEN, ADDED, { branchId: 'b-1' });
    try {
      // The feed starts at the end of the list at some moment after the subscribe: refused
      // markers are pushed until one is delivered, and from then on every refusal is new to it.
      const wrongTotals = (localEventId: number) => {
        const sale = saleOf(till, 'pos-1', localEventId);
        return { ...sale, totals: { ...sale.totals, totalMinor: sale.totals.totalMinor + 1 } };
      };
      const markers: string[] = [];
      const deadline = Date.now() + 10_000;
      while (feed.events.length === 0) {
        if (Date.now() > deadline) throw new Error('timed out waiting for a marker');
        const marker = wrongTotals(2 + markers.length);
        markers.push(marker.id);
        await pushSales(t.gql, till, [marker]);
        await new Promise((r) => setTimeout(r, 20));
      }
      const bad = wrongTotals(2 + markers.length);
      await pushSales(t.gql, till, [bad]);
      await until(() => feed.events.some((e) => e.rejectedEventAdded.eventId === bad.id), 'event');
      const delivered = feed.events.map((e) => e.rejectedEventAdded.eventId);
      // Exactly the markers filed after the start, in filing order, then the new refusal.
      const from = markers.indexOf(delivered[0]);
      expect(from).toBeGreaterThanOrEqual(0);
      expect(delivered).toEqual([...markers.slice(from), bad.id]);
      expect(delivered).not.toContain(early.id);
      expect(feed.errors).toEqual([]);
    } finally {
      await feed.close();
    }
  });

  it('filters refused sales by code and reviews one next to what the cloud computes and holds', async () => {
    const open = dataOf(
      await t.gql(
        '{ rejectedEvents(code: "POS_SYNC_EVENT_INVALID", first: 10) { totalCount edges { node { id eventId } } } }',
      ),
    ).rejectedEvents;
    expect(open.totalCount).toBeGreaterThan(0);
    const none = dataOf(
      await t.gql('{ rejectedEvents(code: "POS_NOT_FOUND") { totalCount } }'),
    ).rejectedEvents;
    expect(none.totalCount).toBe(0);
    expect(codeOf(await t.gql('{ rejectedEvents(code: "lower") { totalCount } }'))).toBe(
      'POS_INPUT_INVALID',
    );
    const review = async (id: string) =>
      dataOf(
        await t.gql(
          `query ($id: String!) { rejectedEventReview(id: $id) {
            event { id payload }
            computedLines { index taxMinor lineTotalMinor problem }
            computedTotals { subtotalMinor discountMinor taxMinor totalMinor }
            bookedSale { id invoiceNo totals { totalMinor } }
            catalog { productId found priceMinor changedSinceSale }
          } }`,
          { id },
        ),
      ).rejectedEventReview;
    const entries = open.edges.map((e: any) => e.node);
    // The same key as a booked sale (different content): the booked copy is shown.
    const sameKey = await review(entries[0].id);
    expect(sameKey.bookedSale).toMatchObject({ invoiceNo: 1 });
    // Wrong totals: the recomputed totals differ from the pushed ones in totalMinor only.
    const wrong = await review(entries[1].id);
    const pushed = wrong.event.payload.totals;
    expect(wrong.computedTotals).toEqual({ ...pushed, totalMinor: pushed.totalMinor - 1 });
    expect(wrong.bookedSale).toBeNull();
    expect(wrong.computedLines.every((l: any) => l.problem === null)).toBe(true);
    expect(wrong.catalog.every((c: any) => c.productId && typeof c.found === 'boolean')).toBe(true);
    expect(codeOf(await t.gql('{ rejectedEventReview(id: "nope") { event { id } } }'))).toBe(
      'POS_NOT_FOUND',
    );
  });

  it('finds a sale by invoice number and sums sales, returns and settlements apart, net of returns', async () => {
    const byInvoice = dataOf(
      await t.gql(
        '{ sales(branchId: "b-1", invoiceNo: 1) { totalCount edges { node { invoiceNo } } } }',
      ),
    ).sales;
    expect(byInvoice.edges.map((e: any) => e.node.invoiceNo)).toEqual([1]);
    // The one booked sale (invoice 1, the first test's), a return of one of its units, a settlement.
    const sold = saleOf(till, 'pos-1', 1);
    const booked = dataOf(
      await t.gql(
        '{ sales(invoiceNo: 1) { edges { node { id createdAt lines { quantity } totals { subtotalMinor discountMinor taxMinor totalMinor } } } } }',
      ),
    ).sales.edges[0].node;
    const original = { ...sold, id: booked.id, createdAt: booked.createdAt, invoiceNo: 1 };
    const returned = makeReturn(original, [{ line: 0, quantity: 1 }], {
      posId: 'pos-1',
      localEventId: 3,
    });
    dataOf(await t.gql('mutation { upsertCustomers(input: [{ id: "c-1", name: "Ada" }]) { id } }'));
    const settled = {
      ...saleOf(till, 'pos-1', 4),
      kind: 'settlement',
      customerId: 'c-1',
      lines: [],
      totals: { subtotalMinor: 0, discountMinor: 0, taxMinor: 0, totalMinor: 0 },
      payments: [{ method: 'cash', amountMinor: 2_000 }],
      changeMinor: 500,
    };
    expect(await pushSales(t.gql, till, [{ ...returned, _deleted: false }, settled])).toEqual([]);

    const TOTALS = `query ($invoiceNo: Int, $kind: String) {
      salesTotals(branchId: "b-1", invoiceNo: $invoiceNo, kind: $kind) {
        count
        currencies {
          currency
          sales { count subtotalMinor discountMinor taxMinor totalMinor }
          returns { count subtotalMinor discountMinor taxMinor totalMinor }
          settlements { count settledMinor }
          net { subtotalMinor discountMinor taxMinor totalMinor }
        }
      }
    }`;
    const totals = async (variables: { invoiceNo?: number; kind?: string } = {}) =>
      dataOf(await t.gql(TOTALS, variables)).salesTotals;
    const none = { count: 0, subtotalMinor: 0, discountMinor: 0, taxMinor: 0, totalMinor: 0 };
    const less = (a: typeof returned.totals, b: typeof returned.totals) => ({
      subtotalMinor: a.subtotalMinor - b.subtotalMinor,
      discountMinor: a.discountMinor - b.discountMinor,
      taxMinor: a.taxMinor - b.taxMinor,
      totalMinor: a.totalMinor - b.totalMinor,
    });
    expect(booked.totals).toEqual(sold.totals);
    expect(await totals()).toEqual({
      count: 3,
      currencies: [
        {
          currency: 'EUR',
          sales: { count: 1, ...sold.totals },
          returns: { count: 1, ...returned.totals },
          settlements: { count: 1, settledMinor: 1_500 },
          net: less(sold.totals, returned.totals),
        },
      ],
    });
    // The filter of `sales` narrows the sums alike: the return's invoice number, one kind.
    expect(await totals({ invoiceNo: 2 })).toEqual({
      count: 1,
      currencies: [
        {
          currency: 'EUR',
          sales: none,
          returns: { count: 1, ...returned.totals },
          settlements: { count: 0, settledMinor: 0 },
          net: less(none, returned.totals),
        },
      ],
    });
    expect(await totals({ kind: 'settlement' })).toMatchObject({
      count: 1,
      currencies: [{ sales: none, returns: none, settlements: { count: 1, settledMinor: 1_500 } }],
    });
    expect(codeOf(await t.gql('{ salesTotals(kind: "refund") { count } }'))).toBe(
      'POS_INPUT_INVALID',
    );
  });

  it('lists products with a search and dry-runs an import without storing it', async () => {
    const list = dataOf(
      await t.gql(
        '{ productList(search: "product 2", first: 10) { totalCount edges { node { id } } } }',
      ),
    ).productList;
    expect(list.edges.map((e: any) => e.node.id)).toEqual(['p-000002']);
    const check = 'query ($input: [ProductInput!]!) { checkProducts(input: $input) }';
    expect(dataOf(await t.gql(check, { input: [productInput(3)] })).checkProducts).toBe(1);
    const refused = await t.gql(check, {
      input: [productInput(4), productInput(5, { sku: 'SKU-1' })],
    });
    expect(codeOf(refused)).toBe('POS_INPUT_INVALID');
    expect(refused.errors![0]!.extensions!['rows']).toMatchObject([
      { index: 1, rule: 'duplicate_sku', value: 'SKU-1' },
    ]);
    const total = dataOf(await t.gql('{ productList { totalCount } }')).productList.totalCount;
    expect(total).toBe(2);
  });

  it('caps admin sockets per token: one beyond POS_WS_MAX_PER_TERMINAL is closed with 1013, the others stay open', async () => {
    const cap = t.server.services.config.wsMaxPerTerminal;
    const allowed = Array.from({ length: cap }, () => connect(t.server.wsUrl, ROOT_TOKEN));
    try {
      await Promise.all(allowed.map((a) => a.connected));
      const refused = connect(t.server.wsUrl, ROOT_TOKEN);
      try {
        const answer = await Promise.race([refused.closed, refused.connected.then(() => 'acked')]);
        expect(answer).toBe(1013);
      } finally {
        await refused.dispose();
      }
      for (const a of allowed) {
        expect(await a.typename()).toEqual({ __typename: 'Query' });
        expect(a.closeCode).toBeNull();
      }
    } finally {
      await Promise.all(allowed.map((a) => a.dispose()));
    }
  });

  it('closes the sockets of a revoked tenant token with 4401, and not those of another token', async () => {
    const issue = async (name: string) =>
      dataOf(
        await t.gql(
          'mutation ($name: String!) { createAdminToken(name: $name) { tokenId token } }',
          {
            name,
          },
        ),
      ).createAdminToken;
    const revoked = await issue('console');
    const kept = await issue('other console');
    const feed = subscribe(t.server.wsUrl, revoked.token, ADDED);
    const other = subscribe(t.server.wsUrl, kept.token, ADDED);
    try {
      await Promise.all([feed.connection.connected, other.connection.connected]);
      dataOf(
        await t.gql('mutation ($id: String!) { revokeAdminToken(tokenId: $id) { revokedAt } }', {
          id: revoked.tokenId,
        }),
      );
      expect(await feed.connection.closed).toBe(4401);
      await until(() => feed.errors.length > 0 || feed.completed, 'the revoked feed to end');
      expect(await other.connection.typename()).toEqual({ __typename: 'Query' });
      expect(other.connection.closeCode).toBeNull();
      expect(other.errors).toEqual([]);
    } finally {
      await feed.close();
      await other.close();
    }
  });
});
