import type { Sale, SaleBounds } from '../../../schema/index.ts';
import type { SaleIngestOutcome, TerminalScope } from '../cloud-store.ts';
import type { BookedFacts } from '../core/ingest-plan.ts';
import { overrideAuditOf } from '../core/override-audit.ts';
import { decideReturn, returnOriginalId } from '../core/return-booking.ts';
import { checkIngestSize, planSale, rejectedOutcome } from '../core/ingest-plan.ts';
import { checkPushedSale, posIdsOf, refusalAnswer } from '../pushed-sale-check.ts';
import type { InvalidPushedSale, ValidPushedSale } from '../pushed-sale-check.ts';
import { accountEffectOf, refuseForeignCustomer } from '../core/account-booking.ts';
import type { Customers } from './customers.ts';
import type { DeadLetters } from './dead-letters.ts';
import type { LedgerBatch, SaleLedger, StoredSaleRow } from './sale-ledger.ts';
import type { StoreContext } from './store-context.ts';

/**
 * Idempotent sale ingest (docs/design.md#sale-ingest): the core's plan, one input at a time inside
 * the write transaction, so an input sees what the ones before it booked. Validation and hashing are
 * pure and run before the transaction, so the time the writer lock is held is only index lookups and
 * inserts.
 */
export function ingestSales(
  ctx: StoreContext,
  ledger: SaleLedger,
  deadLetters: DeadLetters,
  customers: Customers,
  scope: TerminalScope,
  currency: string | undefined,
  bounds: SaleBounds,
  inputs: unknown[],
): SaleIngestOutcome[] {
  checkIngestSize(inputs);
  const context = {
    currency,
    now: ctx.now(),
    bounds,
    highestArrived: ledger.highestArrived(scope.tenantId, scope.terminalId, posIdsOf(inputs)),
  };
  const checked = inputs.map((input) => checkPushedSale(input, scope, context));
  return ctx.db.transaction(() => {
    const batch = ledger.begin(scope.tenantId, scope.branchId);
    const outcomes = checked.map((c): SaleIngestOutcome => {
      const plan = planSale(c, bookedFacts(ledger, scope.tenantId, c));
      switch (plan.kind) {
        case 'duplicate':
          return { status: 'duplicate', key: plan.key, sale: plan.sale };
        case 'refuse':
          return refuse(deadLetters, batch, scope, plan.checked);
        case 'book': {
          const { key, sale, contentHash } = plan.checked;
          const originalId = returnOriginalId(sale);
          if (originalId !== null) {
            // Inside the transaction: the original and the counter are what this booking sees.
            const decision = decideReturn(
              plan.checked,
              ledger.saleById(scope.tenantId, originalId),
              ledger.returnCounter(scope.tenantId, originalId),
            );
            if (decision.kind === 'refuse') {
              return refuse(deadLetters, batch, scope, decision.checked);
            }
            if (decision.counter) ledger.putReturnCounter(scope.tenantId, decision.counter);
          }
          const effect = accountEffectOf(sale);
          if (effect && customers.heldElsewhereNow(scope.tenantId, effect.customerId)) {
            return refuse(deadLetters, batch, scope, refuseForeignCustomer(plan.checked));
          }
          // The ledger entry commits with the booking (docs/design.md#accounts).
          const entry = effect ? customers.bookEntryNow(scope.tenantId, sale, effect) : null;
          const booked = batch.book(sale, contentHash, '', entry);
          const audit = overrideAuditOf(sale);
          if (audit) ctx.audit.record(scope.tenantId, ...audit);
          return { status: 'ingested', key, sale: booked };
        }
      }
    });
    batch.finish();
    return outcomes;
  })();
}

/** Reads what is booked under the input's key, once and only when the plan asks. */
function bookedFacts(
  ledger: SaleLedger,
  tenantId: string,
  c: ValidPushedSale | InvalidPushedSale,
): BookedFacts {
  let rows: StoredSaleRow[] | undefined;
  const stored = () => (rows ??= ledger.salesByKey(tenantId, c.ok ? c.key : c.refusal.key!));
  return {
    sameContent: () => {
      const same = stored().find((row) => row.content_hash === c.contentHash);
      return same ? (JSON.parse(same.doc) as Sale) : null;
    },
    keyTaken: () => stored().length > 0,
    idTaken: () => c.ok && ledger.saleById(tenantId, c.sale.id) !== null,
  };
}

function refuse(
  deadLetters: DeadLetters,
  batch: LedgerBatch,
  scope: TerminalScope,
  c: InvalidPushedSale,
): SaleIngestOutcome {
  const { refusal } = c;
  const filed = deadLetters.record(scope, c.input, refusal);
  const answer = refusalAnswer(refusal, c.input, filed.discardNote);
  // Only a valid sale goes into the stream; the answer to any other payload is the push's alone.
  if (refusal.sale && answer) batch.refuse(scope, answer);
  // A refused event still arrived: it must not show up as a lost sale.
  if (refusal.event && refusal.event.terminalId === scope.terminalId) {
    batch.noteEvent(scope.terminalId, refusal.event.posId, refusal.event.localEventId);
  }
  return rejectedOutcome(refusal, filed, answer);
}
