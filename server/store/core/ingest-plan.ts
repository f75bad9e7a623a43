import type { Sale } from '../../../schema/index.ts';
import { PosError } from '../../../schema/index.ts';
import { INGEST_MAX } from '../cloud-store.ts';
import type { SaleIngestOutcome } from '../cloud-store.ts';
import { refusalError, refusalOfValid } from '../pushed-sale-check.ts';
import type {
  FiledRefusal,
  InvalidPushedSale,
  Refusal,
  ValidPushedSale,
} from '../pushed-sale-check.ts';

/**
 * The sale ingest rules every adapter applies (docs/design.md#sale-ingest); the adapter only reads
 * what is booked and writes the plan.
 */

/** Refuses a batch larger than `INGEST_MAX` before anything is read. */
export function checkIngestSize(inputs: unknown[]): void {
  if (inputs.length > INGEST_MAX) {
    throw new PosError('POS_INPUT_INVALID', `at most ${INGEST_MAX} sales per ingest`);
  }
}

/** The decision for one checked input before the writes. */
export type SalePlan =
  | { kind: 'duplicate'; key: string; sale: Sale }
  | { kind: 'refuse'; checked: InvalidPushedSale }
  | { kind: 'book'; checked: ValidPushedSale };

/** What is booked already, asked lazily and only as far as the rules need. */
export type BookedFacts = {
  /** The sale booked under the input's key with the input's content hash. */
  sameContent(): Sale | null;
  /** Whether any sale is booked under the input's key. */
  keyTaken(): boolean;
  /** Whether the input's sale id is booked (under any key). */
  idTaken(): boolean;
};

export function planSale(
  checked: ValidPushedSale | InvalidPushedSale,
  booked: BookedFacts,
): SalePlan {
  if (!checked.ok) {
    // Idempotency comes before validation: a sale an operator accepted as it was is booked, and a
    // redelivery of it is a duplicate, not a new refusal.
    const same = checked.refusal.key && checked.contentHash ? booked.sameContent() : null;
    return same
      ? { kind: 'duplicate', key: checked.refusal.key!, sale: same }
      : { kind: 'refuse', checked };
  }
  const same = booked.sameContent();
  if (same) return { kind: 'duplicate', key: checked.key, sale: same };
  // One booked sale per key, however it was booked (ingest or an operator's accept).
  if (booked.keyTaken()) return { kind: 'refuse', checked: keyConflict(checked) };
  if (booked.idTaken()) return { kind: 'refuse', checked: idReused(checked) };
  return { kind: 'book', checked };
}

export function keyConflict(c: ValidPushedSale): InvalidPushedSale {
  return refusalOfValid(c, `a different sale was already ingested with key ${c.key}`, {
    rule: 'key_conflict',
    path: '',
    message: 'same idempotency key, different content',
  });
}

export function idReused(c: ValidPushedSale): InvalidPushedSale {
  return refusalOfValid(c, `sale id ${c.sale.id} is already booked under another key`, {
    rule: 'id_reused',
    path: 'id',
    message: 'sale id reused',
  });
}

/** The outcome of a refused input, filed as a dead letter and answered with `answer`. */
export function rejectedOutcome(
  refusal: Refusal,
  filed: FiledRefusal,
  answer: Sale | null,
): SaleIngestOutcome {
  return {
    status: 'rejected',
    key: refusal.key,
    code: refusal.code,
    message: refusalError(refusal.message, filed.discardNote, refusal.code).message,
    problems: refusal.problems,
    rejectedEventId: filed.rejectedEventId,
    sale: answer,
  };
}
