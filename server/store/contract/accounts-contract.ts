import { describe, expect, it } from 'vitest';
import type { Sale } from '../../../schema/index.ts';
import type { ContractContext } from './contract-context.ts';
import { accountChargeOf, createWorld, saleOf } from './harness.ts';

function settlement(
  scope: ContractContext['world']['t1'],
  localEventId: number,
  customerId: string,
  amountMinor: number,
): Sale {
  const sale = saleOf(scope, localEventId, { posId: `pos-${scope.terminalId}` });
  return {
    ...sale,
    kind: 'settlement',
    customerId,
    lines: [],
    totals: { subtotalMinor: 0, discountMinor: 0, taxMinor: 0, totalMinor: 0 },
    payments: [{ method: 'cash', amountMinor }],
    changeMinor: 0,
  };
}

export function describeAccountsContract(ctx: ContractContext): void {
  describe('customer accounts', () => {
    it('books charges from two terminals into one ledger, marks the one past the limit, and settles', async () => {
      const { store, world } = ctx;
      const first = accountChargeOf(world.t1, 1, 'c-acc');
      const amount = first.totals.totalMinor;
      await store.upsertCustomers(
        world.tenantId,
        [{ id: 'c-acc', name: 'Ada', creditLimitMinor: amount + amount / 2 }],
        'root',
      );
      const [a] = await store.ingestSales(world.t1, [first]);
      const [b] = await store.ingestSales(world.t3, [accountChargeOf(world.t3, 1, 'c-acc')]);
      expect(a).toMatchObject({ status: 'ingested', sale: { accountVerification: 'verified' } });
      expect(b).toMatchObject({ status: 'ingested', sale: { accountVerification: 'over_limit' } });
      // A redelivery books nothing twice.
      await store.ingestSales(world.t1, [first]);
      let [customer] = await store.getCustomers(world.tenantId, ['c-acc']);
      expect(customer!.balanceMinor).toBe(2 * amount);
      const open = await store.listOverLimitCharges(world.tenantId, 'open');
      expect(open.map((c) => [c.saleId, c.terminalId])).toEqual([
        [b!.sale!.id, world.t3.terminalId],
      ]);
      await store.resolveOverLimitCharge(world.tenantId, b!.sale!.id, 'customer called', 'root');
      expect(await store.listOverLimitCharges(world.tenantId, 'open')).toEqual([]);

      const [paid] = await store.ingestSales(world.t1, [settlement(world.t1, 2, 'c-acc', amount)]);
      expect(paid).toMatchObject({ status: 'ingested', sale: { accountVerification: null } });
      [customer] = await store.getCustomers(world.tenantId, ['c-acc']);
      expect(customer!.balanceMinor).toBe(amount);
      expect(customer!.ledgerSeq).toBe(3);
    });

    it("counts a merged customer's ledger entries toward the survivor, losing none", async () => {
      const { store, world } = ctx;
      await store.upsertCustomers(
        world.tenantId,
        [
          { id: 'c-keep', name: 'Ada', phone: '555 0100', creditLimitMinor: 1_000_000 },
          { id: 'c-dup', name: 'Ada L', phone: '5550100', creditLimitMinor: 1_000_000 },
        ],
        'root',
      );
      const one = accountChargeOf(world.t1, 1, 'c-keep');
      const two = accountChargeOf(world.t3, 1, 'c-dup');
      await store.ingestSales(world.t1, [one]);
      await store.ingestSales(world.t3, [two]);
      const { survivor } = await store.mergeCustomers(
        world.tenantId,
        'c-keep',
        'c-dup',
        'dup',
        'root',
      );
      const total = one.totals.totalMinor + two.totals.totalMinor;
      expect(survivor.balanceMinor).toBe(total);
      // A charge to the merged id after the merge still lands on the survivor's balance.
      await store.ingestSales(world.t3, [accountChargeOf(world.t3, 2, 'c-dup')]);
      const [after] = await store.getCustomers(world.tenantId, ['c-keep']);
      expect(after!.balanceMinor).toBe(total + two.totals.totalMinor);
    });

    it("gives each account booking its ledger position, which the customer's ledgerSeq then covers", async () => {
      const { store, world } = ctx;
      await store.upsertCustomers(
        world.tenantId,
        [{ id: 'c-pos', name: 'Ada', creditLimitMinor: 10_000_000 }],
        'root',
      );
      const first = accountChargeOf(world.t1, 1, 'c-pos');
      const [a] = await store.ingestSales(world.t1, [first]);
      const [plain] = await store.ingestSales(world.t1, [
        saleOf(world.t1, 2, { posId: `pos-${world.t1.terminalId}` }),
      ]);
      const [b] = await store.ingestSales(world.t3, [settlement(world.t3, 1, 'c-pos', 100)]);
      expect(plain!.sale!.accountLedgerSeq).toBeNull();
      const seqA = a!.sale!.accountLedgerSeq!;
      const seqB = b!.sale!.accountLedgerSeq!;
      expect(seqA).toBeGreaterThanOrEqual(1);
      expect(seqB).toBeGreaterThan(seqA);
      const [customer] = await store.getCustomers(world.tenantId, ['c-pos']);
      expect(customer!.ledgerSeq).toBe(seqB);
      expect(customer!.balanceMinor).toBe(first.totals.totalMinor - 100);
      // A redelivery answers with the position the first delivery booked, and books nothing more.
      const [again] = await store.ingestSales(world.t1, [first]);
      expect(again).toMatchObject({ status: 'duplicate', sale: { accountLedgerSeq: seqA } });
      const [pulledA] = (await store.pullSales(world.t1, null, 100)).documents.filter(
        (s) => s.id === first.id,
      );
      expect(pulledA!.accountLedgerSeq).toBe(seqA);
      const [after] = await store.getCustomers(world.tenantId, ['c-pos']);
      expect(after!.ledgerSeq).toBe(seqB);
    });

    it('answers a redelivered account booking from its booked copy: ledger, customer and stream stay as they were', async () => {
      const { store, world } = ctx;
      const first = accountChargeOf(world.t1, 1, 'c-again');
      await store.upsertCustomers(
        world.tenantId,
        [{ id: 'c-again', name: 'Ada', creditLimitMinor: first.totals.totalMinor / 2 }],
        'root',
      );
      const [booked] = await store.ingestSales(world.t1, [first]);
      expect(booked).toMatchObject({
        status: 'ingested',
        sale: { accountVerification: 'over_limit' },
      });
      const state = async () => ({
        customers: await store.getCustomers(world.tenantId, ['c-again']),
        head: (await store.streamHeads(world.tenantId, world.t1.branchId)).customers,
        overLimit: await store.listOverLimitCharges(world.tenantId, 'all'),
      });
      const before = await state();
      const [again] = await store.ingestSales(world.t1, [first]);
      expect(again).toEqual({ ...booked, status: 'duplicate' });
      expect(await state()).toEqual(before);
    });

    it("refuses an account booking naming another tenant's customer, and books the rest", async () => {
      const { store, world } = ctx;
      const other = await createWorld(store, 'acme-other');
      await store.upsertCustomers(other.tenantId, [{ id: 'c-theirs', name: 'Theirs' }], 'root');
      const forged = accountChargeOf(world.t1, 1, 'c-theirs');
      const fine = saleOf(world.t1, 2, { posId: `pos-${world.t1.terminalId}` });
      const [refused, booked] = await store.ingestSales(world.t1, [forged, fine]);
      expect(refused).toMatchObject({ status: 'rejected', code: 'POS_FORBIDDEN' });
      expect(booked!.status).toBe('ingested');
      const [theirs] = await store.getCustomers(other.tenantId, ['c-theirs']);
      expect(theirs!.balanceMinor).toBe(0);
      expect(await store.getCustomers(world.tenantId, ['c-theirs'])).toEqual([]);

      // An operator's accept books it as an exception, with its ledger entry like an ingested one.
      const rejected = refused as Extract<typeof refused, { status: 'rejected' }>;
      await store.acceptRejectedSale(world.tenantId, rejected.rejectedEventId, 'known', 'root');
      const [accepted] = await store.ingestSales(world.t1, [forged]);
      expect(accepted).toMatchObject({ status: 'duplicate' });
      expect(accepted!.sale!.accountLedgerSeq).toBeGreaterThanOrEqual(1);
      const open = await store.listOverLimitCharges(world.tenantId, 'open');
      expect(open.map((c) => c.saleId)).toEqual([forged.id]);
    });

    it('takes the ledger balance for a customer that arrives after sales charged it', async () => {
      const { store, world } = ctx;
      const sale = {
        ...accountChargeOf(world.t1, 1, 'c-late'),
        accountCheck: { limitMinor: 10, balanceSeenMinor: 0, unsyncedMinor: 0, availableMinor: 10 },
      };
      const [booked] = await store.ingestSales(world.t1, [sale]);
      // Unknown customer: held to the limit the terminal checked against.
      expect(booked!.sale!.accountVerification).toBe('over_limit');
      const all = await store.listCustomers(world.tenantId, { first: 10 });
      expect(all.totalCount).toBe(0);
      const [created] = await store.upsertCustomers(
        world.tenantId,
        [{ id: 'c-late', name: 'Late' }],
        'root',
      );
      expect(created!.name).toBe('Late');
      const [stored] = await store.getCustomers(world.tenantId, ['c-late']);
      expect(stored!.balanceMinor).toBe(sale.totals.totalMinor);
    });
  });
}
