import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Customer, Sale } from '../schema/index.ts';
import { makeSale, makeSaleLine, newCustomerDocument } from '../schema/index.ts';
import { removeDir, tempDir } from './test-support/cloud-process.ts';
import { eventually } from './test-support/terminal-fixtures.ts';
import { TerminalAccounts } from './terminal-accounts.ts';
import type { TerminalDatabase } from './terminal-database.ts';
import { openTerminalDatabase } from './terminal-database.ts';

const CLOCK = '001796000000000-000000-pos-1';
const LIMIT = 100_000;

/**
 * The terminal's collections written as its pulls write them (the synced sale copy and the customer
 * row come by two streams, in either order), and the credit check read after each write.
 */
describe('the credit check while the sale copy and the customer row arrive in either order', () => {
  let dataDir: string;
  let db: TerminalDatabase;
  let accounts: TerminalAccounts;
  let customer: Customer;
  let charge: Sale;

  beforeEach(async () => {
    dataDir = tempDir('pos-accounts-');
    db = await openTerminalDatabase({ dataDir, catalogSynchronous: 'NORMAL' });
    customer = {
      ...newCustomerDocument('c-1', 'tenant-1', { name: 'Ada', creditLimitMinor: LIMIT }, CLOCK),
      balanceMinor: 0,
      ledgerSeq: 4,
    };
    await db.customers.insert(customer);
    const lines = [makeSaleLine()];
    const queued = makeSale({ lines, customerId: 'c-1' });
    charge = {
      ...queued,
      payments: [{ method: 'account', amountMinor: queued.totals.totalMinor }],
    };
    await db.sales.insert(charge);
    accounts = await TerminalAccounts.open(db, [charge]);
  });
  afterEach(async () => {
    accounts.unsubscribe();
    await db.close();
    removeDir(dataDir);
  });

  const available = async () => {
    const row = (await db.customers.findOne('c-1').exec(true)).toJSON() as Customer;
    return accounts.check(row).availableMinor;
  };
  const pullCustomer = (balanceMinor: number, ledgerSeq: number) =>
    db.customers.upsert({ ...customer, balanceMinor, ledgerSeq });
  const pullSaleCopy = (accountLedgerSeq: number) =>
    db.sales.upsert({
      ...charge,
      syncState: 'synced',
      invoiceNo: 1,
      ingestedAt: new Date().toISOString(),
      accountVerification: 'verified',
      accountLedgerSeq,
    });

  it('sale copy first: counted by its entry above the row, then by the balance, never twice', async () => {
    const amount = charge.totals.totalMinor;
    // The row the customers pull brings next: its balance includes the charge, at the charge's entry.
    const nextRow = { ...customer, balanceMinor: amount, ledgerSeq: 5 };
    expect(await available()).toBe(LIMIT - amount);
    // Queued, the charge would count on top of that balance too.
    expect(accounts.check(nextRow).availableMinor).toBe(LIMIT - 2 * amount);
    await pullSaleCopy(5);
    // The copy's entry position is taken in: above the stored row, at the next one.
    await eventually(() => accounts.check(nextRow).availableMinor === LIMIT - amount);
    expect(await available()).toBe(LIMIT - amount);
    await pullCustomer(nextRow.balanceMinor, nextRow.ledgerSeq);
    // Any moment in between and after: exactly one count of the charge.
    for (let i = 0; i < 3; i++) expect(await available()).toBe(LIMIT - amount);
  });

  it('customer row first: at most one count too many until the copy comes, then exact', async () => {
    const amount = charge.totals.totalMinor;
    await pullCustomer(amount, 5);
    // The balance includes the charge whose copy is still on its way: less credit, never more.
    expect(await available()).toBe(LIMIT - 2 * amount);
    await pullSaleCopy(5);
    await eventually(async () => (await available()) === LIMIT - amount);
  });

  it("follows a merged customer's events to the survivor", async () => {
    const amount = charge.totals.totalMinor;
    await db.customers.insert({
      ...newCustomerDocument('c-2', 'tenant-1', { name: 'Ada L' }, CLOCK),
      balanceMinor: 0,
      ledgerSeq: 4,
    });
    await db.customers.upsert({ ...customer, mergedInto: 'c-2' });
    const survivor = (await db.customers.findOne('c-2').exec(true)).toJSON() as Customer;
    await eventually(() => accounts.check(survivor).unsyncedMinor === amount);
  });
});
