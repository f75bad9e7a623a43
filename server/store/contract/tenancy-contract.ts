import { describe, expect, it } from 'vitest';
import { hashToken } from '../token-hash.ts';
import type { ContractContext } from './contract-context.ts';
import { createWorld, expectCode, productInput, saleOf } from './harness.ts';

export function describeTenancyContract(ctx: ContractContext): void {
  describe('tokens and terminals', () => {
    it('resolves terminal tokens by hash, revokes them, and reassigns a terminal with a new token', async () => {
      const { store, world } = ctx;
      expect(await store.verifyTerminalToken(world.t1.token)).toEqual({
        tenantId: world.tenantId,
        branchId: 'b-1',
        terminalId: world.t1.terminalId,
        revoked: false,
      });
      expect(await store.verifyTerminalToken('pos_t_wrong')).toBeNull();
      await store.revokeTerminal(world.tenantId, world.t2.terminalId, 'root');
      expect(await store.verifyTerminalToken(world.t2.token)).toMatchObject({ revoked: true });
      const moved = await store.reassignTerminal(
        world.tenantId,
        world.t1.terminalId,
        'b-2',
        'root',
      );
      expect(moved.terminal.branchId).toBe('b-2');
      expect(await store.verifyTerminalToken(world.t1.token)).toBeNull();
      expect(await store.verifyTerminalToken(moved.token)).toMatchObject({ branchId: 'b-2' });
      await expectCode(
        store.registerTerminal(world.tenantId, { branchId: 'nope', name: 'x' }, 'root'),
        'POS_NOT_FOUND',
      );
    });

    it('refuses to reassign a revoked terminal with POS_TERMINAL_ALREADY_REVOKED, not as if the caller were revoked', async () => {
      const { store, world } = ctx;
      await store.revokeTerminal(world.tenantId, world.t2.terminalId, 'root');
      await expectCode(
        store.reassignTerminal(world.tenantId, world.t2.terminalId, 'b-2', 'root'),
        'POS_TERMINAL_ALREADY_REVOKED',
      );
    });

    it('issues admin tokens per tenant and recognises the root token by its stored hash', async () => {
      const { store, world } = ctx;
      expect(await store.getRootTokenHash()).toBeNull();
      await store.setRootTokenHash(hashToken('root-secret'));
      expect(await store.verifyAdminToken('root-secret')).toEqual({ kind: 'root' });
      const issued = await store.createAdminToken(world.tenantId, 'back office', 'root');
      expect(await store.verifyAdminToken(issued.token)).toEqual({
        kind: 'tenant',
        tenantId: world.tenantId,
        tokenId: issued.tokenId,
        expiresAt: null,
        status: 'active',
      });
      expect(await store.verifyAdminToken('nope')).toBeNull();
      await expectCode(store.createAdminToken('no-such-tenant', 'x', 'root'), 'POS_NOT_FOUND');
    });

    it('lists admin tokens without their secrets, revokes them and lets them expire', async () => {
      const { store, world, clock } = ctx;
      await store.createTenant({ id: 'acme', name: 'Acme' }, 'root');
      const start = clock.now().toISOString();
      const inAnHour = new Date(clock.now().getTime() + 3_600_000).toISOString();
      const office = await store.createAdminToken(world.tenantId, 'back office', 'root');
      const temp = await store.createAdminToken(world.tenantId, 'auditor', 'root', {
        expiresAt: inAnHour.replace('.000Z', '+00:00'),
      });
      const acme = await store.createAdminToken('acme', 'acme ops', 'root');
      expect(temp).toMatchObject({ createdAt: start, expiresAt: inAnHour, revokedAt: null });
      const listed = await store.listAdminTokens(world.tenantId);
      expect(listed).toEqual([
        {
          tokenId: office.tokenId,
          tenantId: world.tenantId,
          name: 'back office',
          createdAt: start,
          expiresAt: null,
          revokedAt: null,
        },
        {
          tokenId: temp.tokenId,
          tenantId: world.tenantId,
          name: 'auditor',
          createdAt: start,
          expiresAt: inAnHour,
          revokedAt: null,
        },
      ]);
      expect((await store.listAdminTokens(null)).map((t) => t.tokenId).sort()).toEqual(
        [office.tokenId, temp.tokenId, acme.tokenId].sort(),
      );
      expect(await store.listAdminTokens('acme')).toMatchObject([{ tokenId: acme.tokenId }]);

      // Scoped to another tenant, a token is not found and stays valid.
      await expectCode(store.revokeAdminToken('acme', office.tokenId, 'admin:x'), 'POS_NOT_FOUND');
      await expectCode(store.revokeAdminToken(null, 'no-such-token', 'root'), 'POS_NOT_FOUND');
      expect(await store.verifyAdminToken(office.token)).toMatchObject({ status: 'active' });
      clock.advance(1_000);
      const revoked = await store.revokeAdminToken(world.tenantId, office.tokenId, 'admin:x');
      expect(revoked.revokedAt).toBe(clock.now().toISOString());
      expect(await store.verifyAdminToken(office.token)).toMatchObject({ status: 'revoked' });
      // Idempotent: the first revocation time stays.
      clock.advance(1_000);
      expect(await store.revokeAdminToken(null, office.tokenId, 'root')).toEqual(revoked);
      expect(await store.verifyAdminToken(temp.token)).toMatchObject({
        status: 'active',
        expiresAt: inAnHour,
      });
      clock.advance(3_600_000);
      expect(await store.verifyAdminToken(temp.token)).toMatchObject({ status: 'expired' });
      expect(await store.verifyAdminToken(acme.token)).toMatchObject({ status: 'active' });
      await expectCode(
        store.createAdminToken(world.tenantId, 'late', 'root', { expiresAt: start }),
        'POS_INPUT_INVALID',
      );
      await expectCode(
        store.createAdminToken(world.tenantId, 'bad', 'root', { expiresAt: 'tomorrow' }),
        'POS_INPUT_INVALID',
      );
      const actions = (await store.listAuditLog(world.tenantId, { first: 100 })).edges.map(
        (e) => `${e.node.actor} ${e.node.action} ${e.node.target}`,
      );
      expect(actions).toContain(`admin:x revokeAdminToken ${office.tokenId}`);
      const secrets = [office.token, temp.token, acme.token];
      const listedJson = JSON.stringify(await store.listAdminTokens(null));
      expect(secrets.some((secret) => listedJson.includes(secret))).toBe(false);
      expect(listedJson).not.toMatch(/hash/i);
    });

    it('shows per terminal last contact, queue depth, checkpoint lag, gaps and staleness', async () => {
      const { store, world, clock } = ctx;
      await store.upsertProducts(
        world.tenantId,
        ['a', 'b', 'c', 'd'].map((id) => productInput({ id })),
        'root',
      );
      await store.ingestSales(world.t1, [saleOf(world.t1, 1), saleOf(world.t1, 3)]);
      await store.ingestSales(world.t2, [saleOf(world.t2, 1)]);
      await store.recordTerminalContact(world.t1, {
        kind: 'pull',
        stream: 'products',
        checkpoint: { seq: 1 },
        queueDepth: 4,
      });
      await store.recordTerminalContact(world.t1, {
        kind: 'pull',
        stream: 'sales',
        checkpoint: { seq: 0 },
      });
      clock.advance(60_000);
      await store.recordTerminalContact(world.t2, { kind: 'push', queueDepth: 0 });
      const statuses = await store.listTerminalStatus(world.tenantId, {
        branchId: 'b-1',
        staleAfterMs: 30_000,
      });
      expect(statuses).toHaveLength(2);
      const t1 = statuses.find((s) => s.id === world.t1.terminalId)!;
      const t2 = statuses.find((s) => s.id === world.t2.terminalId)!;
      expect(t1).toMatchObject({
        queueDepth: 4,
        checkpoints: { products: 1, sales: 0 },
        stale: true,
        lastPushAt: null,
      });
      expect(t1.lag.products).toBe(3);
      // Its own acknowledgements head (seq 2), not the branch's (3): t2's rows are not its lag.
      expect(t1.lag.sales).toBe(2);
      expect(t1.gaps).toMatchObject([{ highestContiguous: 1, gaps: [{ from: 2, to: 2 }] }]);
      expect(t2).toMatchObject({ stale: false, queueDepth: 0, lastPullAt: null });
      expect(t2.lastSyncAt).toBe(clock.now().toISOString());
    });
  });

  describe('tenancy', () => {
    it('never lets data cross tenants', async () => {
      const { store, world } = ctx;
      const acme = await createWorld(store, 'acme');
      expect((await store.listTenants()).map((t) => t.id)).toEqual(['acme', 'default']);
      await store.upsertProducts(
        acme.tenantId,
        [productInput({ id: 'p-1', priceMinor: 1 })],
        'root',
      );
      await store.upsertProducts(
        world.tenantId,
        [productInput({ id: 'p-1', priceMinor: 2 })],
        'root',
      );
      const acmePull = await store.pullProducts(acme.tenantId, 'b-1', null, 10);
      const defaultPull = await store.pullProducts(world.tenantId, 'b-1', null, 10);
      expect(acmePull.documents).toMatchObject([{ id: 'p-1', priceMinor: 1 }]);
      expect(defaultPull.documents).toMatchObject([{ id: 'p-1', priceMinor: 2 }]);
      await store.ingestSales(acme.t1, [saleOf(acme.t1, 1), { junk: 1 }]);
      expect((await store.querySales(world.tenantId, {}, { first: 10 })).totalCount).toBe(0);
      expect((await store.querySales(acme.tenantId, {}, { first: 10 })).totalCount).toBe(1);
      expect((await store.listRejectedEvents(world.tenantId, {}, { first: 10 })).totalCount).toBe(
        0,
      );
      expect(await store.saleGaps(world.tenantId, {})).toEqual([]);
      expect(await store.verifyTerminalToken(acme.t1.token)).toMatchObject({ tenantId: 'acme' });
      expect(await store.getTerminal(world.tenantId, acme.t1.terminalId)).toBeNull();
      expect(await store.listTerminalStatus(world.tenantId, {})).toHaveLength(3);
      // Same branch ids, separate invoice sequences.
      const [sale] = await store.ingestSales(world.t1, [saleOf(world.t1, 1)]);
      expect(sale).toMatchObject({ sale: { invoiceNo: 1 } });
      const audit = await store.listAuditLog(acme.tenantId, { first: 100 });
      expect(audit.edges.every((e) => e.node.tenantId === 'acme')).toBe(true);
      await expectCode(
        store.acceptRejectedSale(
          world.tenantId,
          (await store.listRejectedEvents(acme.tenantId, {}, { first: 1 })).edges[0]!.node.id,
          'x',
          'root',
        ),
        'POS_NOT_FOUND',
      );
    });

    it('audits every admin write', async () => {
      const { store, world } = ctx;
      await store.upsertProducts(world.tenantId, [productInput({ id: 'a' })], 'admin:1');
      await store.deleteProducts(world.tenantId, ['a'], 'admin:1');
      await store.revokeTerminal(world.tenantId, world.t3.terminalId, 'admin:2');
      const actions = (await store.listAuditLog(world.tenantId, { first: 100 })).edges.map(
        (e) => `${e.node.actor} ${e.node.action}`,
      );
      expect(actions).toEqual(
        expect.arrayContaining([
          'root createBranch',
          'root registerTerminal',
          'admin:1 upsert:products',
          'admin:1 delete:products',
          'admin:2 revokeTerminal',
        ]),
      );
    });
  });
}
