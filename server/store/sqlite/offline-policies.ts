import type { Statement } from 'better-sqlite3';
import type { OfflinePolicy } from '../../../schema/index.ts';
import { prepareStatements } from './prepare-statements.ts';
import type { StoreContext } from './store-context.ts';

const POLICY_SQL = {
  selectPolicy: `SELECT doc FROM offline_policies WHERE tenant_id = ? AND scope = ?`,
  upsertPolicy: `INSERT INTO offline_policies (tenant_id, scope, doc, updated_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (tenant_id, scope) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at`,
  deletePolicy: `DELETE FROM offline_policies WHERE tenant_id = ? AND scope = ?`,
} as const;

/** Stored offline policies: scope '' is the tenant's, a branch id that branch's override. */
export class OfflinePolicies {
  readonly #ctx: StoreContext;
  readonly #s: Record<keyof typeof POLICY_SQL, Statement>;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
    this.#s = prepareStatements(ctx.db, POLICY_SQL);
  }

  read(tenantId: string, scope: string): OfflinePolicy | null {
    const row = this.#s.selectPolicy.get(tenantId, scope) as { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as OfflinePolicy) : null;
  }

  write(tenantId: string, scope: string, policy: OfflinePolicy | null, actor: string): void {
    this.#ctx.db.transaction(() => {
      if (policy === null) this.#s.deletePolicy.run(tenantId, scope);
      else {
        const at = this.#ctx.now().toISOString();
        this.#s.upsertPolicy.run(tenantId, scope, JSON.stringify(policy), at);
      }
      this.#ctx.audit.record(tenantId, actor, 'setOfflinePolicy', scope === '' ? '*' : scope, {
        policy,
      });
    })();
  }
}
