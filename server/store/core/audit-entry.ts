import { AUDIT_ENTITY_TYPE_OF_ACTION } from '../../../schema/index.ts';

/** How an entry is recorded beyond who did what to which target. */
export type AuditRecordOptions = {
  /** The write was made at a till while it was offline and reached the cloud later (default false). */
  offline?: boolean;
};

/** The stored fields an entry gains from its action and options. */
export function resolveAuditRecord(
  action: string,
  options: AuditRecordOptions = {},
): { entityType: string; offline: boolean } {
  return { entityType: entityTypeOfAction(action), offline: options.offline ?? false };
}

/**
 * The entity type of an action: from `AUDIT_ENTITY_TYPE_OF_ACTION` (what every store records and
 * MongoDB's backfill gives old entries), else the action's noun (`createCustomer` → `customer`,
 * `upsert:widgets` → `widgets`), so an action not listed yet is still filterable.
 */
export function entityTypeOfAction(action: string): string {
  const known = AUDIT_ENTITY_TYPE_OF_ACTION[action];
  if (known !== undefined) return known;
  const colon = action.indexOf(':');
  if (colon >= 0) return action.slice(colon + 1);
  const noun = /^[a-z]+([A-Z].*)$/.exec(action)?.[1];
  return noun === undefined ? action : noun[0]!.toLowerCase() + noun.slice(1);
}
