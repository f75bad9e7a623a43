import type { AccountCheck, AccountStatus, Sale } from '../schema/index.ts';
import { accountEffectOf } from '../schema/index.ts';

/**
 * One of this terminal's account events (charge, settlement, refund to account) as the credit check
 * needs it: what it adds to the balance and whether the pulled balance can include it yet.
 */
export type AccountEvent = {
  saleId: string;
  customerId: string;
  /** What the event adds to the balance: a charge positive, a settlement or refund negative. */
  amountMinor: number;
  syncState: Sale['syncState'];
  /** The ledger position of its entry, once the synced copy came back; null before. */
  accountLedgerSeq: number | null;
  accountVerification: Sale['accountVerification'];
};

/** The account event of one of this terminal's sale documents, or null when it touches no account. */
export function accountEventOf(sale: Sale): AccountEvent | null {
  const effect = accountEffectOf(sale);
  if (!effect) return null;
  return {
    saleId: sale.id,
    customerId: effect.customerId,
    amountMinor: effect.amountMinor,
    syncState: sale.syncState,
    accountLedgerSeq: sale.accountLedgerSeq,
    accountVerification: sale.accountVerification,
  };
}

/**
 * Whether the balance pulled at `ledgerSeq` leaves `event` out (docs/design.md#accounts):
 * - queued: its entry's position is unknown until the synced copy comes back, so it counts (when the
 *   customer row arrives first and already includes it, it counts twice until the copy arrives: the
 *   check errs on the side of less credit, never more);
 * - needs_attention: not booked, but an operator may still accept it, so it counts;
 * - discarded: never booked;
 * - synced: included once the customer's `ledgerSeq` reaches its entry's position.
 */
export function isUnsynced(event: AccountEvent, ledgerSeq: number): boolean {
  switch (event.syncState) {
    case 'queued':
    case 'needs_attention':
      return true;
    case 'discarded':
      return false;
    case 'synced':
      return event.accountLedgerSeq !== null && event.accountLedgerSeq > ledgerSeq;
  }
}

/** The account as the terminal last pulled it. */
export type PulledAccount = {
  creditLimitMinor: number;
  balanceMinor: number;
  ledgerSeq: number;
  accountStatus: AccountStatus;
};

/**
 * The offline credit check's figures: available = credit limit − last synced balance − this
 * terminal's unsynced charges + its unsynced settlements (`events`: this terminal's account events
 * of the customer and of the customers merged into it).
 */
export function computeAccountCheck(
  account: PulledAccount,
  events: Iterable<AccountEvent>,
): AccountCheck {
  let unsynced = 0;
  for (const event of events) {
    if (isUnsynced(event, account.ledgerSeq)) unsynced += event.amountMinor;
  }
  return {
    limitMinor: account.creditLimitMinor,
    balanceSeenMinor: account.balanceMinor,
    unsyncedMinor: unsynced,
    availableMinor: account.creditLimitMinor - account.balanceMinor - unsynced,
  };
}
