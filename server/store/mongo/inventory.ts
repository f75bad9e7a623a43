import type { Collection } from 'mongodb';
import { MongoBulkWriteError, MongoServerError } from 'mongodb';
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
import type { AuditLog } from './audit-log.ts';
import type { InventoryCreatorDoc, InventoryDoc } from './collections.ts';
import type { StreamSeq } from './stream-seq.ts';

type Doc = WithDeleted<InventoryItem>;
type Admitted = Extract<AdmittedInventoryRow, { ok: true }>;

/** Attempts of the optimistic merge before giving up (each one loses only to a concurrent push). */
const MERGE_ATTEMPTS = 20;

/**
 * The per-branch inventory stream. Pushed documents are merged into the masters with the crdt plugin's
 * handler (union of operation logs). Optimistic, one document at a time: merge against the master read,
 * write only if its seq is unchanged (the filter carries it), otherwise merge that document again.
 */
export class Inventory {
  readonly #coll: Collection<InventoryDoc>;
  readonly #creators: Collection<InventoryCreatorDoc>;
  readonly #seq: StreamSeq;
  readonly #audit: AuditLog;
  readonly #now: () => Date;
  readonly #handler: RxConflictHandler<InventoryItem> = inventoryHandler();

  constructor(
    coll: Collection<InventoryDoc>,
    creators: Collection<InventoryCreatorDoc>,
    seq: StreamSeq,
    audit: AuditLog,
    now: () => Date,
  ) {
    this.#coll = coll;
    this.#creators = creators;
    this.#seq = seq;
    this.#audit = audit;
    this.#now = now;
  }

