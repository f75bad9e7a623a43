import type { RxConflictHandler, WithDeleted } from 'rxdb';
import type { Sale } from '../schema/index.ts';
import { canonicalJson } from './canonical-json.ts';

/**
 * Terminal-side bookkeeping fields of a sale; they never travel as a change of the sale. `lastError` is
 * not one of them: the cloud's refusal and an operator's later decision on it (a discard changes
 * nothing else that is compared) reach the terminal in it.
 */
const TERMINAL_STATE_KEYS = new Set(['syncState', 'syncAttempts', '_meta', '_rev', '_attachments']);

function replicatedPartOf(sale: WithDeleted<Sale>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(sale).filter(([key]) => !TERMINAL_STATE_KEYS.has(key)));
}

/**
 * Equality of two sale states for replication: content, cloud fields (`invoiceNo`, `ingestedAt`,
 * `_deleted`) and the cloud's word on the sale (`lastError`), ignoring terminal bookkeeping
 * (`syncState`, `syncAttempts`). RxDB pushes a document only when it differs from the last known master
 * state, so a terminal counting attempts does not push the sale again; and RxDB's pull skips a master
 * state equal to the local one, so an operator's discard must differ in `lastError` (`syncState` is
 * ignored).
 */
export function isSameSale(a: WithDeleted<Sale>, b: WithDeleted<Sale>): boolean {
  return canonicalJson(replicatedPartOf(a)) === canonicalJson(replicatedPartOf(b));
}

/**
 * Conflict handler of the `sales` collection. Sales are append-only, so a conflict is never resolved by
 * merging content:
 * - the ingested copy (with `invoiceNo`) wins: it is what the cloud booked;
 * - otherwise the master wins as well; this is how a refusal reaches the terminal: the server answers a
 *   refused row with the terminal's own sale marked `needs_attention` with `lastError` set, as a conflict.
 * A terminal's different content for an existing sale is therefore never accepted.
 */
export const saleConflictHandler: RxConflictHandler<Sale> = {
  isEqual: (a, b) => isSameSale(a, b),
  resolve: ({ realMasterState, newDocumentState }) => {
    const keepLocal = realMasterState.invoiceNo === null && newDocumentState.invoiceNo !== null;
    return Promise.resolve(keepLocal ? newDocumentState : realMasterState);
  },
};
