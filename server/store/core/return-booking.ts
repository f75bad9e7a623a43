import type { ReturnedLine, Sale } from '../../../schema/index.ts';
import {
  NOTHING_RETURNED,
  addReturned,
  checkReturnAgainstOriginal,
  returnRefusalCode,
  withSaleV2Defaults,
} from '../../../schema/index.ts';
import type { InvalidPushedSale, ValidPushedSale } from '../pushed-sale-check.ts';
import { refusalOfValid } from '../pushed-sale-check.ts';

/**
 * The returns rule every adapter applies at ingest (docs/design.md#returns): a return is booked only
 * against a booked sale of its branch, within what is left of each line, at the pro-rata amounts.
 * The adapter reads the original and its counter, and writes the counter back only if nobody changed
 * it meanwhile (SQLite: inside the write transaction; MongoDB: a conditional update on `version`).
 */

/**
 * What was returned of one original sale, per line, and which returns that counts: one document per
 * original, so a return of several lines changes it in one write, and a redelivery after a crash
 * between the counter and the booking is not counted twice.
 */
export type ReturnCounter = {
  saleId: string;
  /** Bumped by every write; the conditional update's guard. 0: no counter stored yet. */
  version: number;
  returned: ReturnedLine[];
  /** Ids of the returns counted, booked or about to be. */
  applied: string[];
};

/** The counter of an original nothing was returned of yet. */
export function emptyReturnCounter(saleId: string): ReturnCounter {
  return { saleId, version: 0, returned: [], applied: [] };
}

/** The id of the original a sale document returns, or null for anything but a return. */
export function returnOriginalId(sale: Pick<Sale, 'kind' | 'returnOf'>): string | null {
  return sale.kind === 'return' && sale.returnOf ? sale.returnOf.saleId : null;
}

/** A stored booking read back as a version-2 sale (rows booked before version 2 lack its fields). */
export function storedSale(doc: Sale): Sale {
  return withSaleV2Defaults(doc);
}

/** The decision on a valid return: book it with this counter (null: counted already), or refuse it. */
export type ReturnDecision =
  { kind: 'book'; counter: ReturnCounter | null } | { kind: 'refuse'; checked: InvalidPushedSale };

/** Decides a valid return against its booked original (null: not booked) and its counter. */
export function decideReturn(
  c: ValidPushedSale,
  original: Sale | null,
  counter: ReturnCounter,
): ReturnDecision {
  if (counter.applied.includes(c.sale.id)) return { kind: 'book', counter: null };
  const problems = checkReturnAgainstOriginal(c.sale, original, counter.returned);
  if (problems.length === 0) return { kind: 'book', counter: countReturn(counter, c.sale) };
  const first = problems
    .slice(0, 3)
    .map((p) => `${p.path}: ${p.message}`)
    .join('; ');
  const more = problems.length > 3 ? ` (+${problems.length - 3} more)` : '';
  return {
    kind: 'refuse',
    checked: refusalOfValid(
      c,
      `return refused: ${first}${more}`.slice(0, 2000),
      problems.map((p) => ({ rule: 'return_original', path: p.path, message: p.message })),
      returnRefusalCode(problems),
    ),
  };
}

/**
 * The counter with `ret` counted: also for an operator's accept of a refused return, which books it
 * as an exception, so later returns see the quantities really returned.
 */
export function countReturn(counter: ReturnCounter, ret: Sale): ReturnCounter {
  if (counter.applied.includes(ret.id)) return counter;
  const returned = addReturned(
    counter.returned.map((r) => ({ ...r })),
    ret,
  );
  return {
    saleId: counter.saleId,
    version: counter.version + 1,
    // Dense: a line nothing was returned of is stored as zeros, never as a hole.
    returned: Array.from(returned, (r) => r ?? { ...NOTHING_RETURNED }),
    applied: [...counter.applied, ret.id],
  };
}
