import type { RxConflictHandler, WithDeleted } from 'rxdb';
import type { Customer, CustomerEditableField } from '../schema/index.ts';
import { CUSTOMER_EDITABLE_FIELDS } from '../schema/index.ts';
import { canonicalJson } from './canonical-json.ts';
import { isSameDocument } from './catalog-conflict-handler.ts';
import { compareHlc } from './hlc.ts';

type Doc = WithDeleted<Customer>;

/**
 * Merges two versions of one customer field by field (docs/design.md#ownership-rules): each editable
 * field comes with its clock from the side whose clock for it is later, so edits of different fields
 * in different places all survive, and of one field the later edit by hybrid logical clock wins.
 * Equal clocks with different values (only a forged row can make them) fall to the value that sorts
 * first, so every replica still converges. The cloud's fields (`mergedInto`, `balanceMinor`,
 * `ledgerSeq`), the id and the tenant come from `master`: no terminal writes them.
 *
 * Commutative in the editable fields, associative and idempotent (`customer-merge.test.ts`), so the
 * terminal's conflict handler and the cloud's push reach the same document in any order.
 */
export function mergeCustomer(master: Doc, incoming: Doc): Doc {
  const merged = { ...master, clocks: { ...master.clocks } } as Doc;
  for (const field of CUSTOMER_EDITABLE_FIELDS) {
    if (takesIncoming(field, master, incoming)) {
      (merged as Record<string, unknown>)[field] = incoming[field];
      merged.clocks[field] = incoming.clocks[field];
    }
  }
  return merged;
}

function takesIncoming(field: CustomerEditableField, master: Doc, incoming: Doc): boolean {
  const order = compareHlc(incoming.clocks[field], master.clocks[field]);
  if (order !== 0) return order > 0;
  return canonicalJson(incoming[field]) < canonicalJson(master[field]);
}

/**
 * The terminal's conflict handler of `customers`: the cloud answered a push with its master, so the
 * local edits and the master merge field by field (`mergeCustomer`, the master's cloud fields kept),
 * and the result goes up again if it holds a local edit the master lacks.
 */
export const customerConflictHandler: RxConflictHandler<Customer> = {
  isEqual: (a, b) => isSameDocument(a, b),
  resolve: (input) => Promise.resolve(mergeCustomer(input.realMasterState, input.newDocumentState)),
};
