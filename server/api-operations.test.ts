import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  RECONCILE_BUCKET_COUNT,
  RECONCILE_CATALOG_DOCUMENT,
  CATALOG_BY_IDS_DOCUMENTS,
  PULL_DOCUMENTS,
  chunkBuckets,
  computeBucketDigests,
  contentHash,
  diffManifests,
  manifestOfBuckets,
} from '../replication/index.ts';
import type { ManifestEntry } from '../replication/index.ts';
import type { TestServer } from './test-fixtures.ts';
import { removeDataDir, startTestServer } from './test-fixtures.ts';
import type { TestTerminal } from './test-api.ts';
import {
  UPSERT_PRODUCTS,
  createBranch,
  dataOf,
  productInput,
  pullAll,
  pullPage,
  pushSales,
  registerTerminal,
  saleOf,
} from './test-api.ts';

let t: TestServer;
let till: TestTerminal;

beforeEach(async () => {
  t = await startTestServer({ config: { rateLimitPerSecond: 10_000, rateLimitBurst: 10_000 } });
  await createBranch(t.gql, 'b-1');
  await createBranch(t.gql, 'b-2');
  till = await registerTerminal(t.gql, 'b-1');
});
afterEach(async () => {
  await t.stop();
  removeDataDir(t.dataDir);
});

const codeOf = (answer: { errors?: { extensions?: Record<string, any> }[] }) =>
  answer.errors?.[0]?.extensions?.['code'];

describe('retention over HTTP', () => {
  it('answers POS_CATALOG_RESNAPSHOT_REQUIRED to a checkpoint from before pruned tombstones, and serves the snapshot', async () => {
    dataOf(await t.gql(UPSERT_PRODUCTS, { input: [1, 2, 3].map((i) => productInput(i)) }));
    const early = await pullPage(t.gql, 'products', till.token, 0, 1);
    dataOf(await t.gql('mutation { deleteProducts(ids: ["p-000002"]) }'));
    const upToDate = await pullAll(t.gql, 'products', till.token);
    const report = await t.store.prune({ olderThanMs: 0 });
    expect(report.tombstones).toBe(1);

    const stale = await t.gql(
      PULL_DOCUMENTS.products,
      { checkpoint: early.checkpoint, limit: 10 },
      till.token,
    );
    expect(stale.data).toBeNull();
    expect(codeOf(stale)).toBe('POS_CATALOG_RESNAPSHOT_REQUIRED');
    expect(stale.status).toBe(410);
    // A terminal that had pulled the tombstone continues; a snapshot from scratch is always served.
    expect((await pullPage(t.gql, 'products', till.token, upToDate.seq, 10)).documents).toEqual([]);
    const snapshot = await pullAll(t.gql, 'products', till.token);
    expect([...snapshot.docs.keys()].sort()).toEqual(['p-000001', 'p-000003']);
  });
});

describe('reconcileCatalog over HTTP', () => {
  const reconcile = (variables: Record<string, unknown>) =>
    t.gql(
      RECONCILE_CATALOG_DOCUMENT,
      { stream: 'PRODUCTS', bucketCount: RECONCILE_BUCKET_COUNT, ...variables },
      till.token,
    );
  const manifestOf = (docs: Iterable<any>): ManifestEntry[] =>
    [...docs].filter((d) => !d._deleted).map((d) => ({ id: d.id, hash: contentHash(d) }));

  it('finds missing, stale and extra products in two rounds against real digests, and converges', async () => {
    const input = Array.from({ length: 300 }, (_, i) => productInput(i));
    input[10] = productInput(10, { branchPrices: [{ branchId: 'b-1', priceMinor: 55 }] });
    input[11] = productInput(11, { branchIds: ['b-2'] });
    dataOf(await t.gql(UPSERT_PRODUCTS, { input }));
    const local = new Map((await pullAll(t.gql, 'products', till.token)).docs);
    for (const [id, doc] of local) if (doc._deleted) local.delete(id);
    expect(local.size).toBe(299);
    expect(local.get('p-000010')?.priceMinor).toBe(55);

    // Drift: one lost, one edited, one the cloud does not carry for this branch.
    local.delete('p-000020');
    local.set('p-000021', { ...local.get('p-000021'), name: 'edited locally' });
    local.set('p-000011', { ...productInput(11), barcode: '', categoryId: '', active: true });

    const round1 = dataOf(
      await reconcile({ digests: computeBucketDigests(manifestOf(local.values())) }),
    ).reconcileCatalog;
    expect(round1.differingBuckets.length).toBeGreaterThanOrEqual(1);
    expect(round1.differingBuckets.length).toBeLessThanOrEqual(3);
    expect(round1.checkpoint.seq).toBeGreaterThan(0);

    const remote: ManifestEntry[] = [];
    for (const buckets of chunkBuckets(round1.differingBuckets)) {
      const round2 = dataOf(
        await reconcile({ digests: [], manifestBuckets: buckets }),
      ).reconcileCatalog;
      expect(round2.differingBuckets).toEqual([]);
      remote.push(...round2.manifest);
    }
    const plan = diffManifests(
      manifestOfBuckets(manifestOf(local.values()), round1.differingBuckets),
      remote,
    );
    expect(plan).toEqual({ missing: ['p-000020'], stale: ['p-000021'], extra: ['p-000011'] });

    const fetched = dataOf(
      await t.gql(
        CATALOG_BY_IDS_DOCUMENTS.products,
        { ids: [...plan.missing, ...plan.stale] },
        till.token,
      ),
    ).productsByIds as any[];
    for (const doc of fetched) local.set(doc.id, doc);
    for (const id of plan.extra) local.delete(id);
    const after = dataOf(
      await reconcile({ digests: computeBucketDigests(manifestOf(local.values())) }),
    ).reconcileCatalog;
    expect(after.differingBuckets).toEqual([]);
  });
});

