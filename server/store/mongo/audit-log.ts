import type { Collection, Filter } from 'mongodb';
import { createUuidV7 } from '../../../schema/index.ts';
import type { AuditEntry, AuditFilter, Connection, PageArgs } from '../cloud-store.ts';
import {
  entityTypeOfAction,
  resolveAuditRecord,
  type AuditRecordOptions,
} from '../core/audit-entry.ts';
import type { AuditDoc } from './collections.ts';
import { pageOf } from './paging.ts';

/**
 * The audit trail of admin writes. Without transactions the entry is written right after the write it
 * describes succeeded: a crash in between loses the entry, never invents one for a write that failed.
 */
export class AuditLog {
  readonly #coll: Collection<AuditDoc>;
  readonly #now: () => Date;

  constructor(coll: Collection<AuditDoc>, now: () => Date) {
    this.#coll = coll;
    this.#now = now;
  }

  async record(
    tenantId: string,
    actor: string,
    action: string,
    target: string | null,
    details: Record<string, unknown> = {},
    options: AuditRecordOptions = {},
  ): Promise<void> {
    const { entityType, offline } = resolveAuditRecord(action, options);
    await this.#coll.insertOne({
      _id: createUuidV7(),
      tenantId,
      at: this.#now().toISOString(),
      actor,
      action,
      entityType,
      target,
      details,
      offline,
    });
  }

  async list(
    tenantId: string,
    page: PageArgs,
    filter: AuditFilter = {},
  ): Promise<Connection<AuditEntry>> {
    const at =
      filter.from === undefined && filter.to === undefined
        ? {}
        : {
            at: {
              ...(filter.from === undefined ? {} : { $gte: filter.from }),
              ...(filter.to === undefined ? {} : { $lt: filter.to }),
            },
          };
    const query: Filter<AuditDoc> = {
      tenantId,
      ...(filter.entityType === undefined ? {} : { entityType: filter.entityType }),
      ...(filter.entityId === undefined ? {} : { target: filter.entityId }),
      ...(filter.actor === undefined ? {} : { actor: filter.actor }),
      ...(filter.offline === undefined ? {} : { offline: filter.offline }),
      ...at,
    };
    return pageOf(this.#coll, query, page, (doc) => ({
      id: doc._id,
      tenantId: doc.tenantId,
      at: doc.at,
      actor: doc.actor,
      action: doc.action,
      entityType: doc.entityType ?? entityTypeOfAction(doc.action),
      target: doc.target,
      details: doc.details,
      offline: doc.offline ?? false,
    }));
  }
}
