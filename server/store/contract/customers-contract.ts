import type { WithDeleted } from 'rxdb';
import { describe, expect, it } from 'vitest';
import { formatHlc } from '../../../replication/index.ts';
import type { Customer } from '../../../schema/index.ts';
import { newCustomerDocument } from '../../../schema/index.ts';
import type { ContractContext } from './contract-context.ts';
import { expectCode, pullAll } from './harness.ts';

type Doc = WithDeleted<Customer>;

/** A clock `offsetMs` from the store's clock, made by node `node`. */
function clockAt(ctx: ContractContext, offsetMs: number, node: string, counter = 0): string {
  return formatHlc({ wallMs: ctx.clock.now().getTime() + offsetMs, counter, node });
}

function customer(ctx: ContractContext, id: string, fields: Partial<Customer> = {}): Doc {
  const doc = newCustomerDocument(
    id,
    ctx.world.tenantId,
    { name: 'Ada', ...fields },
    clockAt(ctx, 0, 'pos-a'),
  );
  return { ...doc, ...fields, _deleted: false };
}

export function describeCustomersContract(ctx: ContractContext): void {
  describe('customers', () => {
    it('stores a customer created at a till and serves it to every terminal of the tenant', async () => {
      const { store, world } = ctx;
      const doc = customer(ctx, 'c-1', { phone: '+49 30 1234' });
      expect(await store.pushCustomers(world.t1, [{ newDocumentState: doc }])).toEqual({
        conflicts: [],
        refused: [],
      });
      // Tenant-wide: a terminal of another branch pulls it too.
      const pulled = await pullAll((cp, n) => store.pullCustomers(world.t3.tenantId, cp, n));
      expect(pulled.documents).toEqual([doc]);
      expect((await store.streamHeads(world.tenantId, 'b-2')).customers).toBeGreaterThan(0);
    });

    it('merges edits of one customer made on two terminals field by field by clock', async () => {
      const { store, world } = ctx;
      const base = customer(ctx, 'c-2');
      await store.pushCustomers(world.t1, [{ newDocumentState: base }]);
      const phone = {
        ...base,
        phone: '0170 555',
        clocks: { ...base.clocks, phone: clockAt(ctx, 1_000, 'pos-a') },
      };
      const name = {
        ...base,
        name: 'Ada Lovelace',
        clocks: { ...base.clocks, name: clockAt(ctx, 500, 'pos-b') },
      };
      const older = {
        ...base,
        phone: '0000',
        clocks: { ...base.clocks, phone: clockAt(ctx, 200, 'pos-b') },
      };
      await store.pushCustomers(world.t1, [{ assumedMasterState: base, newDocumentState: phone }]);
      const answer = await store.pushCustomers(world.t3, [
        { assumedMasterState: base, newDocumentState: name },
      ]);
      // The terminal gets the merged master to adopt: its name and the other terminal's phone.
      expect(answer.conflicts).toEqual([
        expect.objectContaining({ name: 'Ada Lovelace', phone: '0170 555' }),
      ]);
      const late = await store.pushCustomers(world.t2, [
        { assumedMasterState: base, newDocumentState: older },
      ]);
      expect(late.conflicts[0]).toMatchObject({ phone: '0170 555', name: 'Ada Lovelace' });
      const [stored] = await store.getCustomers(world.tenantId, ['c-2']);
      expect(stored).toMatchObject({ name: 'Ada Lovelace', phone: '0170 555' });
    });

    it('refuses forged rows one by one with codes and stores the rest', async () => {
      const { store, world } = ctx;
      const good = customer(ctx, 'c-ok');
      const balance = { ...customer(ctx, 'c-bal'), balanceMinor: -50_000 };
      const merged = { ...customer(ctx, 'c-merge'), mergedInto: 'c-ok' };
      const future = {
        ...customer(ctx, 'c-future'),
        clocks: { ...good.clocks, name: clockAt(ctx, 24 * 3600_000, 'pos-a') },
      };
      const foreign = { ...customer(ctx, 'c-foreign'), tenantId: 'other-tenant' };
      const badEmail = { ...customer(ctx, 'c-mail'), email: 'not-an-email' };
      const deleted = { ...customer(ctx, 'c-del'), _deleted: true };
      const result = await store.pushCustomers(
        world.t1,
        [good, balance, merged, future, foreign, badEmail, deleted].map((d) => ({
          newDocumentState: d,
        })),
      );
      expect(result.conflicts).toEqual([]);
      expect(new Map(result.refused.map((r) => [r.id, r.code]))).toEqual(
        new Map([
          ['c-bal', 'POS_FORBIDDEN'],
          ['c-merge', 'POS_FORBIDDEN'],
          ['c-future', 'POS_SYNC_EVENT_INVALID'],
          ['c-foreign', 'POS_FORBIDDEN'],
          ['c-mail', 'POS_SYNC_EVENT_INVALID'],
          ['c-del', 'POS_FORBIDDEN'],
        ]),
      );
      const stored = await store.getCustomers(world.tenantId, [
        'c-ok',
        'c-bal',
        'c-merge',
        'c-future',
        'c-foreign',
        'c-mail',
        'c-del',
      ]);
      expect(stored.map((c) => c.id)).toEqual(['c-ok']);
    });

    it('refuses a row that changes the balance of a stored customer, even with a forged assumed master', async () => {
      const { store, world } = ctx;
      const base = customer(ctx, 'c-3');
      await store.pushCustomers(world.t1, [{ newDocumentState: base }]);
      const forged = { ...base, balanceMinor: -1_000 };
      const refused = await store.pushCustomers(world.t1, [
        { assumedMasterState: base, newDocumentState: forged },
      ]);
      expect(refused.refused.map((r) => r.code)).toEqual(['POS_FORBIDDEN']);
      // With the assumed master forged too, the row is admitted but the cloud keeps its own fields.
      const sneaky = await store.pushCustomers(world.t1, [
        { assumedMasterState: forged, newDocumentState: { ...forged, name: 'X' } },
      ]);
      expect(sneaky.refused).toEqual([]);
      const [stored] = await store.getCustomers(world.tenantId, ['c-3']);
      expect(stored).toMatchObject({ balanceMinor: 0 });
    });

    it('lets an admin edit win over earlier edits and audits it', async () => {
      const { store, world } = ctx;
      const base = customer(ctx, 'c-4');
      await store.pushCustomers(world.t1, [{ newDocumentState: base }]);
      const [edited] = await store.upsertCustomers(
        world.tenantId,
        [{ id: 'c-4', creditLimitMinor: 20_000 }],
        'root',
      );
      expect(edited).toMatchObject({ name: 'Ada', creditLimitMinor: 20_000 });
      expect(edited!.clocks.creditLimitMinor > base.clocks.creditLimitMinor).toBe(true);
      const [created] = await store.upsertCustomers(world.tenantId, [{ name: 'Bob' }], 'root');
      expect(created).toMatchObject({ name: 'Bob', balanceMinor: 0, mergedInto: null });
      await expectCode(
        store.upsertCustomers(world.tenantId, [{ id: 'c-new', phone: '123' }], 'root'),
        'POS_INPUT_INVALID',
      );
      const audit = await store.listAuditLog(world.tenantId, { first: 100 });
      expect(audit.edges.filter((e) => e.node.action === 'upsertCustomers')).toHaveLength(2);
      const listed = await store.listCustomers(world.tenantId, { first: 10 });
      expect(listed.totalCount).toBe(2);
    });

    it('flags customers sharing a normalised phone or email, and merges them keeping both', async () => {
      const { store, world } = ctx;
      const a = customer(ctx, 'c-a', { phone: '+49 30 1234', email: 'Ada@Example.org' });
      const b = customer(ctx, 'c-b', { phone: '+49301234' });
      const c = customer(ctx, 'c-c', { email: 'ada@example.org' });
      const d = customer(ctx, 'c-d', { phone: '555 0000' });
      await store.pushCustomers(world.t1, [{ newDocumentState: a }, { newDocumentState: d }]);
      await store.pushCustomers(world.t3, [{ newDocumentState: b }, { newDocumentState: c }]);
      const groups = await store.customerDuplicates(world.tenantId);
      expect(groups.map((g) => [g.field, g.key, g.customers.map((x) => x.id).sort()])).toEqual([
        ['phone', '49301234', ['c-a', 'c-b']],
        ['email', 'ada@example.org', ['c-a', 'c-c']],
      ]);
      const { survivor, merged } = await store.mergeCustomers(
        world.tenantId,
        'c-a',
        'c-b',
        'same phone',
        'root',
      );
      expect(survivor.id).toBe('c-a');
      expect(merged).toMatchObject({ id: 'c-b', mergedInto: 'c-a' });
      await expectCode(
        store.mergeCustomers(world.tenantId, 'c-c', 'c-b', 'x', 'root'),
        'POS_INPUT_INVALID',
      );
      await expectCode(
        store.mergeCustomers(world.tenantId, 'c-a', 'c-zz', 'x', 'root'),
        'POS_NOT_FOUND',
      );
      // A merged customer is no duplicate any more; the pull carries the merge to terminals.
      const after = await store.customerDuplicates(world.tenantId);
      expect(after.map((g) => g.field)).toEqual(['email']);
      const pulled = await pullAll((cp, n) => store.pullCustomers(world.tenantId, cp, n));
      expect(pulled.documents.find((x) => x.id === 'c-b')).toMatchObject({ mergedInto: 'c-a' });
      const audit = await store.listAuditLog(world.tenantId, { first: 100 });
      expect(audit.edges.filter((e) => e.node.action === 'mergeCustomers')).toEqual([
        expect.objectContaining({
          node: expect.objectContaining({
            target: 'c-b',
            details: expect.objectContaining({ survivorId: 'c-a', note: 'same phone' }),
          }),
        }),
      ]);
    });
  });
}
