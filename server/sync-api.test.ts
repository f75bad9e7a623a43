import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CURRENT_TERMINAL_DOCUMENT,
  PULL_DOCUMENTS,
  PUSH_DOCUMENTS,
  PUSH_ROWS_MAX,
} from '../replication/index.ts';
import type { RxDocumentData, RxJsonSchema } from 'rxdb';
import { hashCRDTOperations, rebuildFromCRDT } from 'rxdb/plugins/crdt';
import { sha256HashFunction } from '../replication/index.ts';
import type { InventoryItem, Sale } from '../schema/index.ts';
import {
  asVersion1Sale,
  createInventoryItem,
  inventoryRxSchema,
  makeSale,
  withSaleV2Defaults,
} from '../schema/index.ts';
import type { TestServer } from './test-fixtures.ts';
import { removeDataDir, startTestServer } from './test-fixtures.ts';

const productInput = (i: number, extra: Record<string, unknown> = {}) => ({
  id: `p-${i}`,
  sku: `SKU-${i}`,
  name: `Product ${i}`,
  priceMinor: 100 + i,
  currency: 'EUR',
  taxRateBps: 700,
  ...extra,
});

const V5_SALE =
  'id terminalId posId localEventId branchId cashierId createdAt currency lines { productId sku name ' +
  'quantity unitPriceMinor discountMinor taxRateBps taxMinor lineTotalMinor } totals { subtotalMinor ' +
  'discountMinor taxMinor totalMinor } payments { method amountMinor } changeMinor invoiceNo ' +
  'ingestedAt syncState lastError { code message } syncAttempts _deleted';

/** The sales push and pull of protocol 5, as terminals of that release send them. */
const PROTOCOL_5_PUSH_SALES = `mutation pushSales($rows: [SalePushRow!]!) { pushSales(rows: $rows) { ${V5_SALE} } }`;
const PROTOCOL_5_PULL_SALES =
  'query pullSales($checkpoint: CheckpointInput, $limit: Int!, $queueDepth: Int) { pullSales(' +
  `checkpoint: $checkpoint, limit: $limit, queueDepth: $queueDepth) { documents { ${V5_SALE} } ` +
  'checkpoint { seq snapshotFloor } } }';

/** A sale as a protocol-5 terminal sends it: without the fields of sales schema version 2. */
const UPSERT = 'mutation ($input: [ProductInput!]!) { upsertProducts(input: $input) { id } }';

