import { describe, expect, it } from 'vitest';
import type { AccountEvent, PulledAccount } from './account-exposure.ts';
import { computeAccountCheck, isUnsynced } from './account-exposure.ts';

const event = (overrides: Partial<AccountEvent>): AccountEvent => ({
  saleId: 's-1',
  customerId: 'c-1',
  amountMinor: 500,
  syncState: 'queued',
  accountLedgerSeq: null,
  accountVerification: null,
  ...overrides,
});

describe('isUnsynced: whether the balance pulled at ledgerSeq 10 leaves an event out', () => {
  it.each<[string, Partial<AccountEvent>, boolean]>([
    ['queued: its position is unknown, so it counts', { syncState: 'queued' }, true],
    ['refused, an operator may still accept it', { syncState: 'needs_attention' }, true],
    ['discarded: never booked', { syncState: 'discarded' }, false],
    ['synced below the balance position', { syncState: 'synced', accountLedgerSeq: 9 }, false],
    ['synced at the balance position', { syncState: 'synced', accountLedgerSeq: 10 }, false],
    [
      'synced above the balance position (the customer row is older)',
      { syncState: 'synced', accountLedgerSeq: 11 },
      true,
    ],
    ['synced without an entry', { syncState: 'synced', accountLedgerSeq: null }, false],
  ])('%s', (_, overrides, expected) => {
    expect(isUnsynced(event(overrides), 10)).toBe(expected);
  });
});

describe('computeAccountCheck', () => {
  const account: PulledAccount = {
    creditLimitMinor: 10_000,
    balanceMinor: 3_000,
    ledgerSeq: 10,
    accountStatus: 'active',
  };

  it('takes off unsynced charges and adds back unsynced settlements', () => {
    const check = computeAccountCheck(account, [
      event({ saleId: 'a', amountMinor: 1_000 }),
      event({ saleId: 'b', amountMinor: 2_000, syncState: 'synced', accountLedgerSeq: 12 }),
      event({ saleId: 'c', amountMinor: -500, syncState: 'synced', accountLedgerSeq: 11 }),
      event({ saleId: 'd', amountMinor: 4_000, syncState: 'synced', accountLedgerSeq: 7 }),
    ]);
    expect(check).toEqual({
      limitMinor: 10_000,
      balanceSeenMinor: 3_000,
      unsyncedMinor: 2_500,
      availableMinor: 4_500,
    });
  });

  it('sale synced before the customer row: counted once, by its entry above the old position', () => {
    // The charge's synced copy (entry 11) came back; the customer row still shows position 10.
    const charge = event({ amountMinor: 1_000, syncState: 'synced', accountLedgerSeq: 11 });
    expect(computeAccountCheck(account, [charge]).availableMinor).toBe(6_000);
    // The row catches up: its balance includes the charge, which no longer counts.
    const caughtUp = { ...account, balanceMinor: 4_000, ledgerSeq: 11 };
    expect(computeAccountCheck(caughtUp, [charge]).availableMinor).toBe(6_000);
  });

  it('customer row updated before the sale came back: never more credit, exact once it does', () => {
    const queued = event({ amountMinor: 1_000, syncState: 'queued' });
    expect(computeAccountCheck(account, [queued]).availableMinor).toBe(6_000);
    // The row already includes the charge (entry 11) while the copy is on its way: counted twice,
    // which errs on the side of less credit.
    const rowFirst = { ...account, balanceMinor: 4_000, ledgerSeq: 11 };
    expect(computeAccountCheck(rowFirst, [queued]).availableMinor).toBe(5_000);
    const synced = { ...queued, syncState: 'synced' as const, accountLedgerSeq: 11 };
    expect(computeAccountCheck(rowFirst, [synced]).availableMinor).toBe(6_000);
  });
});
