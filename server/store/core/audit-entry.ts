/**
 * What an audit entry is about, so the log can be filtered by entity. The type is a public value of
 * the `auditLog` query; the entity id is the entry's `target`.
 */
const ENTITY_TYPE_OF_ACTION: Readonly<Record<string, string>> = {
  createTenant: 'tenant',
  createAdminToken: 'adminToken',
  revokeAdminToken: 'adminToken',
  createBranch: 'branch',
  registerTerminal: 'terminal',
  revokeTerminal: 'terminal',
  reassignTerminal: 'terminal',
  'upsert:products': 'product',
  'delete:products': 'product',
  'upsert:categories': 'category',
  'delete:categories': 'category',
  repairInventory: 'inventory',
  acceptRejectedSale: 'rejectedEvent',
  discardRejectedSale: 'rejectedEvent',
  upsertCustomers: 'customer',
  mergeCustomers: 'customer',
};

/** How an entry is recorded beyond who did what to which target. */
export type AuditRecordOptions = {
  /** The write was made at a till while it was offline and reached the cloud later (default false). */
  offline?: boolean;
  /** Overrides the entity type the action implies (needed for an action this table does not know). */
  entityType?: string;
};

/** The stored fields an entry gains from its action and options. */
export function resolveAuditRecord(
  action: string,
  options: AuditRecordOptions = {},
): { entityType: string; offline: boolean } {
  return {
    entityType: options.entityType ?? entityTypeOfAction(action),
    offline: options.offline ?? false,
  };
}

/**
 * The entity type of an action: from the table, else the action's noun (`createCustomer` →
 * `customer`, `upsert:widgets` → `widgets`), so a new action is filterable without an entry here.
 */
export function entityTypeOfAction(action: string): string {
  const known = ENTITY_TYPE_OF_ACTION[action];
  if (known !== undefined) return known;
  const colon = action.indexOf(':');
  if (colon >= 0) return action.slice(colon + 1);
  const noun = /^[a-z]+([A-Z].*)$/.exec(action)?.[1];
  return noun === undefined ? action : noun[0]!.toLowerCase() + noun.slice(1);
}
