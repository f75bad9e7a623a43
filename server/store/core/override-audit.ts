import type { Sale } from '../../../schema/index.ts';
import type { AuditRecordOptions } from './audit-entry.ts';

/** An audit entry as both adapters' `AuditLog.record` take it. */
export type AuditRecordArgs = [
  actor: string,
  action: string,
  target: string | null,
  details: Record<string, unknown>,
  options: AuditRecordOptions,
];

/**
 * The audit entry of a manager's override at the till, written when the sale carrying it is booked
 * (docs/design.md#offline-limits): the manager is the actor, the entry is offline when the sale was
 * made offline. Null for a sale without an override.
 */
export function overrideAuditOf(sale: Sale): AuditRecordArgs | null {
  if (sale.override === null) return null;
  return [
    sale.override.managerId,
    'overrideAtTill',
    sale.id,
    {
      codes: sale.override.codes,
      reason: sale.override.reason,
      kind: sale.kind,
      terminalId: sale.terminalId,
      branchId: sale.branchId,
      totalMinor: sale.totals.totalMinor,
      createdAt: sale.createdAt,
      lastContactAt: sale.lastContactAt,
    },
    { offline: sale.offline },
  ];
}
