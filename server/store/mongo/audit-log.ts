import type { Collection } from 'mongodb';
import { createUuidV7 } from '../../../schema/index.ts';
import type { AuditEntry, Connection, PageArgs } from '../cloud-store.ts';
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
  ): Promise<void> {
    await this.#coll.insertOne({
      _id: createUuidV7(),
      tenantId,
      at: this.#now().toISOString(),
      actor,
      action,
      target,
      details,
    });
  }

  async list(tenantId: string, page: PageArgs): Promise<Connection<AuditEntry>> {
    return pageOf(this.#coll, { tenantId }, page, (doc) => ({
      id: doc._id,
      tenantId: doc.tenantId,
      at: doc.at,
      actor: doc.actor,
      action: doc.action,
      target: doc.target,
      details: doc.details,
    }));
  }
}
