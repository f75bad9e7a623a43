import type { RxConflictHandler, WithDeleted } from 'rxdb';
import { canonicalJson, withoutLocalMeta } from './canonical-json.ts';

/** Whether two replicated documents have the same content, `_deleted` included. */
export function isSameDocument<T>(a: WithDeleted<T>, b: WithDeleted<T>): boolean {
  return (
    canonicalJson(withoutLocalMeta(a as object)) === canonicalJson(withoutLocalMeta(b as object))
  );
}

/**
 * Conflict handler of the catalog collections (`products`, `categories`): the cloud owns the catalog, so
 * the master copy always wins. Terminals never write the catalog (pull only), so this only runs if a
 * local write slipped through; answering with the master undoes it at the next replication cycle.
 */
export function createCatalogConflictHandler<T>(): RxConflictHandler<T> {
  return {
    isEqual: (a, b) => isSameDocument(a, b),
    resolve: (input) => Promise.resolve(input.realMasterState),
  };
}
