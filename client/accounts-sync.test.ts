import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PUSH_DOCUMENTS } from '../replication/index.ts';
import type { Customer, Sale } from '../schema/index.ts';
import { createUuidV7 } from '../schema/index.ts';
import type { CloudProcess } from './test-support/cloud-process.ts';
import { CloudProcess as Cloud, productInput, tempDir } from './test-support/cloud-process.ts';
import {
  eventually,
  openTestTerminal,
  syncWithin,
  waitForStatus,
} from './test-support/terminal-fixtures.ts';
import type { Terminal } from './terminal.ts';

/** One unit of p-1 costs 1,000 (no tax): three units are 3,000. */
const PRICE = 1_000;

describe('customers on account across terminals (real cloud process)', () => {
  let cloud: CloudProcess;
  const open: Terminal[] = [];
  const tokens = new Map<string, string>();
  let customerSeq = 0;

  beforeAll(async () => {
    cloud = await Cloud.start();
    await cloud.createBranch('b-1');
    await cloud.upsertProducts([productInput(1, { priceMinor: PRICE, taxRateBps: 0 })]);
  });
  // At most 13 RxDB collections per process (five per terminal): each test closes its terminals.
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()));
  });
  afterAll(async () => {
    await cloud?.destroy();
  });

  async function terminals(count: 1 | 2): Promise<Terminal[]> {
    const made: Terminal[] = [];
    for (let i = 0; i < count; i++) {
      const registered = await cloud.registerTerminal('b-1');
      tokens.set(registered.terminalId, registered.token);
      const terminal = await openTestTerminal(cloud, registered, { dataDir: tempDir('pos-acc-') });
      open.push(terminal);
      await syncWithin(terminal);
      made.push(terminal);
    }
    return made;
  }

  async function createCustomer(creditLimitMinor: number, tenantId?: string): Promise<string> {
    const id = `c-acc-${++customerSeq}`;
    await cloud.gql(
      'mutation ($c: [CustomerUpsertInput!]!, $t: String) { upsertCustomers(input: $c, tenantId: $t) { id } }',
      { c: [{ id, name: `Customer ${id}`, creditLimitMinor }], t: tenantId ?? null },
    );
    return id;
  }

  const charge = (customerId: string, units: number, extra: object = {}) => ({
    lines: [{ productId: 'p-1', quantity: units }],
    payments: [{ method: 'account' as const, amountMinor: units * PRICE }],
    customerId,
    ...extra,
  });

  const copy = async (terminal: Terminal, id: string) =>
    (await terminal.db.sales.findOne(id).exec())?.toJSON() as Sale;
  const customerOn = async (terminal: Terminal, id: string) =>
    (await terminal.db.customers.findOne(id).exec())?.toJSON() as Customer;

  it('lets two offline terminals charge past the limit, marks one over_limit, and a settlement restores credit', async () => {
    const customerId = await createCustomer(5 * PRICE);
    const [a, b] = (await terminals(2)) as [Terminal, Terminal];
    for (const t of [a, b])
      await eventually(async () => (await customerOn(t, customerId)) !== undefined);

    await cloud.stop();
    const onA = await a.sell(charge(customerId, 3));
    expect(onA.accountCheck).toEqual({
      limitMinor: 5 * PRICE,
      balanceSeenMinor: 0,
      unsyncedMinor: 0,
      availableMinor: 5 * PRICE,
    });
    // A's own queued charge counts against what is left.
    await expect(a.sell(charge(customerId, 3))).rejects.toMatchObject({
      code: 'POS_CREDIT_LIMIT_EXCEEDED',
      details: { availableMinor: 2 * PRICE, unsyncedMinor: 3 * PRICE },
    });
    // B cannot know of A's charge: allowed locally.
    const onB = await b.sell(charge(customerId, 3));
    expect(onB.accountCheck?.availableMinor).toBe(5 * PRICE);

    await cloud.start();
    await syncWithin(a);
    await syncWithin(b);
    const [copyA, copyB] = [await copy(a, onA.id), await copy(b, onB.id)];
    expect([copyA.accountVerification, copyB.accountVerification].sort()).toEqual([
      'over_limit',
      'verified',
    ]);
    const [over, overTerminal] =
      copyA.accountVerification === 'over_limit' ? [copyA, a] : [copyB, b];
    await waitForStatus(overTerminal, (s) => s.overLimitCharges === 1);
    const other = overTerminal === a ? b : a;
    expect((await other.status()).overLimitCharges).toBe(0);
    const { overLimitCharges } = await cloud.gql(
      '{ overLimitCharges(status: "open") { saleId terminalId } }',
    );
    expect(overLimitCharges).toEqual([
      { saleId: over.id, terminalId: overTerminal.identity.terminalId },
    ]);

    // Both charges are in the pulled balance, at a position covering both entries.
    for (const t of [a, b]) {
      await eventually(async () => (await customerOn(t, customerId)).balanceMinor === 6 * PRICE);
      const pulled = await customerOn(t, customerId);
      expect(pulled.ledgerSeq).toBeGreaterThanOrEqual(
        Math.max(copyA.accountLedgerSeq!, copyB.accountLedgerSeq!),
      );
    }
    await expect(a.sell(charge(customerId, 1))).rejects.toMatchObject({
      code: 'POS_CREDIT_LIMIT_EXCEEDED',
      details: { availableMinor: -PRICE, balanceSeenMinor: 6 * PRICE, unsyncedMinor: 0 },
    });

    // The customer pays 4,000 in cash (5,000 handed over): credit is back at once on B.
    const settlement = await b.settle({
      customerId,
      payments: [{ method: 'cash', amountMinor: 5 * PRICE }],
      amountMinor: 4 * PRICE,
    });
    expect(settlement).toMatchObject({ kind: 'settlement', lines: [], changeMinor: PRICE });
    const afterSettling = await b.sell(charge(customerId, 2));
    expect(afterSettling.accountCheck).toMatchObject({
      unsyncedMinor: -4 * PRICE,
      availableMinor: 3 * PRICE,
    });
    await syncWithin(b);
    await syncWithin(a);
    await eventually(async () => (await customerOn(a, customerId)).balanceMinor === 4 * PRICE);
    const lastCharge = await copy(b, afterSettling.id);
    expect(lastCharge.accountVerification).toBe('verified');
    expect((await copy(b, settlement.id)).accountLedgerSeq).toBeLessThan(
      lastCharge.accountLedgerSeq!,
    );
    expect((await a.sell(charge(customerId, 1))).accountCheck?.availableMinor).toBe(PRICE);
  });

  it('passes the limit with a manager override, recorded on the sale and audited at ingest', async () => {
    const customerId = await createCustomer(2 * PRICE);
    const [a] = (await terminals(1)) as [Terminal];
    await eventually(async () => (await customerOn(a, customerId)) !== undefined);
    await cloud.stop();
    const override = {
      managerId: 'mgr-7',
      reason: 'regular customer, pays Friday',
      codes: ['POS_CREDIT_LIMIT_EXCEEDED' as const],
    };
    const sale = await a.sell(charge(customerId, 3, { override }));
    expect(sale.override).toEqual(override);
    expect(sale.accountCheck?.availableMinor).toBe(2 * PRICE);
    // An override of another refusal does not pass this one.
    await expect(
      a.sell(
        charge(customerId, 1, { override: { ...override, codes: ['POS_OFFLINE_LIMIT_EXCEEDED'] } }),
      ),
    ).rejects.toMatchObject({ code: 'POS_CREDIT_LIMIT_EXCEEDED' });

    await cloud.start();
    await syncWithin(a);
    const booked = await copy(a, sale.id);
    expect(booked).toMatchObject({
      syncState: 'synced',
      override,
      accountVerification: 'over_limit',
    });
    const { auditLog } = await cloud.gql(
      'query ($id: String) { auditLog(entityType: "sale", entityId: $id, first: 10) { edges { node { actor action offline } } } }',
      { id: sale.id },
    );
    expect(auditLog.edges.map((e: { node: unknown }) => e.node)).toEqual([
      { actor: 'mgr-7', action: 'overrideAtTill', offline: booked.offline },
    ]);
  });

  it('refuses an on-hold account at the till, and follows a merged customer to the survivor', async () => {
    const keep = await createCustomer(10 * PRICE);
    const dup = await createCustomer(10 * PRICE);
    const [a] = (await terminals(1)) as [Terminal];
    await cloud.gql(
      'mutation ($s: String!, $m: String!) { mergeCustomers(survivorId: $s, mergedId: $m, note: "dup") { survivor { id } } }',
      { s: keep, m: dup },
    );
    await eventually(async () => (await customerOn(a, dup))?.mergedInto === keep);
    const sale = await a.sell(charge(dup, 2));
    expect(sale.customerId).toBe(keep);
    await a.updateCustomer(keep, { accountStatus: 'on_hold' });
    await expect(a.sell(charge(keep, 1))).rejects.toMatchObject({
      code: 'POS_ACCOUNT_NOT_ACTIVE',
    });
    // Paying down an account on hold is fine.
    expect(
      (await a.settle({ customerId: dup, payments: [{ method: 'card', amountMinor: PRICE }] }))
        .customerId,
    ).toBe(keep);
  });

  it('refuses forged account documents with stable codes and books the rest', async () => {
    const [a] = (await terminals(1)) as [Terminal];
    await cloud.gql('mutation { createTenant(input: { id: "acme-other", name: "Other" }) { id } }');
    const theirs = await createCustomer(100 * PRICE, 'acme-other');
    const template = await a.sell({
      lines: [{ productId: 'p-1', quantity: 1 }],
      payments: [{ method: 'cash', amountMinor: PRICE }],
    });
    await syncWithin(a);
    const posId = `forger-${Date.now()}`;
    let localEventId = 0;
    const forge = (fields: Partial<Sale>): Sale => ({
      ...template,
      id: createUuidV7(),
      posId,
      localEventId: ++localEventId,
      invoiceNo: null,
      ingestedAt: null,
      syncState: 'queued',
      accountVerification: null,
      accountLedgerSeq: null,
      ...fields,
    });
    const rows = [
      forge({
        customerId: theirs,
        payments: [{ method: 'account', amountMinor: PRICE }],
      }),
      forge({ customerId: null, payments: [{ method: 'account', amountMinor: PRICE }] }),
      forge({
        kind: 'settlement',
        customerId: theirs,
        payments: [{ method: 'cash', amountMinor: PRICE }],
      }),
      forge({}),
    ];
    const answer = await cloud.gql(
      PUSH_DOCUMENTS.sales,
      {
        rows: rows.map((sale) => ({
          newDocumentState: { ...sale, _deleted: false },
          assumedMasterState: null,
        })),
      },
      tokens.get(a.identity.terminalId),
    );
    // The answer holds the refused sales (marked needs_attention with the code); the valid one is
    // booked and not among the conflicts.
    const byId = new Map<string, Sale>(answer.pushSales.map((s: Sale) => [s.id, s]));
    expect(rows.map((r) => byId.get(r.id)?.lastError?.code ?? 'booked')).toEqual([
      'POS_FORBIDDEN',
      'POS_SYNC_EVENT_INVALID',
      'POS_SYNC_EVENT_INVALID',
      'booked',
    ]);
    const booked = (await cloud.bookedSales('b-1')).map((s) => s.id);
    expect(booked).toContain(rows[3]!.id);
    expect(booked).not.toContain(rows[0]!.id);
    const { customers } = await cloud.gql(
      '{ customers(tenantId: "acme-other", first: 10) { edges { node { id balanceMinor } } } }',
    );
    expect(customers.edges).toEqual([{ node: { id: theirs, balanceMinor: 0 } }]);
  });
});
