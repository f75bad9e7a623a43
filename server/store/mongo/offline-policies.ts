import type { OfflinePolicy } from '../../../schema/index.ts';
import type { AuditLog } from './audit-log.ts';
import type { Collections } from './collections.ts';

/** Stored offline policies: scope '' is the tenant's, a branch id that branch's override. */
export class OfflinePolicies {
  readonly #c: Collections;
  readonly #audit: AuditLog;
  readonly #now: () => Date;

  constructor(collections: Collections, audit: AuditLog, now: () => Date) {
    this.#c = collections;
    this.#audit = audit;
    this.#now = now;
  }

  async read(tenantId: string, scope: string): Promise<OfflinePolicy | null> {
    const doc = await this.#c.offlinePolicies.findOne(
      { tenantId, scope },
      { projection: { _id: 0, policy: 1 } },
    );
    return doc?.policy ?? null;
  }

  /** One document per scope; the audit entry follows the write (docs/design.md#store-port). */
  async write(
    tenantId: string,
    scope: string,
    policy: OfflinePolicy | null,
    actor: string,
  ): Promise<void> {
    if (policy === null) await this.#c.offlinePolicies.deleteOne({ tenantId, scope });
    else {
      await this.#c.offlinePolicies.updateOne(
        { tenantId, scope },
        { $set: { policy, updatedAt: this.#now().toISOString() } },
        { upsert: true },
      );
    }
    await this.#audit.record(tenantId, actor, 'setOfflinePolicy', scope === '' ? '*' : scope, {
      policy,
    });
  }
}
