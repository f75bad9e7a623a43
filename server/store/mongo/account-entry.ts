import type { Sale } from '../../../schema/index.ts';
import { accountEffectOf } from '../core/account-booking.ts';
import type { Customers } from './customers.ts';
import type { SaleLedger } from './sale-ledger.ts';

/**
 * Books the ledger entry of a booked sale that touches an account, after its booking
 * (docs/design.md#accounts), and records the entry's position and a charge's verification on the
 * stored copy: the copy as it then is. The position is written last, so a copy that carries it was
 * booked to the end and is answered as it is (a redelivery, an accept again); one without it, new or
 * left by a crash in between, gets its entry (written once per sale id).
 */
export async function bookAccountEntry(
  ledger: SaleLedger,
  customers: Customers,
  tenantId: string,
  sale: Sale,
): Promise<Sale> {
  const effect = accountEffectOf(sale);
  // A copy booked before sales carried the position lacks the field: the step runs and records it.
  if (!effect || (sale.accountLedgerSeq ?? null) !== null) return sale;
  const entry = await customers.bookEntry(tenantId, sale, effect);
  await ledger.setAccountEntry(tenantId, sale.id, entry);
  return { ...sale, accountVerification: entry.verification, accountLedgerSeq: entry.ledgerSeq };
}