describe('dead letters over HTTP', () => {
  const list = async (status: 'OPEN' | 'RESOLVED') =>
    dataOf(
      await t.gql(
        `{ rejectedEvents(status: ${status}, first: 10) { totalCount edges { node { id code eventKey payload resolution resolutionNote problems { rule } } } } }`,
      ),
    ).rejectedEvents;

  it('lists refused sales with code and payload; accept books one, discard closes one, and the terminal learns both by pullSales', async () => {
    const good = saleOf(till, 'pos-d', 1);
    const badTotals = saleOf(till, 'pos-d', 2);
    badTotals.totals = { ...badTotals.totals, totalMinor: badTotals.totals.totalMinor + 1 };
    // Same idempotency key as `good`, other content: a key conflict.
    const keyClash = saleOf(till, 'pos-d', 1, { cashierId: 'someone-else' });
    const conflicts = await pushSales(t.gql, till, [good, badTotals, keyClash]);
    expect(conflicts.map((c: any) => [c.id, c.syncState])).toEqual([
      [badTotals.id, 'needs_attention'],
      [keyClash.id, 'needs_attention'],
    ]);
    const open = await list('OPEN');
    expect(open.totalCount).toBe(2);
    const byPayload = new Map(open.edges.map((e: any) => [e.node.payload.id, e.node]));
    const totalsEvent = byPayload.get(badTotals.id) as any;
    const clashEvent = byPayload.get(keyClash.id) as any;
    expect(totalsEvent).toMatchObject({ code: 'POS_SYNC_EVENT_INVALID', resolution: null });
    expect(totalsEvent.payload.totals.totalMinor).toBe(badTotals.totals.totalMinor);
    const acks = await pullAll(t.gql, 'sales', till.token);
    expect(acks.docs.get(badTotals.id)).toMatchObject({ syncState: 'needs_attention' });

    const accepted = await t.gql(
      'mutation ($id: String!) { acceptRejectedSale(id: $id, note: "till rounding, checked") { resolution resolutionNote } }',
      { id: totalsEvent.id },
    );
    expect(dataOf(accepted).acceptRejectedSale).toEqual({
      resolution: 'accepted',
      resolutionNote: 'till rounding, checked',
    });
    dataOf(
      await t.gql(
        'mutation ($id: String!) { discardRejectedSale(id: $id, note: "test sale") { resolution } }',
        { id: clashEvent.id },
      ),
    );
    expect((await list('OPEN')).totalCount).toBe(0);
    expect((await list('RESOLVED')).totalCount).toBe(2);

    // The terminal, pulling from the checkpoint it held, learns both decisions.
    const decisions = await pullAll(t.gql, 'sales', till.token, acks.seq);
    expect(decisions.docs.get(badTotals.id)).toMatchObject({
      syncState: 'synced',
      invoiceNo: expect.any(Number),
      lastError: null,
    });
    expect(decisions.docs.get(keyClash.id)).toMatchObject({
      syncState: 'discarded',
      invoiceNo: null,
      lastError: { message: expect.stringContaining('Discarded by an operator: test sale') },
    });
    const booked = dataOf(await t.gql('{ sales(branchId: "b-1") { totalCount } }')).sales;
    expect(booked.totalCount).toBe(2);
  });
});

