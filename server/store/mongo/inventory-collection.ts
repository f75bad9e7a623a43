import type { Collection } from 'mongodb';
import type { RxConflictHandler, WithDeleted } from 'rxdb';
import type { Checkpoint } from '../../../replication/index.ts';
import { createInventoryConflictHandler, withoutLocalMeta } from '../../../replication/index.ts';
import type { InventoryItem } from '../../../schema/index.ts';
import { PosError } from '../../../schema/index.ts';
import type { InventoryPushRow, PullResult, TerminalScope } from '../cloud-store.ts';
import { checkLimit, parseInventoryPush } from '../store-input-checks.ts';
import type { InventoryDoc } from './collections.ts';
import type { StreamSeq } from './stream-seq.ts';

type Doc = WithDeleted<InventoryItem>;

/** Attempts of the optimistic merge before giving up (each one loses only to a concurrent push). */
const MERGE_ATTEMPTS = 20;

/**
 * The per-branch inventory stream. Pushed documents are merged into the masters with the crdt plugin's
 * handler (union of operation logs). Optimistic, one document at a time: merge against the master read,
 * write only if its seq is unchanged (the filter carries it), otherwise merge that document again.
 */
export class InventoryCollection {
  readonly #coll: Collection<InventoryDoc>;
  readonly #seq: StreamSeq;
  readonly #now: () => Date;
  readonly #handler: RxConflictHandler<InventoryItem> = createInventoryConflictHandler();

  constructor(coll: Collection<InventoryDoc>, seq: StreamSeq, now: () => Date) {
    this.#coll = coll;
    this.#seq = seq;
    this.#now = now;
  }

  async push(scope: TerminalScope, rows: InventoryPushRow[]): Promise<Doc[]> {
    const pushed = parseInventoryPush(scope, rows);
    const conflicts: Doc[] = [];
    for (const doc of pushed) {
      const answer = await this.#pushOne(scope, doc);
      if (answer) conflicts.push(answer);
    }
    return conflicts;
  }

  async #pushOne(scope: TerminalScope, doc: Doc): Promise<Doc | null> {
    for (let attempt = 0; attempt < MERGE_ATTEMPTS; attempt++) {
      const master = await this.#coll.findOne(
        { tenantId: scope.tenantId, id: doc.id },
        { readConcern: { level: 'local' } },
      );
      let write: Doc = doc;
      let answer: Doc | null = null;
      if (master) {
        if (this.#handler.isEqual(master.doc, doc, 'server-push')) return null;
        const merged = withoutLocalMeta(
          await this.#handler.resolve(
            { newDocumentState: doc, realMasterState: master.doc },
            'server-push',
          ),
        ) as Doc;
        write = { ...merged, _deleted: merged._deleted ?? false };
        // RxDB's push contract: answer the master whenever it is not what the terminal sent.
        if (!this.#handler.isEqual(write, doc, 'server-push')) answer = write;
        if (this.#handler.isEqual(write, master.doc, 'server-push')) return answer;
      }
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

  async pull(
    tenantId: string,
    branchId: string,
    checkpoint: Checkpoint | null,
    limit: number,
  ): Promise<PullResult<InventoryItem>> {
    checkLimit(limit);
    const { rows, checkpoint: next } = await this.#seq.pull(
      { tenantId, stream: 'inventory', scope: branchId },
      checkpoint,
      limit,
      (after, n) =>
        this.#coll
          .find(
            { tenantId, branchId, seq: { $gt: after } },
            { sort: { seq: 1 }, limit: n, projection: { _id: 0, seq: 1, doc: 1 } },
          )
          .toArray(),
      this.#coll,
      { tenantId, branchId },
    );
    return { documents: rows.map((row) => row.doc), checkpoint: next };
  }

  async head(tenantId: string, branchId: string): Promise<number> {
    return this.#seq.head({ tenantId, stream: 'inventory', scope: branchId }, this.#coll, {
      tenantId,
      branchId,
    });
  }
}
