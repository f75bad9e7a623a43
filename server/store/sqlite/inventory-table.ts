import type { Statement } from 'better-sqlite3';
import type { RxConflictHandler, WithDeleted } from 'rxdb';
import type { Checkpoint } from '../../../replication/index.ts';
import { createInventoryConflictHandler, withoutLocalMeta } from '../../../replication/index.ts';
import type { InventoryItem } from '../../../schema/index.ts';
import { PosError } from '../../../schema/index.ts';
import type { InventoryPushRow, PullResult, TerminalScope } from '../cloud-store.ts';
import { checkLimit, parseInventoryPush } from '../store-input-checks.ts';
import { prepareStatements } from './prepare-statements.ts';
import type { StoreContext } from './store-context.ts';

const INVENTORY_SQL = {
  selectByIds: `SELECT i.id, i.seq, i.doc FROM json_each(?) AS j
    JOIN inventory AS i ON i.tenant_id = ? AND i.id = j.value`,
  upsert: `INSERT INTO inventory (tenant_id, branch_id, id, seq, deleted, changed_at, doc)
    VALUES (@tenantId, @branchId, @id, @seq, @deleted, @changedAt, @doc)
    ON CONFLICT (tenant_id, id) DO UPDATE SET seq = excluded.seq, deleted = excluded.deleted,
      changed_at = excluded.changed_at, doc = excluded.doc`,
  // The pull: a range scan of the (tenant_id, branch_id, seq) unique index.
  selectAfterSeq: `SELECT seq, doc FROM inventory
    WHERE tenant_id = ? AND branch_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
} as const;

type Doc = WithDeleted<InventoryItem>;

/** Attempts of the optimistic merge before giving up (each one loses only to a concurrent push). */
const MERGE_ATTEMPTS = 20;

/**
 * The per-branch inventory stream. Pushed documents are merged into the master with the crdt plugin's
 * own conflict handler (union of operation logs, replayed), so concurrent adjustments from several
 * terminals all count. The merge hashes asynchronously, which cannot run inside a better-sqlite3
 * transaction, so it is optimistic: merge against the masters read, then write only if their seqs are
 * unchanged, otherwise merge again.
 */
export class InventoryTable {
  readonly #ctx: StoreContext;
  readonly #s: Record<keyof typeof INVENTORY_SQL, Statement>;
  readonly #handler: RxConflictHandler<InventoryItem> = createInventoryConflictHandler();

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
    this.#s = prepareStatements(ctx.db, INVENTORY_SQL);
  }

  async push(scope: TerminalScope, rows: InventoryPushRow[]): Promise<Doc[]> {
    const pushed = parseInventoryPush(scope, rows);
    for (let attempt = 0; attempt < MERGE_ATTEMPTS; attempt++) {
      const masters = this.#readMasters(scope.tenantId, pushed);
      const plan = await this.#plan(pushed, masters);
      if (this.#tryWrite(scope, masters, plan.writes)) return plan.conflicts;
    }
    throw new PosError('POS_SYNC_STORAGE_FAILED', 'inventory push kept conflicting; retry');
  }

  #readMasters(tenantId: string, docs: Doc[]): Map<string, { seq: number; doc: Doc }> {
    const ids = JSON.stringify(docs.map((d) => d.id));
    const rows = this.#s.selectByIds.all(ids, tenantId) as {
      id: string;
      seq: number;
      doc: string;
    }[];
    return new Map(rows.map((r) => [r.id, { seq: r.seq, doc: JSON.parse(r.doc) as Doc }]));
  }

  async #plan(
    pushed: Doc[],
    masters: Map<string, { seq: number; doc: Doc }>,
  ): Promise<{ writes: Map<string, Doc>; conflicts: Doc[] }> {
    const current = new Map([...masters].map(([id, m]) => [id, m.doc]));
    const writes = new Map<string, Doc>();
    const conflicts: Doc[] = [];
    for (const doc of pushed) {
      const master = current.get(doc.id);
      if (master === undefined) {
        current.set(doc.id, doc);
        writes.set(doc.id, doc);
        continue;
      }
      if (this.#handler.isEqual(master, doc, 'server-push')) continue;
      const merged = withoutLocalMeta(
        await this.#handler.resolve(
          { newDocumentState: doc, realMasterState: master },
          'server-push',
        ),
      ) as Doc;
      const normalized = { ...merged, _deleted: merged._deleted ?? false };
      if (!this.#handler.isEqual(normalized, master, 'server-push')) {
        current.set(doc.id, normalized);
        writes.set(doc.id, normalized);
      }
      // RxDB's push contract: answer the master whenever it is not what the terminal sent.
      if (!this.#handler.isEqual(normalized, doc, 'server-push')) conflicts.push(normalized);
    }
    return { writes, conflicts };
  }

  #tryWrite(
    scope: TerminalScope,
    masters: Map<string, { seq: number; doc: Doc }>,
    writes: Map<string, Doc>,
  ): boolean {
    return this.#ctx.db.transaction(() => {
      const now = this.#readMasters(
        scope.tenantId,
        [...masters.values()].map((m) => m.doc),
      );
      for (const [id, master] of masters) {
        if (now.get(id)?.seq !== master.seq) return false;
      }
      // A document that did not exist may have been created concurrently.
      const created = [...writes.keys()].filter((id) => !masters.has(id));
      if (created.length > 0) {
        const raced = this.#readMasters(
          scope.tenantId,
          created.map((id) => writes.get(id)!),
        );
        if (raced.size > 0) return false;
      }
      if (writes.size === 0) return true;
      const key = { tenantId: scope.tenantId, stream: 'inventory' as const, scope: scope.branchId };
      let seq = this.#ctx.seq.reserve(key, writes.size);
      const changedAt = this.#ctx.now().toISOString();
      for (const doc of writes.values()) {
        this.#s.upsert.run({
          tenantId: scope.tenantId,
          branchId: scope.branchId,
          id: doc.id,
          seq: seq++,
          deleted: doc._deleted ? 1 : 0,
          changedAt,
          doc: JSON.stringify(doc),
        });
      }
      return true;
    })();
  }

  pull(
    tenantId: string,
    branchId: string,
    checkpoint: Checkpoint | null,
    limit: number,
  ): PullResult<InventoryItem> {
    checkLimit(limit);
    return this.#ctx.db.transaction(() => {
      const key = { tenantId, stream: 'inventory' as const, scope: branchId };
      const after = this.#ctx.seq.pullBound(key, checkpoint);
      const read = this.#s.selectAfterSeq.all(tenantId, branchId, after, limit + 1) as {
        seq: number;
        doc: string;
      }[];
      const { rows, checkpoint: next } = this.#ctx.seq.page(key, after, read, limit);
      return { documents: rows.map((row) => JSON.parse(row.doc) as Doc), checkpoint: next };
    })();
  }
}