describe('tenant isolation over HTTP', () => {
  it('a tenant admin token and its terminals see and change nothing of another tenant', async () => {
    dataOf(await t.gql('mutation { createTenant(input: { id: "acme", name: "Acme" }) { id } }'));
    const { token: acmeAdmin } = dataOf(
      await t.gql(
        'mutation { createAdminToken(name: "ops", tenantId: "acme") { token tenantId } }',
      ),
    ).createAdminToken;
    // The same branch and product ids as the default tenant: ids are per tenant.
    await createBranch(t.gql, 'b-1', acmeAdmin);
    const acmeTill = await registerTerminal(t.gql, 'b-1', acmeAdmin);
    dataOf(
      await t.gql(UPSERT_PRODUCTS, { input: [productInput(1, { name: 'Acme thing' })] }, acmeAdmin),
    );
    dataOf(await t.gql(UPSERT_PRODUCTS, { input: [productInput(1), productInput(2)] }));
    expect(await pushSales(t.gql, acmeTill, [saleOf(acmeTill, 'pos-a', 1)])).toEqual([]);
    expect(
      await pushSales(t.gql, till, [saleOf(till, 'pos-d', 1), saleOf(till, 'pos-d', 2)]),
    ).toEqual([]);

    const acmeView = await pullAll(t.gql, 'products', acmeTill.token);
    expect([...acmeView.docs.values()].map((d) => [d.id, d.name])).toEqual([
      ['p-000001', 'Acme thing'],
    ]);
    const defaultView = await pullAll(t.gql, 'products', till.token);
    expect([...defaultView.docs.keys()].sort()).toEqual(['p-000001', 'p-000002']);
    expect((await pullAll(t.gql, 'sales', acmeTill.token)).docs.size).toBe(1);

    const count = async (query: string, token?: string) => dataOf(await t.gql(query, {}, token));
    expect((await count('{ sales { totalCount } }', acmeAdmin)).sales.totalCount).toBe(1);
    expect((await count('{ sales { totalCount } }')).sales.totalCount).toBe(2);
    expect((await count('{ terminals { id } }', acmeAdmin)).terminals).toEqual([
      { id: acmeTill.terminalId },
    ]);
    expect((await count('{ branches { id } }', acmeAdmin)).branches).toEqual([{ id: 'b-1' }]);
    const products = await count('{ products(ids: ["p-000002"]) { id } }', acmeAdmin);
    expect(products.products).toEqual([]);
    const auditCount = async () =>
      (await count('{ auditLog(first: 1) { totalCount } }', acmeAdmin)).auditLog.totalCount;
    const acmeAudit = await auditCount();
    dataOf(await t.gql(UPSERT_PRODUCTS, { input: [productInput(3)] }));
    expect(await auditCount()).toBe(acmeAudit);

    // Naming another tenant, or acting on another tenant's records, is refused or finds nothing.
    const forbidden = [
      '{ sales(tenantId: "default") { totalCount } }',
      'mutation { upsertProducts(tenantId: "default", input: [{ id: "x", sku: "x", name: "x", priceMinor: 1, currency: "EUR", taxRateBps: 0 }]) { id } }',
      'mutation { createTenant(input: { id: "evil", name: "evil" }) { id } }',
      'mutation { createAdminToken(name: "x", tenantId: "default") { token } }',
    ];
    for (const query of forbidden) {
      expect(codeOf(await t.gql(query, {}, acmeAdmin))).toBe('POS_FORBIDDEN');
    }
    const revoke = await t.gql(
      'mutation ($id: String!) { revokeTerminal(terminalId: $id) { id } }',
      { id: till.terminalId },
      acmeAdmin,
    );
    expect(codeOf(revoke)).toBe('POS_NOT_FOUND');
    const deleted = await count('mutation { deleteProducts(ids: ["p-000002"]) }', acmeAdmin);
    expect(deleted.deleteProducts).toEqual([]);
    expect([...(await pullAll(t.gql, 'products', till.token)).docs.keys()].sort()).toEqual([
      'p-000001',
      'p-000002',
      'p-000003',
    ]);
    // A default-tenant terminal pushing a sale that claims the acme till is refused, not booked there.
    const claim = await pushSales(t.gql, till, [saleOf(acmeTill, 'pos-a', 2)]);
    expect(claim).toMatchObject([{ syncState: 'needs_attention' }]);
    expect((await count('{ sales { totalCount } }', acmeAdmin)).sales.totalCount).toBe(1);
  });
});

