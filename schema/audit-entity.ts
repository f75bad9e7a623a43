/**
 * What an audit entry is about (`AuditEntry.entityType`): a public value of the `auditLog` filter,
 * the entity's id being the entry's `target`. The one list the stores, the console and the docs use.
 */
export const AUDIT_ENTITY_TYPES = [
  'tenant',
  'adminToken',
  'branch',
  'terminal',
  'product',
  'category',
  'inventory',
  'rejectedEvent',
  'customer',
  'offlinePolicy',
  'sale',
  'overLimitCharge',
] as const;

/** What an audit entry is about. */
export type AuditEntityType = (typeof AUDIT_ENTITY_TYPES)[number];

/**
 * The entity type of every audited action. An action missing here is typed by its noun
 * (`entityTypeOfAction` in the stores), so add each new action with its type.
 */
export const AUDIT_ENTITY_TYPE_OF_ACTION: Readonly<Record<string, AuditEntityType>> = {
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
  setOfflinePolicy: 'offlinePolicy',
  overrideAtTill: 'sale',
  resolveOverLimitCharge: 'overLimitCharge',
};
