import { describe, expect, it } from 'vitest';
import { AUDIT_ENTITY_TYPES, AUDIT_ENTITY_TYPE_OF_ACTION } from '../../../schema/index.ts';
import type { AuditEntry, AuditFilter, CloudStore } from '../cloud-store.ts';
import type { ContractContext } from './contract-context.ts';
import { expectCode, productInput } from './harness.ts';

/** Every entry matching the filter, read page by page with `pageSize`. */
async function readAll(
  store: CloudStore,
  tenantId: string,
  filter: AuditFilter,
  pageSize: number,
): Promise<{ entries: AuditEntry[]; totalCounts: number[] }> {
  const entries: AuditEntry[] = [];
  const totalCounts: number[] = [];
  let after: string | null = null;
  for (;;) {
    const page = await store.listAuditLog(tenantId, { first: pageSize, after }, filter);
    entries.push(...page.edges.map((e) => e.node));
    totalCounts.push(page.totalCount);
    if (!page.pageInfo.hasNextPage) return { entries, totalCounts };
    after = page.pageInfo.endCursor;
  }
}

export function describeAuditContract(ctx: ContractContext): void {
  describe('audit log', () => {
    it('records the entity type of each action and offline false for admin writes', async () => {
      const { store, world } = ctx;
      await store.upsertProducts(world.tenantId, [productInput({ id: 'p-1' })], 'admin:a');
      await store.revokeTerminal(world.tenantId, world.t3.terminalId, 'admin:b');
      const { entries } = await readAll(store, world.tenantId, {}, 100);
      expect(entries.map((e) => [e.action, e.entityType, e.target, e.offline])).toEqual([
        ['createBranch', 'branch', 'b-1', false],
        ['createBranch', 'branch', 'b-2', false],
        ['registerTerminal', 'terminal', world.t1.terminalId, false],
        ['registerTerminal', 'terminal', world.t2.terminalId, false],
        ['registerTerminal', 'terminal', world.t3.terminalId, false],
        ['upsert:products', 'product', null, false],
        ['revokeTerminal', 'terminal', world.t3.terminalId, false],
      ]);
    });

    it('filters by entity, actor, time range and offline flag; pages stay exact under a filter', async () => {
      const { store, world, clock } = ctx;
      const start = clock.now().toISOString();
      // Interleave two actors over time so every filter has entries on both sides of it.
      for (let i = 0; i < 7; i++) {
        clock.advance(1_000);
        const actor = i % 2 === 0 ? 'admin:even' : 'admin:odd';
        await store.upsertProducts(world.tenantId, [productInput({ id: `p-${i}` })], actor);
        if (i % 3 === 0) await store.deleteProducts(world.tenantId, [`p-${i}`], actor);
      }
      clock.advance(1_000);
      const middle = clock.now().toISOString();
      await store.reassignTerminal(world.tenantId, world.t1.terminalId, 'b-2', 'admin:odd');
      await ctx.recordAuditEntry(world.tenantId, 'terminal:t', 'repairInventory', 'b-1/x', {
        offline: true,
      });
      clock.advance(1_000);
      await store.revokeTerminal(world.tenantId, world.t2.terminalId, 'admin:even');

      const all = (await readAll(store, world.tenantId, {}, 100)).entries;
      const filters: AuditFilter[] = [
        { actor: 'admin:even' },
        { actor: 'admin:odd', entityType: 'product' },
        { entityType: 'terminal' },
        { entityType: 'terminal', entityId: world.t1.terminalId },
        { entityId: world.t2.terminalId },
        { from: middle },
        { to: middle },
        { from: start, to: middle, actor: 'admin:odd' },
        { offline: true },
        { offline: false, actor: 'admin:even' },
        { actor: 'nobody' },
      ];
      for (const filter of filters) {
        const expected = all.filter(
          (e) =>
            (filter.actor === undefined || e.actor === filter.actor) &&
            (filter.entityType === undefined || e.entityType === filter.entityType) &&
            (filter.entityId === undefined || e.target === filter.entityId) &&
            (filter.from === undefined || e.at >= filter.from) &&
            (filter.to === undefined || e.at < filter.to) &&
            (filter.offline === undefined || e.offline === filter.offline),
        );
        for (const pageSize of [1, 2, 100]) {
          const read = await readAll(store, world.tenantId, filter, pageSize);
          expect({ filter, pageSize, ids: read.entries.map((e) => e.id) }).toEqual({
            filter,
            pageSize,
            ids: expected.map((e) => e.id),
          });
          expect(new Set(read.totalCounts)).toEqual(new Set([expected.length]));
        }
      }
      expect(all.filter((e) => e.offline).map((e) => [e.actor, e.entityType])).toEqual([
        ['terminal:t', 'inventory'],
      ]);
      expect(all.filter((e) => e.actor === 'admin:even').length).toBeGreaterThan(2);
    });

    it('types every audited action by the one table, and every listed type has an action', async () => {
      const { store, world } = ctx;
      const actions = Object.keys(AUDIT_ENTITY_TYPE_OF_ACTION);
      for (const action of actions) {
        await ctx.recordAuditEntry(world.tenantId, 'admin:typed', action, `t-${action}`, {});
      }
      for (const type of AUDIT_ENTITY_TYPES) {
        const page = await store.listAuditLog(
          world.tenantId,
          { first: 100 },
          { entityType: type, actor: 'admin:typed' },
        );
        const expected = actions.filter((a) => AUDIT_ENTITY_TYPE_OF_ACTION[a] === type);
        expect({ type, actions: page.edges.map((e) => e.node.action) }).toEqual({
          type,
          actions: expected,
        });
        expect(expected.length).toBeGreaterThan(0);
      }
    });

    it('keeps filters and offline flags across a reopen', async () => {
      const { world } = ctx;
      await ctx.recordAuditEntry(world.tenantId, 'root', 'createCustomer', 'c-1', {
        offline: true,
      });
      const store = await ctx.reopen();
      const page = await store.listAuditLog(
        world.tenantId,
        { first: 10 },
        { entityType: 'customer', offline: true },
      );
      expect(page.edges.map((e) => [e.node.action, e.node.target, e.node.offline])).toEqual([
        ['createCustomer', 'c-1', true],
      ]);
    });

    it('scopes filtered reads to the tenant and refuses a bad cursor', async () => {
      const { store, world } = ctx;
      await store.createTenant({ id: 'other', name: 'Other' }, 'root');
      await store.createBranch('other', { id: 'b-9', name: 'Other branch' }, 'root');
      const page = await store.listAuditLog(world.tenantId, { first: 100 }, { entityId: 'b-9' });
      expect(page.totalCount).toBe(0);
      await expectCode(
        store.listAuditLog(world.tenantId, { first: 10, after: 'garbage' }, { actor: 'root' }),
        'POS_INPUT_INVALID',
      );
    });
  });
}
