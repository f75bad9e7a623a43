import type { Statement } from 'better-sqlite3';
import type { RxConflictHandler, WithDeleted } from 'rxdb';
import type { Checkpoint } from '../../../replication/index.ts';
import type { InventoryItem } from '../../../schema/index.ts';
import { PosError } from '../../../schema/index.ts';
import type {
  InventoryPullResult,
  InventoryPushResult,
  InventoryPushRow,
  InventoryRefusal,
  InventoryRepair,
  TerminalScope,
} from '../cloud-store.ts';
import type { AdmittedInventoryRow } from '../inventory-rules.ts';
import {
  admitInventoryRow,
  creatorsOf,
  inventoryDocumentProblem,
  inventoryHandler,
  mergeInventoryRow,
  pinOfStoredRow,
  pullPastInvalidRows,
  repairInventoryDocument,
} from '../inventory-rules.ts';
import { checkLimit } from '../store-input-checks.ts';
import { prepareStatements } from './prepare-statements.ts';
import type { StoreContext } from './store-context.ts';

const INVENTORY_SQL = {
  selectByIds: `SELECT i.id, i.branch_id AS branchId, i.seq, i.doc FROM json_each(?) AS j
    JOIN inventory AS i ON i.tenant_id = ? AND i.id = j.value`,
  upsert: `INSERT INTO inventory (tenant_id, branch_id, id, seq, deleted, changed_at, doc)
    VALUES (@tenantId, @branchId, @id, @seq, @deleted, @changedAt, @doc)
    ON CONFLICT (tenant_id, id) DO UPDATE SET seq = excluded.seq, deleted = excluded.deleted,
      changed_at = excluded.changed_at, doc = excluded.doc`,
  // The pull: a range scan of the (tenant_id, branch_id, seq) unique index.
  selectAfterSeq: `SELECT id, seq, doc FROM inventory
    WHERE tenant_id = ? AND branch_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
  selectBranch: `SELECT id, seq, doc FROM inventory WHERE tenant_id = ? AND branch_id = ? ORDER BY seq`,
  selectOwners: `SELECT c.creator, c.terminal_id AS terminalId FROM json_each(?) AS j
    JOIN inventory_creators AS c ON c.tenant_id = ? AND c.creator = j.value`,
  claimCreator: `INSERT INTO inventory_creators (tenant_id, creator, terminal_id) VALUES (?, ?, ?)
    ON CONFLICT (tenant_id, creator) DO NOTHING`,
} as const;

type Doc = WithDeleted<InventoryItem>;
type Master = { seq: number; branchId: string; doc: Doc };
type Admitted = Extract<AdmittedInventoryRow, { ok: true }>;

/** Attempts of the optimistic merge before giving up (each one loses only to a concurrent push). */
const MERGE_ATTEMPTS = 20;

/**
 * The per-branch inventory stream. Pushed documents are merged into the master with the crdt plugin's
 * own conflict handler (union of operation logs, replayed), so concurrent adjustments from several
 * terminals all count. The merge hashes asynchronously, which cannot run inside a better-sqlite3
 * transaction, so it is optimistic: merge against the masters read, then write only if their seqs are
 * unchanged, otherwise merge again.
 */
export class Inventory {
  readonly #ctx: StoreContext;
  readonly #s: Record<keyof typeof INVENTORY_SQL, Statement>;
  readonly #handler: RxConflictHandler<InventoryItem> = inventoryHandler();

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
    this.#s = prepareStatements(ctx.db, INVENTORY_SQL);
  }

  async push(scope: TerminalScope, rows: InventoryPushRow[]): Promise<InventoryPushResult> {
    const refused: InventoryRefusal[] = [];
    const admitted: Admitted[] = [];
    for (const row of rows) {
      const checked = await admitInventoryRow(this.#handler, scope, row);
      if (checked.ok) admitted.push(checked);
      else refused.push(checked.refusal);
    }
    for (let attempt = 0; attempt < MERGE_ATTEMPTS; attempt++) {
      const masters = this.#readMasters(
        scope.tenantId,
        admitted.map((a) => a.pin.id),
      );
      const owners = this.#readOwners(
        scope.tenantId,
        admitted.flatMap((a) => creatorsOf(a.doc)),
      );
      const plan = await this.#plan(scope, admitted, masters, owners);
      if (this.#tryWrite(scope, masters, plan.writes, plan.claims)) {
        return { conflicts: plan.conflicts, refused: [...refused, ...plan.refused] };
      }
    }
    throw new PosError('POS_SYNC_STORAGE_FAILED', 'inventory push kept conflicting; retry');
  }

  #readMasters(tenantId: string, ids: string[]): Map<string, Master> {
    const rows = this.#s.selectByIds.all(JSON.stringify(ids), tenantId) as {
      id: string;
      branchId: string;
      seq: number;
      doc: string;
    }[];
    return new Map(
      rows.map((r) => [r.id, { seq: r.seq, branchId: r.branchId, doc: JSON.parse(r.doc) as Doc }]),
    );
  }

  #readOwners(tenantId: string, creators: string[]): Map<string, string> {
    const rows = this.#s.selectOwners.all(JSON.stringify([...new Set(creators)]), tenantId) as {
      creator: string;
      terminalId: string;
    }[];
    return new Map(rows.map((r) => [r.creator, r.terminalId]));
  }

  async #plan(
    scope: TerminalScope,
    admitted: Admitted[],
    masters: Map<string, Master>,
    owners: Map<string, string>,
  ): Promise<{
    writes: Map<string, Doc>;
    claims: Set<string>;
    conflicts: Doc[];
    refused: InventoryRefusal[];
  }> {
    const current = new Map([...masters].map(([id, m]) => [id, m.doc]));
    const writes = new Map<string, Doc>();
    const claims = new Set<string>();
    const conflicts: Doc[] = [];
    const refused: InventoryRefusal[] = [];
    for (const row of admitted) {
      const { pushed, pin } = row;
      if (masters.get(pin.id) && masters.get(pin.id)!.branchId !== scope.branchId) {
        const message = 'the id is stored in another branch';
        refused.push({ id: pin.id, code: 'POS_FORBIDDEN', message, document: pushed });
        continue;
      }
      const master = current.get(pin.id);
      if (master !== undefined && this.#handler.isEqual(master, row.doc, 'server-push')) continue;
      const merged = await mergeInventoryRow(this.#handler, master, row, scope.terminalId, owners);
      if (!merged.ok) {
        refused.push(merged.refusal);
        continue;
      }
      const next = merged.merged;
      for (const creator of merged.claims) {
        claims.add(creator);
        owners.set(creator, scope.terminalId);
      }
      if (master === undefined || !this.#handler.isEqual(next, master, 'server-push')) {
        current.set(pin.id, next);
        writes.set(pin.id, next);
      }
      // RxDB's push contract: answer the master whenever it is not what the terminal sent.
      if (!this.#handler.isEqual(next, pushed, 'server-push')) conflicts.push(next);
    }
    return { writes, claims, conflicts, refused };
  }

  #tryWrite(
    scope: TerminalScope,
    masters: Map<string, Master>,
    writes: Map<string, Doc>,
    claims: Set<string>,
  ): boolean {
    return this.#ctx.db.transaction(() => {
      // A creator claimed concurrently by another terminal: plan again, which refuses the row.
      const claimed = this.#readOwners(scope.tenantId, [...claims]);
      if ([...claimed.values()].some((t) => t !== scope.terminalId)) return false;
      const now = this.#readMasters(scope.tenantId, [...masters.keys()]);
      for (const [id, master] of masters) {
        if (now.get(id)?.seq !== master.seq) return false;
      }
      // A document that did not exist may have been created concurrently.
      const created = [...writes.keys()].filter((id) => !masters.has(id));
      if (created.length > 0) {
        const raced = this.#readMasters(scope.tenantId, created);
        if (raced.size > 0) return false;
      }
      if (writes.size === 0) return true;
      for (const creator of claims) {
        this.#s.claimCreator.run(scope.tenantId, creator, scope.terminalId);
      }
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

  async pull(
    tenantId: string,
    branchId: string,
    checkpoint: Checkpoint | null,
    limit: number,
  ): Promise<InventoryPullResult> {
    checkLimit(limit);
    return pullPastInvalidRows(
      async (cp, n) => this.#pullOnce(tenantId, branchId, cp, n),
      checkpoint,
      limit,
    );
  }

  #pullOnce(
    tenantId: string,
    branchId: string,
    checkpoint: Checkpoint | null,
    limit: number,
  ): InventoryPullResult {
    return this.#ctx.db.transaction(() => {
      const key = { tenantId, stream: 'inventory' as const, scope: branchId };
      const after = this.#ctx.seq.pullBound(key, checkpoint);
      const read = this.#s.selectAfterSeq.all(tenantId, branchId, after, limit + 1) as {
        id: string;
        seq: number;
        doc: string;
      }[];
      const { rows, checkpoint: next } = this.#ctx.seq.page(key, after, read, limit);
      const documents: Doc[] = [];
      const skipped: InventoryPullResult['skipped'] = [];
      for (const row of rows) {
        const doc = JSON.parse(row.doc) as unknown;
        const problem = inventoryDocumentProblem(doc, pinOfStoredRow(row.id, branchId));
        if (problem) skipped.push({ id: row.id, seq: row.seq, problem });
        else documents.push(doc as Doc);
      }
      return { documents, checkpoint: next, skipped };
    })();
  }

  async repair(
    tenantId: string,
    branchId: string,
    options: { dryRun: boolean },
    actor: string,
  ): Promise<InventoryRepair[]> {
    const rows = this.#s.selectBranch.all(tenantId, branchId) as {
      id: string;
      seq: number;
      doc: string;
    }[];
    const repairs: { seq: number; doc: Doc | null; repair: InventoryRepair }[] = [];
    for (const row of rows) {
      const pin = pinOfStoredRow(row.id, branchId);
      const stored = JSON.parse(row.doc) as unknown;
      const problem = inventoryDocumentProblem(stored, pin);
      if (problem === null) continue;
      const { doc, action } = await repairInventoryDocument(
        this.#handler,
        stored,
        pin,
        this.#ctx.now().getTime(),
      );
      const repair = { id: row.id, problem, action, onHand: doc?.onHand ?? 0, repaired: false };
      repairs.push({ seq: row.seq, doc, repair });
    }
    if (options.dryRun || repairs.length === 0) return repairs.map((r) => r.repair);
    return this.#ctx.db.transaction(() => {
      const now = this.#readMasters(
        tenantId,
        repairs.map((r) => r.repair.id),
      );
      const key = { tenantId, stream: 'inventory' as const, scope: branchId };
      // A row pushed meanwhile is valid (pushes onto an invalid row are refused): leave it.
      const due = repairs.filter(
        (r): r is typeof r & { doc: Doc } => r.doc !== null && now.get(r.repair.id)?.seq === r.seq,
      );
      let seq = this.#ctx.seq.reserve(key, due.length);
      const changedAt = this.#ctx.now().toISOString();
      for (const { doc, repair } of due) {
        this.#s.upsert.run({
          tenantId,
          branchId,
          id: doc.id,
          seq: seq++,
          deleted: doc._deleted ? 1 : 0,
          changedAt,
          doc: JSON.stringify(doc),
        });
        this.#ctx.audit.record(tenantId, actor, 'repairInventory', `${branchId}/${doc.id}`, {
          problem: repair.problem,
          action: repair.action,
          onHand: repair.onHand,
        });
        repair.repaired = true;
      }
      return repairs.map((r) => r.repair);
    })();
  }
}