describe('sync API over HTTP', () => {
  let t: TestServer;
  let north: { terminalId: string; token: string };
  let south: { terminalId: string; token: string };

  const pull = (
    stream: keyof typeof PULL_DOCUMENTS,
    token: string,
    seq: number | null,
    limit = 50,
  ) => t.gql(PULL_DOCUMENTS[stream], { checkpoint: seq === null ? null : { seq }, limit }, token);

  const pullAll = async (token: string) => {
    const docs: any[] = [];
    let seq = 0;
    for (;;) {
      const answer = await pull('products', token, seq, 7);
      const page = answer.data.pullProducts;
      if (page.documents.length === 0) return { docs, seq };
      expect(page.checkpoint.seq).toBeGreaterThan(seq);
      docs.push(...page.documents);
      seq = page.checkpoint.seq;
    }
  };

  const sale = (
    terminalId: string,
    branchId: string,
    localEventId: number,
    extra: Partial<Sale> = {},
  ) => ({
    ...makeSale({ terminalId, branchId, posId: 'pos-a', localEventId, ...extra }),
    _deleted: false,
  });

  const push = (token: string, sales: object[]) =>
    t.gql(PUSH_DOCUMENTS.sales, { rows: sales.map((s) => ({ newDocumentState: s })) }, token);

  beforeAll(async () => {
    t = await startTestServer({ config: { rateLimitPerSecond: 1000, rateLimitBurst: 1000 } });
    for (const id of ['b-north', 'b-south']) {
      await t.gql(
        'mutation ($id: String!) { createBranch(input: { id: $id, name: $id, currency: "EUR" }) { id } }',
        { id },
      );
    }
    const register = async (branchId: string) =>
      (
        await t.gql(
          'mutation ($b: String!) { registerTerminal(input: { branchId: $b, name: "Till" }) { terminalId token } }',
          { b: branchId },
        )
      ).data.registerTerminal;
    north = await register('b-north');
    south = await register('b-south');
  });
  afterAll(async () => {
    await t.stop();
    removeDataDir(t.dataDir);
  });

  it('pulls the catalog by checkpoint in batches, never skipping or repeating', async () => {
    const input = Array.from({ length: 30 }, (_, i) => productInput(i));
    expect((await t.gql(UPSERT, { input })).errors).toBeUndefined();
    const { docs } = await pullAll(north.token);
    expect(docs.map((d) => d.id).sort()).toEqual(input.map((p) => p.id).sort());
  });

  it('projects branch prices and sends a tombstone when a product leaves the assortment', async () => {
    await t.gql(UPSERT, {
      input: [productInput(100, { branchPrices: [{ branchId: 'b-south', priceMinor: 999 }] })],
    });
    const before = await pull('products', south.token, 0, 5000);
    const southView = before.data.pullProducts.documents.find((d: any) => d.id === 'p-100');
    expect(southView).toMatchObject({ priceMinor: 999, _deleted: false });
    const northView = (await pull('products', north.token, 0, 5000)).data.pullProducts.documents;
    expect(northView.find((d: any) => d.id === 'p-100')).toMatchObject({ priceMinor: 200 });

    const seq = before.data.pullProducts.checkpoint.seq;
    await t.gql(UPSERT, { input: [productInput(100, { branchIds: ['b-north'] })] });
    const after = (await pull('products', south.token, seq)).data.pullProducts.documents;
    expect(after).toEqual([expect.objectContaining({ id: 'p-100', _deleted: true })]);
  });

  it('delivers deletions as tombstones', async () => {
    const { seq } = await pullAll(north.token);
    await t.gql('mutation { deleteProducts(ids: ["p-1"]) }');
    const page = (await pull('products', north.token, seq)).data.pullProducts;
    expect(page.documents).toEqual([expect.objectContaining({ id: 'p-1', _deleted: true })]);
  });

  it('ingests a sale once, answers a duplicate with the booked copy and pulls it back', async () => {
    const s = sale(north.terminalId, 'b-north', 1);
    const first = await push(north.token, [s]);
    expect(first.errors).toBeUndefined();
    expect(first.data.pushSales).toEqual([]);
    const again = await push(north.token, [s]);
    expect(again.data.pushSales).toEqual([
      expect.objectContaining({ id: s.id, invoiceNo: expect.any(Number), syncState: 'synced' }),
    ]);
    const pulled = (await pull('sales', north.token, null)).data.pullSales.documents;
    expect(pulled.filter((d: any) => d.id === s.id)).toHaveLength(1);
    const booked = await t.gql('{ sales(branchId: "b-north") { totalCount } }');
    expect(booked.data.sales.totalCount).toBe(1);
  });

  it('refuses the same key with different content and an invalid sale, as needs_attention conflicts', async () => {
    const original = sale(north.terminalId, 'b-north', 2);
    await push(north.token, [original]);
    const changed = sale(north.terminalId, 'b-north', 2, { cashierId: 'someone-else' });
    const invalidBase = sale(north.terminalId, 'b-north', 3);
    const invalid = { ...invalidBase, totals: { ...invalidBase.totals, totalMinor: 1 } };
    const answer = await push(north.token, [changed, invalid]);
    expect(answer.errors).toBeUndefined();
    const conflicts = answer.data.pushSales;
    expect(conflicts).toHaveLength(2);
    for (const c of conflicts) {
      expect(c).toMatchObject({
        syncState: 'needs_attention',
        lastError: { code: 'POS_SYNC_EVENT_INVALID' },
      });
    }
    const dead = await t.gql(
      '{ rejectedEvents(branchId: "b-north") { totalCount edges { node { code eventKey } } } }',
    );
    expect(dead.data.rejectedEvents.totalCount).toBe(2);
  });

  it('answers sales failing the shape check as needs_attention, so the terminal stops pushing them', async () => {
    const base = sale(north.terminalId, 'b-north', 20);
    const line = base.lines[0]!;
    const refused = [
      { ...base, lines: [{ ...line, quantity: 0 }] },
      { ...sale(north.terminalId, 'b-north', 21), id: '9b2f6c1e-4f1a-4c3b-8d2e-1a2b3c4d5e6f' },
      { ...sale(north.terminalId, 'b-north', 22), localEventId: 0 },
      { ...sale(north.terminalId, 'b-north', 23), createdAt: 'yesterday' },
      // Values the Sale type's Int fields cannot carry: the answer must still serialise.
      {
        ...sale(north.terminalId, 'b-north', 24),
        lines: [{ ...line, taxRateBps: 2 ** 40 }],
        syncAttempts: 2 ** 40,
      },
    ];
    const answer = await push(north.token, refused);
    expect(answer.errors).toBeUndefined();
    expect(answer.data.pushSales.map((c: any) => c.id)).toEqual(refused.map((r) => r.id));
    for (const c of answer.data.pushSales) {
      expect(c).toMatchObject({
        invoiceNo: null,
        syncState: 'needs_attention',
        lastError: { code: 'POS_SYNC_EVENT_INVALID' },
      });
    }
  });

  it('refuses a sale claiming another branch or terminal than the token', async () => {
    const foreignBranch = sale(north.terminalId, 'b-south', 10);
    const foreignTerminal = sale(south.terminalId, 'b-north', 11);
    const answer = await push(north.token, [foreignBranch, foreignTerminal]);
    expect(answer.data.pushSales.every((c: any) => c.syncState === 'needs_attention')).toBe(true);
    const southSales = await t.gql('{ sales(branchId: "b-south") { totalCount } }');
    expect(southSales.data.sales.totalCount).toBe(0);
    const pulledBySouth = (await pull('sales', south.token, null)).data.pullSales.documents;
    expect(pulledBySouth).toEqual([]);
  });

  it('serves a protocol-5 terminal: its sale without version-2 fields is a plain sale, and stays one key', async () => {
    const v1 = asVersion1Sale(sale(south.terminalId, 'b-south', 50));
    expect(v1).not.toHaveProperty('kind');
    const first = await t.gql(
      PROTOCOL_5_PUSH_SALES,
      { rows: [{ newDocumentState: v1 }] },
      south.token,
    );
    expect(first.errors).toBeUndefined();
    expect(first.data.pushSales).toEqual([]);
    const old = await t.gql(PROTOCOL_5_PULL_SALES, { checkpoint: null, limit: 500 }, south.token);
    expect(old.data.pullSales.documents.find((d: any) => d.id === v1.id)).toMatchObject({
      invoiceNo: expect.any(Number),
      syncState: 'synced',
    });
    // The same sale, migrated on an upgraded terminal and delivered again: a duplicate, not a refusal.
    const again = await push(south.token, [withSaleV2Defaults(v1)]);
    expect(again.data.pushSales).toEqual([
      expect.objectContaining({ id: v1.id, syncState: 'synced', kind: 'sale', offline: false }),
    ]);
  });

  /**
   * An inventory row as the crdt plugin builds it: the creation, then one row per operation body. Its
   * creators are the branch's (each terminal writes under its own).
   */
  const inventoryRow = async (branchId: string, productId: string, bodies: object[] = []) => {
    const crdts = {
      operations: [
        [
          {
            body: [{ ifMatch: { $set: createInventoryItem(branchId, productId) } }],
            creator: `c-${branchId}`,
            time: 1,
          },
        ],
        ...bodies.map((ifMatch, i) => [
          { body: [{ ifMatch }], creator: `t${i}-${branchId}`, time: 2 },
        ]),
      ],
      hash: '',
    };
    crdts.hash = await hashCRDTOperations(sha256HashFunction, crdts);
    const schema = inventoryRxSchema as RxJsonSchema<RxDocumentData<InventoryItem>>;
    return rebuildFromCRDT(schema, {} as RxDocumentData<InventoryItem>, crdts as never) as any;
  };
  const pushInventory = (token: string, rows: object[]) =>
    t.gql(
      PUSH_DOCUMENTS.inventory,
      { rows: rows.map((newDocumentState) => ({ newDocumentState })) },
      token,
    );

  it('refuses inventory rows of another branch alone and changes nothing of them', async () => {
    const foreign = await inventoryRow('b-south', 'p-1');
    const own = await inventoryRow('b-north', 'p-1');
    const answer = await pushInventory(north.token, [foreign, own]);
    expect(answer.errors).toBeUndefined();
    expect(answer.data.pushInventory).toMatchObject([
      { id: 'b-south:p-1', refusal: { code: 'POS_FORBIDDEN' } },
    ]);
    const inv = (await pull('inventory', south.token, null)).data.pullInventory.documents;
    expect(inv).toEqual([]);
  });

  it("refuses a north operation rewriting south's row, and south's inventory keeps syncing", async () => {
    const southRow = await inventoryRow('b-south', 'p-2', [{ $inc: { onHand: 5 } }]);
    expect((await pushInventory(south.token, [southRow])).data.pushInventory).toEqual([]);
    expect((await pushInventory(north.token, [await inventoryRow('b-north', 'p-2')])).errors).toBe(
      undefined,
    );
    const forged = await inventoryRow('b-north', 'p-2', [
      { $set: { id: 'b-south:p-2', branchId: 'b-south', onHand: 999_999 } },
    ]);
    const answer = await pushInventory(north.token, [
      { ...forged, id: 'b-north:p-2', branchId: 'b-north' },
      // The row's own fields pass the input types; only its log carries the bad operation.
      { ...(await inventoryRow('b-north', 'p-3', [{ $set: { onHand: 'lots' } }])), onHand: 0 },
      await inventoryRow('b-north', 'p-4', [{ $inc: { onHand: 2 } }]),
    ]);
    expect(answer.errors).toBeUndefined();
    expect(answer.data.pushInventory).toMatchObject([
      { id: 'b-north:p-2', refusal: { code: 'POS_FORBIDDEN' } },
      { id: 'b-north:p-3', refusal: { code: 'POS_SYNC_EVENT_INVALID' } },
    ]);
    const southPull = await pull('inventory', south.token, null);
    expect(southPull.errors).toBeUndefined();
    const southDocs = southPull.data.pullInventory.documents;
    expect(southDocs.find((d: any) => d.id === 'b-south:p-2')).toMatchObject({ onHand: 5 });
    for (let i = 0; i < 3; i++) {
      const more = await pushInventory(south.token, [await inventoryRow('b-south', `p-${20 + i}`)]);
      expect(more.errors).toBeUndefined();
      expect(more.data.pushInventory).toEqual([]);
    }
    const northPull = await pull('inventory', north.token, null);
    expect(northPull.errors).toBeUndefined();
    expect(northPull.data.pullInventory.documents.map((d: any) => [d.id, d.onHand]).sort()).toEqual(
      [
        ['b-north:p-1', 0],
        ['b-north:p-2', 0],
        ['b-north:p-4', 2],
      ],
    );
    const repairs = await t.gql(
      'mutation { repairInventory(branchId: "b-north", dryRun: true) { id action repaired } }',
    );
    expect(repairs).toMatchObject({ data: { repairInventory: [] } });
    const asTerminal = await t.gql(
      'mutation { repairInventory(branchId: "b-north", dryRun: true) { id } }',
      {},
      north.token,
    );
    expect(asTerminal.errors?.[0]?.extensions?.code).toBe('POS_FORBIDDEN');
  });

  it("states the calling terminal's scope with currentTerminal, for terminal tokens only", async () => {
    const own = await t.gql(CURRENT_TERMINAL_DOCUMENT, {}, south.token);
    expect(own.errors).toBeUndefined();
    expect(own.data.currentTerminal).toEqual({
      terminalId: south.terminalId,
      tenantId: 'default',
      branchId: 'b-south',
      name: 'Till',
      currency: 'EUR',
    });
    const asAdmin = await t.gql(CURRENT_TERMINAL_DOCUMENT, {});
    expect(asAdmin.errors?.[0]?.extensions?.code).toBe('POS_FORBIDDEN');
    const anonymous = await t.gql(CURRENT_TERMINAL_DOCUMENT, {}, 'pos_t_not-a-token');
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('POS_SYNC_UNAUTHORIZED');
    const moved = (
      await t.gql(
        'mutation ($id: String!) { reassignTerminal(terminalId: $id, branchId: "b-north") { token } }',
        { id: south.terminalId },
      )
    ).data.reassignTerminal;
    const after = await t.gql(CURRENT_TERMINAL_DOCUMENT, {}, moved.token);
    expect(after.data.currentTerminal).toMatchObject({
      terminalId: south.terminalId,
      branchId: 'b-north',
    });
    const old = await t.gql(CURRENT_TERMINAL_DOCUMENT, {}, south.token);
    expect(old.errors?.[0]?.extensions?.code).toMatch(/^POS_(SYNC_UNAUTHORIZED|TERMINAL_REVOKED)$/);
    // Put the terminal back for the other tests.
    south = (
      await t.gql(
        'mutation ($id: String!) { reassignTerminal(terminalId: $id, branchId: "b-south") { terminalId token } }',
        { id: south.terminalId },
      )
    ).data.reassignTerminal;
  });

  it('answers POS_SYNC_UNAUTHORIZED without a valid token and POS_TERMINAL_REVOKED after revocation', async () => {
    const missing = await pull('products', null as never, null);
    expect(missing.status).toBe(401);
    expect(missing.errors?.[0]?.extensions?.code).toBe('POS_SYNC_UNAUTHORIZED');
    const wrong = await pull('products', 'pos_t_not-a-token', null);
    expect(wrong.errors?.[0]?.extensions?.code).toBe('POS_SYNC_UNAUTHORIZED');
    const adminAsTerminal = await pull('products', north.token.replace(/.$/, 'x'), null);
    expect(adminAsTerminal.errors?.[0]?.extensions?.code).toBe('POS_SYNC_UNAUTHORIZED');
    const terminalAsAdmin = await t.gql('{ branches { id } }', {}, north.token);
    expect(terminalAsAdmin.errors?.[0]?.extensions?.code).toBe('POS_FORBIDDEN');

    const extra = (
      await t.gql(
        'mutation { registerTerminal(input: { branchId: "b-north", name: "Spare" }) { terminalId token } }',
      )
    ).data.registerTerminal;
    expect((await pull('products', extra.token, null)).errors).toBeUndefined();
    await t.gql('mutation ($id: String!) { revokeTerminal(terminalId: $id) { revokedAt } }', {
      id: extra.terminalId,
    });
    const revoked = await pull('products', extra.token, null);
    expect(revoked.errors?.[0]?.extensions?.code).toBe('POS_TERMINAL_REVOKED');
  });

  it('refuses oversized inputs with POS_INPUT_INVALID and stores nothing', async () => {
    const rows = Array.from({ length: PUSH_ROWS_MAX + 1 }, (_, i) =>
      sale(north.terminalId, 'b-north', 1000 + i),
    );
    const tooMany = await push(north.token, rows);
    expect(tooMany.errors?.[0]?.extensions?.code).toBe('POS_INPUT_INVALID');
    const bigLimit = await pull('products', north.token, null, 1_000_000);
    expect(bigLimit.errors?.[0]?.extensions?.code).toBe('POS_INPUT_INVALID');
    const tooManyProducts = await t.gql(UPSERT, {
      input: Array.from({ length: 5001 }, (_, i) => productInput(10_000 + i)),
    });
    expect(tooManyProducts.errors?.[0]?.extensions?.code).toBe('POS_INPUT_INVALID');
    const booked = await t.gql('{ sales(branchId: "b-north") { totalCount } }');
    expect(booked.data.sales.totalCount).toBe(2);
  });

  it('refuses a body above the limit, too many aliases and, on a strict server, deep queries', async () => {
    const body = await fetch(t.server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }', padding: 'x'.repeat(9 * 1024 * 1024) }),
    });
    expect(body.status).toBe(413);
    expect(((await body.json()) as any).errors[0].extensions.code).toBe('POS_INPUT_INVALID');

    const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: __typename`).join(' ');
    const aliased = await t.gql(`{ ${aliases} }`);
    expect(aliased.errors?.[0]?.extensions?.code).toBe('POS_INPUT_INVALID');

    const strict = await startTestServer({ config: { maxQueryDepth: 4, introspection: true } });
    try {
      const shallow = await strict.gql('{ sales { edges { node { id } } } }');
      expect(shallow.errors).toBeUndefined();
      const viaFragment = await strict.gql(
        '{ sales { edges { node { ...F } } } } fragment F on Sale { totals { totalMinor } }',
      );
      expect(viaFragment.errors?.[0]?.extensions?.code).toBe('POS_INPUT_INVALID');
      const introspection = await strict.gql(
        '{ __schema { types { fields { type { ofType { ofType { name } } } } } } }',
      );
      expect(introspection.errors).toBeUndefined();
    } finally {
      await strict.stop();
      removeDataDir(strict.dataDir);
    }
  });
});
