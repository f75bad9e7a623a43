import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPSERT_PRODUCTS, createBranch, dataOf, productInput } from './test-api.ts';
import type { TestServer } from './test-fixtures.ts';
import { removeDataDir, startTestServer } from './test-fixtures.ts';

const AUDIT_LOG = `query ($first: Int, $after: String, $entityType: String, $entityId: String,
    $actor: String, $from: String, $to: String, $offline: Boolean) {
  auditLog(first: $first, after: $after, entityType: $entityType, entityId: $entityId,
      actor: $actor, from: $from, to: $to, offline: $offline) {
    totalCount
    edges { cursor node { id at actor action entityType target offline } }
    pageInfo { endCursor hasNextPage }
  }
}`;

describe('auditLog filters over HTTP', () => {
  let t: TestServer;
  let adminToken: string;
  let adminActor: string;
  beforeAll(async () => {
    t = await startTestServer();
    await createBranch(t.gql, 'b-1');
    const issued = dataOf(
      await t.gql('mutation { createAdminToken(name: "back office") { tokenId token } }'),
    ).createAdminToken;
    adminToken = issued.token;
    adminActor = `admin:${issued.tokenId}`;
    dataOf(await t.gql(UPSERT_PRODUCTS, { input: [productInput(1)] }, adminToken));
    dataOf(await t.gql(UPSERT_PRODUCTS, { input: [productInput(2)] }));
    dataOf(await t.gql(UPSERT_PRODUCTS, { input: [productInput(3)] }, adminToken));
  });
  afterAll(async () => {
    await t.stop();
    removeDataDir(t.dataDir);
  });

  it('answers only the entries of the actor, paged within the filter', async () => {
    const first = dataOf(await t.gql(AUDIT_LOG, { actor: adminActor, first: 1 })).auditLog;
    expect(first.totalCount).toBe(2);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = dataOf(
      await t.gql(AUDIT_LOG, { actor: adminActor, first: 1, after: first.pageInfo.endCursor }),
    ).auditLog;
    expect(second.pageInfo.hasNextPage).toBe(false);
    const nodes = [...first.edges, ...second.edges].map((e: any) => e.node);
    expect(nodes.map((n: any) => [n.actor, n.action, n.entityType, n.offline])).toEqual([
      [adminActor, 'upsert:products', 'product', false],
      [adminActor, 'upsert:products', 'product', false],
    ]);
  });

  it('filters by entity type and id, time range and offline flag', async () => {
    const branch = dataOf(
      await t.gql(AUDIT_LOG, { entityType: 'branch', entityId: 'b-1' }),
    ).auditLog;
    expect(branch.edges.map((e: any) => e.node.action)).toEqual(['createBranch']);
    const all = dataOf(await t.gql(AUDIT_LOG, { first: 100 })).auditLog;
    const last = all.edges.at(-1).node;
    const fromLast = dataOf(await t.gql(AUDIT_LOG, { from: last.at })).auditLog;
    expect(fromLast.edges.map((e: any) => e.node.id)).toEqual(
      all.edges.filter((e: any) => e.node.at >= last.at).map((e: any) => e.node.id),
    );
    expect(dataOf(await t.gql(AUDIT_LOG, { to: all.edges[0].node.at })).auditLog.totalCount).toBe(
      0,
    );
    expect(dataOf(await t.gql(AUDIT_LOG, { offline: true })).auditLog.totalCount).toBe(0);
    expect(dataOf(await t.gql(AUDIT_LOG, { offline: false })).auditLog.totalCount).toBe(
      all.totalCount,
    );
  });

  it('refuses a malformed filter with POS_INPUT_INVALID', async () => {
    for (const variables of [{ from: 'yesterday' }, { actor: '' }, { entityType: 'x\u0000' }]) {
      const answer = await t.gql(AUDIT_LOG, variables);
      expect(answer.errors?.[0]?.extensions?.['code']).toBe('POS_INPUT_INVALID');
    }
  });

  it("scopes a tenant admin to its tenant's entries", async () => {
    dataOf(await t.gql('mutation { createTenant(input: { id: "acme", name: "Acme" }) { id } }'));
    const acme = dataOf(
      await t.gql('mutation { createAdminToken(name: "acme", tenantId: "acme") { token } }'),
    ).createAdminToken.token;
    const answer = dataOf(await t.gql(AUDIT_LOG, { entityId: 'b-1' }, acme)).auditLog;
    expect(answer.totalCount).toBe(0);
  });
});