  async push(scope: TerminalScope, rows: InventoryPushRow[]): Promise<InventoryPushResult> {
    const conflicts: Doc[] = [];
    const refused: InventoryRefusal[] = [];
    for (const row of rows) {
      const checked = await admitInventoryRow(this.#handler, scope, row);
      const answer = checked.ok ? await this.#pushOne(scope, checked) : checked;
      if (answer === null) continue;
      if (answer.ok) conflicts.push(answer.master);
      else refused.push(answer.refusal);
    }
    return { conflicts, refused };
  }

  async #pushOne(
    scope: TerminalScope,
    row: Admitted,
  ): Promise<{ ok: true; master: Doc } | { ok: false; refusal: InventoryRefusal } | null> {
    const { pushed, pin } = row;
    for (let attempt = 0; attempt < MERGE_ATTEMPTS; attempt++) {
      const master = await this.#coll.findOne(
        { tenantId: scope.tenantId, id: pin.id },
        { readConcern: { level: 'local' } },
      );
      if (master && master.branchId !== scope.branchId) {
        const message = 'the id is stored in another branch';
        return {
          ok: false,
          refusal: { id: pin.id, code: 'POS_FORBIDDEN', message, document: pushed },
        };
      }
      if (master && this.#handler.isEqual(master.doc, row.doc, 'server-push')) return null;
      const owners = await this.#readOwners(scope.tenantId, creatorsOf(row.doc));
      const merged = await mergeInventoryRow(
        this.#handler,
        master?.doc,
        row,
        scope.terminalId,
        owners,
      );
      if (!merged.ok) return merged;
      const write = merged.merged;
      // Claimed before the write (not one transaction): a lost race is planned again and refused.
      if (!(await this.#claim(scope, merged.claims))) continue;
      // RxDB's push contract: answer the master whenever it is not what the terminal sent.
      const answer = this.#handler.isEqual(write, pushed, 'server-push')
        ? null
        : { ok: true as const, master: write };
      if (master && this.#handler.isEqual(write, master.doc, 'server-push')) return answer;
      const { applied } = await this.#seq.write(
        { tenantId: scope.tenantId, stream: 'inventory', scope: scope.branchId },
        this.#coll,
        { tenantId: scope.tenantId, branchId: scope.branchId },
        'inventory_seq',
        [write],
        (d, seq) => ({
          updateOne: {
            // Only over the master the merge was computed from (or none, for a new document).
            filter: { tenantId: scope.tenantId, id: d.id, seq: master?.seq ?? -1 },
            update: {
              $set: {
                branchId: scope.branchId,
                seq,
                deleted: d._deleted,
                changedAt: this.#now().toISOString(),
                doc: d,
              },
            },
            upsert: master === null,
          },
        }),
        // A concurrent push created the document first: merge against it.
        async () => false,
      );
      if (applied === 0) continue;
      return answer;
    }
    throw new PosError('POS_SYNC_STORAGE_FAILED', 'inventory push kept conflicting; retry');
  }

  async #readOwners(tenantId: string, creators: string[]): Promise<Map<string, string>> {
    if (creators.length === 0) return new Map();
    const rows = await this.#creators
      .find({ tenantId, creator: { $in: creators } }, { projection: { _id: 0 } })
      .toArray();
    return new Map(rows.map((r) => [r.creator, r.terminalId]));
  }

  /** Records the creators as the terminal's; false when another terminal took one first. */
  async #claim(scope: TerminalScope, creators: string[]): Promise<boolean> {
    if (creators.length === 0) return true;
    try {
      await this.#creators.insertMany(
        creators.map((creator) => ({
          tenantId: scope.tenantId,
          creator,
          terminalId: scope.terminalId,
        })),
        { ordered: false },
      );
    } catch (error) {
      if (!isDuplicateKeyOnly(error)) throw error;
    }
    const owners = await this.#readOwners(scope.tenantId, creators);
    return creators.every((c) => owners.get(c) === scope.terminalId);
  }

  async pull(
    tenantId: string,
    branchId: string,
    checkpoint: Checkpoint | null,
    limit: number,
  ): Promise<InventoryPullResult> {
    checkLimit(limit);
    return pullPastInvalidRows(
      (cp, n) => this.#pullOnce(tenantId, branchId, cp, n),
      checkpoint,
      limit,
    );
  }

  async #pullOnce(
    tenantId: string,
    branchId: string,
    checkpoint: Checkpoint | null,
    limit: number,
  ): Promise<InventoryPullResult> {
    const { rows, checkpoint: next } = await this.#seq.pull(
      { tenantId, stream: 'inventory', scope: branchId },
      checkpoint,
      limit,
      (after, n) =>
        this.#coll
          .find(
            { tenantId, branchId, seq: { $gt: after } },
            { sort: { seq: 1 }, limit: n, projection: { _id: 0, id: 1, seq: 1, doc: 1 } },
          )
          .toArray(),
      this.#coll,
      { tenantId, branchId },
    );
    const documents: Doc[] = [];
    const skipped: InventoryPullResult['skipped'] = [];
    for (const row of rows) {
      const problem = inventoryDocumentProblem(row.doc, pinOfStoredRow(row.id, branchId));
      if (problem) skipped.push({ id: row.id, seq: row.seq, problem });
      else documents.push(row.doc);
    }
    return { documents, checkpoint: next, skipped };
  }

  async repair(
    tenantId: string,
    branchId: string,
    options: { dryRun: boolean },
    actor: string,
  ): Promise<InventoryRepair[]> {
    const rows = await this.#coll
      .find(
        { tenantId, branchId },
        { sort: { seq: 1 }, projection: { _id: 0, id: 1, seq: 1, doc: 1 } },
      )
      .toArray();
    const repairs: InventoryRepair[] = [];
    for (const row of rows) {
      const pin = pinOfStoredRow(row.id, branchId);
      const problem = inventoryDocumentProblem(row.doc, pin);
      if (problem === null) continue;
      const { doc, action } = await repairInventoryDocument(
        this.#handler,
        row.doc,
        pin,
        this.#now().getTime(),
      );
      const repair = { id: row.id, problem, action, onHand: doc?.onHand ?? 0, repaired: false };
      repairs.push(repair);
      if (options.dryRun || doc === null) continue;
      const { applied } = await this.#seq.write(
        { tenantId, stream: 'inventory', scope: branchId },
        this.#coll,
        { tenantId, branchId },
        'inventory_seq',
        [doc],
        (d, seq) => ({
          updateOne: {
            // A row pushed meanwhile is valid (pushes onto an invalid row are refused): leave it.
            filter: { tenantId, id: d.id, seq: row.seq },
            update: {
              $set: { seq, deleted: d._deleted, changedAt: this.#now().toISOString(), doc: d },
            },
          },
        }),
      );
      if (applied === 0) continue;
      repair.repaired = true;
      await this.#audit.record(tenantId, actor, 'repairInventory', `${branchId}/${row.id}`, {
        problem,
        action,
        onHand: doc.onHand,
      });
    }
    return repairs;
  }

  async head(tenantId: string, branchId: string): Promise<number> {
    return this.#seq.head({ tenantId, stream: 'inventory', scope: branchId }, this.#coll, {
      tenantId,
      branchId,
    });
  }
}

/** Whether a write failed only on duplicate keys (creators another push recorded first). */
function isDuplicateKeyOnly(error: unknown): boolean {
  if (error instanceof MongoBulkWriteError) {
    const errors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
    return errors.length > 0 && errors.every((e) => e.code === 11000);
  }
  return error instanceof MongoServerError && error.code === 11000;
}
