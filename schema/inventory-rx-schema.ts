import type { RxJsonSchema } from 'rxdb';
import { getCRDTSchemaPart } from 'rxdb/plugins/crdt';
import type { InventoryItem } from './inventory.ts';
import { ID_MAX_LENGTH, INVENTORY_ID_MAX_LENGTH, ISO_DATE_TIME_MAX_LENGTH } from './constants.ts';

/**
 * RxDB schema of the terminal's `inventory` collection, for RxDB's `crdt` plugin: `crdt.field` names the
 * property that holds the operation log, and that property must have the plugin's own schema part, taken
 * from the plugin rather than copied so it cannot drift. This is the one runtime import of rxdb in
 * `schema/`.
 *
 * The collection needs `RxDBcrdtPlugin` added; the plugin installs its own conflict handler (passing one
 * is an error, CRDT3). Write through `updateCRDT(adjustInventory(...))`; plain `patch`/`update` calls are
 * turned into `$set` operations, which do not merge.
 */
export const inventoryRxSchema: RxJsonSchema<InventoryItem> = {
  title: 'inventory',
  description:
    'On-hand stock per product of this branch, merged across terminals as a CRDT counter.',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: INVENTORY_ID_MAX_LENGTH },
    branchId: { type: 'string', maxLength: ID_MAX_LENGTH },
    productId: { type: 'string', maxLength: ID_MAX_LENGTH },
    onHand: { type: 'integer' },
    lastCountedAt: { type: ['string', 'null'], maxLength: ISO_DATE_TIME_MAX_LENGTH },
    lastReason: {
      type: ['string', 'null'],
      enum: ['receiving', 'count', 'return', 'shrinkage', 'transfer', 'correction', null],
    },
    crdts: getCRDTSchemaPart<InventoryItem>(),
  },
  // `crdts` is left out of `required` to match the zod type; the plugin writes it with every document.
  required: ['id', 'branchId', 'productId', 'onHand', 'lastCountedAt', 'lastReason'],
  additionalProperties: false,
  indexes: ['productId'],
  crdt: { field: 'crdts' },
};
