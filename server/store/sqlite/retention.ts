import type { Statement } from 'better-sqlite3';
import type { PruneReport } from '../cloud-store.ts';
import { prepareStatements } from './prepare-statements.ts';
import type { StoreContext } from './store-context.ts';
import type { StreamKey } from './stream-seq.ts';

const RETENTION_SQL = {
  selectProductTombstones: `SELECT tenant_id, '' AS scope, max(seq) AS floor, count(*) AS n
    FROM products WHERE deleted = 1 AND changed_at < ? GROUP BY tenant_id`,
  deleteProductTombstones: `DELETE FROM products WHERE deleted = 1 AND changed_at < ?`,
  selectCategoryTombstones: `SELECT tenant_id, '' AS scope, max(seq) AS floor, count(*) AS n
    FROM categories WHERE deleted = 1 AND changed_at < ? GROUP BY tenant_id`,
  deleteCategoryTombstones: `DELETE FROM categories WHERE deleted = 1 AND changed_at < ?`,
  selectInventoryTombstones: `SELECT tenant_id, branch_id AS scope, max(seq) AS floor, count(*) AS n
    FROM inventory WHERE deleted = 1 AND changed_at < ? GROUP BY tenant_id, branch_id`,
  deleteInventoryTombstones: `DELETE FROM inventory WHERE deleted = 1 AND changed_at < ?`,
  deleteAuditEntries: `DELETE FROM audit_log WHERE at < ?`,
} as const;

type FloorRow = { tenant_id: string; scope: string; floor: number; n: number };

/**
 * Retention: tombstones and audit entries older than the cutoff go. Deleting a tombstone would let a
 * terminal that has not pulled it keep the deleted document forever, so each stream records the highest
 * seq removed as its floor, in the same transaction; pulls from a checkpoint below the floor are told to
 * re-snapshot (`StreamSeq.pullBound`).
 */
export class Retention {
  readonly #ctx: StoreContext;
  readonly #s: Record<keyof typeof RETENTION_SQL, Statement>;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
    this.#s = prepareStatements(ctx.db, RETENTION_SQL);
  }

  prune(cutoff: Date): PruneReport {
    const before = cutoff.toISOString();
    return this.#ctx.db.transaction(() => {
      const report: PruneReport = { tombstones: 0, auditEntries: 0, floors: [] };
      const tables = [
        ['products', this.#s.selectProductTombstones, this.#s.deleteProductTombstones],
        ['categories', this.#s.selectCategoryTombstones, this.#s.deleteCategoryTombstones],
        ['inventory', this.#s.selectInventoryTombstones, this.#s.deleteInventoryTombstones],
      ] as const;
      for (const [stream, select, remove] of tables) {
        for (const row of select.all(before) as FloorRow[]) {
          const key: StreamKey = { tenantId: row.tenant_id, stream, scope: row.scope };
          this.#ctx.seq.raiseFloor(key, row.floor);
          report.floors.push({
            tenantId: row.tenant_id,
            stream: row.scope === '' ? stream : `${stream}:${row.scope}`,
            seq: row.floor,
          });
        }
        report.tombstones += remove.run(before).changes;
      }
      report.auditEntries = this.#s.deleteAuditEntries.run(before).changes;
      return report;
    })();
  }
}
