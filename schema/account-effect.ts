import type { Sale } from './sale.ts';

/** What a sale document does to a customer account, as a ledger entry. */
export type AccountEffect = {
  customerId: string;
  kind: 'charge' | 'settlement' | 'refund';
  /** What the entry adds to the balance: a charge positive, a settlement or refund negative. */
  amountMinor: number;
};

/**
 * The ledger entry of a sale document, or `null` when it touches no account: a sale paid (partly)
 * on account charges the customer with the account payments; a settlement credits what was paid
 * less change; a return paid back to the account credits the account payments. The cloud books it
 * (docs/design.md#accounts); a terminal counts its own ones the balance does not include yet.
 */
export function accountEffectOf(
  sale: Pick<Sale, 'kind' | 'customerId' | 'payments' | 'changeMinor'>,
): AccountEffect | null {
  if (sale.customerId === null) return null;
  const onAccount = sale.payments
    .filter((p) => p.method === 'account')
    .reduce((sum, p) => sum + p.amountMinor, 0);
  if (sale.kind === 'settlement') {
    const paid = sale.payments.reduce((sum, p) => sum + p.amountMinor, 0) - sale.changeMinor;
    return paid > 0
      ? { customerId: sale.customerId, kind: 'settlement', amountMinor: -paid }
      : null;
  }
  if (onAccount === 0) return null;
  if (sale.kind === 'return') {
    return { customerId: sale.customerId, kind: 'refund', amountMinor: -onAccount };
  }
  return { customerId: sale.customerId, kind: 'charge', amountMinor: onAccount };
}
