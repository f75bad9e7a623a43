import type { AccountEffect, AccountStatus, Sale } from '../../../schema/index.ts';
import type { InvalidPushedSale, ValidPushedSale } from '../pushed-sale-check.ts';
import { refusalOfValid } from '../pushed-sale-check.ts';

export type { AccountEffect } from '../../../schema/index.ts';
export { accountEffectOf } from '../../../schema/index.ts';

/** What booking a ledger entry tells the sale document: its position and a charge's verification. */
export type BookedEntry = {
  verification: 'verified' | 'over_limit' | null;
  ledgerSeq: number;
};

/**
 * The cloud's verification of a charge against the true balance before it (every terminal's entries
 * included): `over_limit` when it takes the balance past the credit limit or the account takes no
 * charges. A customer the cloud does not know yet (made offline, its push still on the way) is held
 * to the limit the terminal checked against. The charge is booked either way: the goods are gone.
 */
export function verifyCharge(
  effect: AccountEffect,
  balanceBeforeMinor: number,
  customer: { creditLimitMinor: number; accountStatus: AccountStatus } | null,
  sale: Sale,
): 'verified' | 'over_limit' {
  const limit = customer?.creditLimitMinor ?? sale.accountCheck?.limitMinor ?? 0;
  if (customer && customer.accountStatus !== 'active') return 'over_limit';
  return balanceBeforeMinor + effect.amountMinor > limit ? 'over_limit' : 'verified';
}

/**
 * Refuses an account booking naming a customer of another tenant (`POS_FORBIDDEN`): ids are the
 * tenant's own, and a customer this tenant does not hold yet (made offline, on its way) is one no
 * other tenant holds either. The adapter asks its store whether another tenant holds the id.
 */
export function refuseForeignCustomer(c: ValidPushedSale): InvalidPushedSale {
  const message = `customer ${c.sale.customerId} is not a customer of this tenant`;
  return refusalOfValid(
    c,
    message,
    { rule: 'account_customer', path: 'customerId', message },
    'POS_FORBIDDEN',
  );
}
