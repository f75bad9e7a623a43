import type { Sale, SaleBounds } from '../../../schema/index.ts';
import { PosError } from '../../../schema/index.ts';
import { INGEST_MAX } from '../cloud-store.ts';
import type { SaleIngestOutcome, TerminalScope } from '../cloud-store.ts';
import {
  checkPushedSale,
  posIdsOf,
  refusalAnswer,
  refusalError,
  refusalOfValid,
} from '../pushed-sale-check.ts';
import type { InvalidPushedSale, ValidPushedSale } from '../pushed-sale-check.ts';
import type { DeadLetters } from './dead-letters.ts';
import type { LedgerBatch, SaleLedger } from './sale-ledger.ts';
import type { StoreContext } from './store-context.ts';

/**
 * Idempotent sale ingest (docs/design.md#sale-ingest). Validation and hashing are pure
 * and run before the write transaction, so the time the writer lock is held is only index lookups and
 * inserts.
 */
export function ingestSales(
  ctx: StoreContext,
  ledger: SaleLedger,
  deadLetters: DeadLetters,
  scope: TerminalScope,
  currency: string | undefined,
  bounds: SaleBounds,
  inputs: unknown[],
): SaleIngestOutcome[] {
  if (inputs.length > INGEST_MAX) {
    throw new PosError('POS_INPUT_INVALID', `at most ${INGEST_MAX} sales per ingest`);
  }
  const context = {
    currency,
    now: ctx.now(),
    bounds,
    highestArrived: ledger.highestArrived(scope.tenantId, scope.terminalId, posIdsOf(inputs)),
  };
  const checked = inputs.map((input) => checkPushedSale(input, scope, context));
  return ctx.db.transaction(() => {
    const batch = ledger.begin(scope.tenantId, scope.branchId);
    const outcomes = checked.map((c) => {
      if (c.ok) return ingestOne(ledger, deadLetters, batch, scope, c);
      // Idempotency comes before validation: a sale an operator accepted as it was is booked, and a
      // redelivery of it is a duplicate, not a new refusal.
      const booked =
        c.refusal.key && c.contentHash
          ? findSame(ledger, scope, c.refusal.key, c.contentHash)
          : null;
      return booked
        ? { status: 'duplicate' as const, key: c.refusal.key!, sale: booked }
        : refuse(deadLetters, batch, scope, c);
    });
    batch.finish();
    return outcomes;
  })();
}

function ingestOne(
  ledger: SaleLedger,
  deadLetters: DeadLetters,
  batch: LedgerBatch,
  scope: TerminalScope,
  c: ValidPushedSale,
): SaleIngestOutcome {
  const stored = ledger.salesByKey(scope.tenantId, c.key);
  const same = stored.find((row) => row.content_hash === c.contentHash);
  if (same) return { status: 'duplicate', key: c.key, sale: JSON.parse(same.doc) as Sale };
  // One booked sale per key, however it was booked (ingest or an operator's accept).
  if (stored.length > 0) {
    return refuse(
      deadLetters,
      batch,
      scope,
      refusalOfValid(c, `a different sale was already ingested with key ${c.key}`, {
        rule: 'key_conflict',
        path: '',
        message: 'same idempotency key, different content',
      }),
    );
  }
  if (ledger.saleById(scope.tenantId, c.sale.id) !== null) {
    return refuse(
      deadLetters,
      batch,
      scope,
      refusalOfValid(c, `sale id ${c.sale.id} is already booked under another key`, {
        rule: 'id_reused',
        path: 'id',
        message: 'sale id reused',
      }),
    );
  }
  return { status: 'ingested', key: c.key, sale: batch.book(c.sale, c.contentHash, '') };
}

function findSame(
  ledger: SaleLedger,
  scope: TerminalScope,
  key: string,
  contentHash: string,
): Sale | null {
  const same = ledger.salesByKey(scope.tenantId, key).find((r) => r.content_hash === contentHash);
  return same ? (JSON.parse(same.doc) as Sale) : null;
}

function refuse(
  deadLetters: DeadLetters,
  batch: LedgerBatch,
  scope: TerminalScope,
  c: InvalidPushedSale,
): SaleIngestOutcome {
  const { refusal } = c;
  const { rejectedEventId, discardNote } = deadLetters.record(scope, c.input, refusal);
  const answer = refusalAnswer(refusal, c.input, discardNote);
  // Only a valid sale goes into the stream; the answer to any other payload is the push's alone.
  if (refusal.sale && answer) batch.refuse(scope, answer);
  // A refused event still arrived: it must not show up as a lost sale.
  if (refusal.event && refusal.event.terminalId === scope.terminalId) {
    batch.noteEvent(scope.terminalId, refusal.event.posId, refusal.event.localEventId);
  }
  return {
    status: 'rejected',
    key: refusal.key,
    code: 'POS_SYNC_EVENT_INVALID',
    message: refusalError(refusal.message, discardNote).message,
    problems: refusal.problems,
    rejectedEventId,
    sale: answer,
  };
}