describe('admin tokens', () => {
  const TOKEN_FIELDS = 'tokenId tenantId name createdAt expiresAt revokedAt';
  const issue = async (tenantId: string, name: string, token?: string, expiresAt?: string) =>
    dataOf(
      await t.gql(
        'mutation ($t: String, $n: String!, $e: String) { createAdminToken(tenantId: $t, name: $n, expiresAt: $e) { tokenId token expiresAt } }',
        { t: tenantId, n: name, e: expiresAt },
        token,
      ),
    ).createAdminToken as { tokenId: string; token: string; expiresAt: string | null };

  it('lists without secrets and revokes: root any tenant, a tenant admin its own tenant only', async () => {
    dataOf(await t.gql('mutation { createTenant(input: { id: "acme", name: "Acme" }) { id } }'));
    const ops = await issue('default', 'ops');
    const acme = await issue('acme', 'acme ops');
    const list = (token?: string, tenantId?: string) =>
      t.gql(
        `query ($t: String) { adminTokens(tenantId: $t) { ${TOKEN_FIELDS} } }`,
        { t: tenantId },
        token,
      );
    const all = dataOf(await list()).adminTokens as { tokenId: string }[];
    expect(all.map((x) => x.tokenId).sort()).toEqual([ops.tokenId, acme.tokenId].sort());
    expect(JSON.stringify(all)).not.toContain(ops.token);
    expect(dataOf(await list(acme.token)).adminTokens).toMatchObject([
      {
        tokenId: acme.tokenId,
        tenantId: 'acme',
        name: 'acme ops',
        expiresAt: null,
        revokedAt: null,
      },
    ]);
    expect(codeOf(await list(acme.token, 'default'))).toBe('POS_FORBIDDEN');
    expect(codeOf(await list(till.token))).toBe('POS_FORBIDDEN');

    const revoke = (tokenId: string, token?: string) =>
      t.gql(
        `mutation ($id: String!) { revokeAdminToken(tokenId: $id) { ${TOKEN_FIELDS} } }`,
        { id: tokenId },
        token,
      );
    expect(codeOf(await revoke(ops.tokenId, acme.token))).toBe('POS_NOT_FOUND');
    // A tenant admin issues for its own tenant; the new token can revoke the old one.
    const second = await issue('acme', 'second', acme.token);
    expect(
      dataOf(await revoke(acme.tokenId, second.token)).revokeAdminToken.revokedAt,
    ).not.toBeNull();
    const refused = await t.gql('{ branches { id } }', {}, acme.token);
    expect(refused.status).toBe(401);
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: 'POS_SYNC_UNAUTHORIZED',
      reason: 'admin_revoked',
    });
    // Root revokes in any tenant without naming it.
    expect(dataOf(await revoke(second.tokenId)).revokeAdminToken.tenantId).toBe('acme');
    expect(codeOf(await t.gql('{ branches { id } }', {}, second.token))).toBe(
      'POS_SYNC_UNAUTHORIZED',
    );
  });

  it('keeps a token issued by an expiring tenant admin within its expiry', async () => {
    const soon = new Date(Date.now() + 3_600_000).toISOString();
    const later = new Date(Date.now() + 7_200_000).toISOString();
    const expiring = await issue('default', 'temp', undefined, soon);
    expect(expiring.expiresAt).toBe(soon);
    const create = (expiresAt?: string) =>
      t.gql(
        'mutation ($e: String) { createAdminToken(name: "x", expiresAt: $e) { tokenId } }',
        { e: expiresAt },
        expiring.token,
      );
    expect(codeOf(await create())).toBe('POS_FORBIDDEN');
    expect(codeOf(await create(later))).toBe('POS_FORBIDDEN');
    expect(codeOf(await create('2000-01-01T00:00:00.000Z'))).toBe('POS_INPUT_INVALID');
    expect(dataOf(await create(soon)).createAdminToken.tokenId).toBeTruthy();
  });
});

describe('/healthz', () => {
  it('answers ok while the store answers and 503 once it does not', async () => {
    const url = t.server.url.replace(/graphql$/, 'healthz');
    const ok = await fetch(url);
    expect([ok.status, await ok.json()]).toEqual([200, { status: 'ok' }]);
    await t.store.close();
    const down = await fetch(url);
    expect([down.status, await down.json()]).toEqual([503, { status: 'unavailable' }]);
  });
});
