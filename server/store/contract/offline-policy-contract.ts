import { describe, expect, it } from 'vitest';
import { DEFAULT_OFFLINE_POLICY } from '../../../schema/index.ts';
import type { ContractContext } from './contract-context.ts';
import { expectCode, saleOf } from './harness.ts';

const POLICY = {
  thresholdMs: 60_000,
  maxSaleMinor: 5_000,
  maxTotalMinor: 20_000,
  methods: ['cash' as const],
};

export function describeOfflinePolicyContract(ctx: ContractContext): void {
  describe('offline policies', () => {
    it('serves the default, the tenant policy, and a branch override until it is removed', async () => {
      const { store, world } = ctx;
      expect(await store.getOfflinePolicy(world.tenantId, 'b-1')).toEqual({
        policy: DEFAULT_OFFLINE_POLICY,
        source: 'default',
      });
      await store.setOfflinePolicy(world.tenantId, null, POLICY, 'admin-1');
      expect(await store.getOfflinePolicy(world.tenantId, 'b-1')).toEqual({
        policy: POLICY,
        source: 'tenant',
      });
      const own = { ...POLICY, maxSaleMinor: null, methods: null };
      expect(await store.setOfflinePolicy(world.tenantId, 'b-2', own, 'admin-1')).toEqual({
        policy: own,
        source: 'branch',
      });
      expect((await store.getOfflinePolicy(world.tenantId, 'b-1')).source).toBe('tenant');
      await store.setOfflinePolicy(world.tenantId, 'b-2', null, 'admin-1');
      expect(await store.getOfflinePolicy(world.tenantId, 'b-2')).toEqual({
        policy: POLICY,
        source: 'tenant',
      });
      const audit = await store.listAuditLog(
        world.tenantId,
        { first: 20 },
        {
          entityType: 'offlinePolicy',
        },
      );
      expect(audit.edges.map((e) => [e.node.actor, e.node.target])).toEqual([
        ['admin-1', '*'],
        ['admin-1', 'b-2'],
        ['admin-1', 'b-2'],
      ]);
    });

    it('refuses an invalid policy or an unknown branch and changes nothing', async () => {
      const { store, world } = ctx;
      await expectCode(
        store.setOfflinePolicy(world.tenantId, null, { ...POLICY, maxSaleMinor: -1 }, 'admin-1'),
        'POS_INPUT_INVALID',
      );
      await expectCode(
        store.setOfflinePolicy(
          world.tenantId,
          null,
          { ...POLICY, methods: ['bitcoin'] } as never,
          'admin-1',
        ),
        'POS_INPUT_INVALID',
      );
      await expectCode(
        store.setOfflinePolicy(world.tenantId, 'b-nope', POLICY, 'admin-1'),
        'POS_NOT_FOUND',
      );
      expect((await store.getOfflinePolicy(world.tenantId, null)).source).toBe('default');
    });

    it('audits a manager override at ingest: the manager as actor, offline as the sale was', async () => {
      const { store, world } = ctx;
      const override = {
        managerId: 'mgr-7',
        reason: 'Regular customer',
        codes: ['POS_OFFLINE_LIMIT_EXCEEDED' as const],
      };
      const sale = saleOf(world.t1, 1, { offline: true, lastContactAt: null, override });
      const [outcome] = await store.ingestSales(world.t1, [sale]);
      expect(outcome).toMatchObject({ status: 'ingested' });
      // A redelivery books nothing and audits nothing again.
      await store.ingestSales(world.t1, [sale]);
      await store.ingestSales(world.t1, [saleOf(world.t1, 2)]);
      const entries = await store.listAuditLog(world.tenantId, { first: 20 }, { actor: 'mgr-7' });
      expect(entries.edges.map((e) => e.node)).toEqual([
        expect.objectContaining({
          action: 'overrideAtTill',
          entityType: 'sale',
          target: sale.id,
          offline: true,
          details: expect.objectContaining({
            codes: override.codes,
            terminalId: world.t1.terminalId,
          }),
        }),
      ]);
    });
  });
}
