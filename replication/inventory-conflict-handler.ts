import { createHash } from 'node:crypto';
import type { HashFunction, RxConflictHandler, RxDocumentData, RxJsonSchema } from 'rxdb';
import { getCRDTConflictHandler } from 'rxdb/plugins/crdt';
import type { InventoryItem } from '../schema/index.ts';
import { inventoryRxSchema } from '../schema/index.ts';

/** SHA-256 hex, the same function RxDB databases use by default (`database.hashFunction`). */
export const sha256HashFunction: HashFunction = async (input) => {
  const data =
    typeof input === 'string'
      ? input
      : new Uint8Array(input instanceof ArrayBuffer ? input : await input.arrayBuffer());
  return createHash('sha256').update(data).digest('hex');
};

/**
 * Conflict handler of the `inventory` collection: the `crdt` plugin's own, which merges the operation
 * logs of both sides and replays them, so `$inc` adjustments from several terminals all count.
 *
 * On the terminal do not pass it to `addCollections`: the plugin installs it itself for a schema with
 * `crdt` set and refuses a second one (CRDT3). It is exported for the server, which merges a pushed
 * inventory row into its master the same way, and for tests.
 */
export function createInventoryConflictHandler(
  hashFunction: HashFunction = sha256HashFunction,
): RxConflictHandler<InventoryItem> {
  return getCRDTConflictHandler<InventoryItem>(
    hashFunction,
    inventoryRxSchema as RxJsonSchema<RxDocumentData<InventoryItem>>,
  );
}
