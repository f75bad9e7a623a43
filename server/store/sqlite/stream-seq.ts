import type { Database, Statement } from 'better-sqlite3';
import type { Checkpoint } from '../../../replication/index.ts';
import { PosError } from '../../../schema/index.ts';

/** The stream keys of the store: scope '' for tenant-wide streams, the branch id for branch streams. */
export type StreamKey = {
  tenantId: string;
  stream: 'products' | 'categories' | 'inventory' | 'sales';
  scope: string;
};

/**
 * Hands out stream sequence numbers. Must be called inside the write transaction that writes the
 * documents: SQLite serialises writers, so the seq taken here becomes visible with the commit, after
 * every smaller seq of the stream and before any larger one. That is the whole checkpoint invariant on
 * this adapter (no retry loop needed, unlike the MongoDB adapter).
 *
 * The head lives in its own row rather than `max(seq)` of the table, so a seq is never handed out twice
 * even after retention deleted the rows that held the largest ones.
 */
export class StreamSeq {
  readonly #ensureHead: Statement;
  readonly #bumpHead: Statement;
  readonly #selectHead: Statement;
  readonly #raiseFloor: Statement;

  constructor(db: Database) {
    this.#ensureHead =
      db.prepare(/* ensureStreamHead */ `INSERT INTO stream_heads (tenant_id, stream, scope, head)
       VALUES (?, ?, ?, 0) ON CONFLICT DO NOTHING`);
    this.#bumpHead = db.prepare(/* bumpStreamHead */ `UPDATE stream_heads SET head = head + ?
       WHERE tenant_id = ? AND stream = ? AND scope = ? RETURNING head`);
    this.#selectHead = db.prepare(/* selectStreamHead */ `SELECT head, floor FROM stream_heads
       WHERE tenant_id = ? AND stream = ? AND scope = ?`);
    this.#raiseFloor =
      db.prepare(/* raiseStreamFloor */ `UPDATE stream_heads SET floor = max(floor, ?)
       WHERE tenant_id = ? AND stream = ? AND scope = ?`);
  }

  /** Reserves `count` consecutive seqs and returns the first. Call inside a write transaction. */
  reserve(key: StreamKey, count: number): number {
    this.#ensureHead.run(key.tenantId, key.stream, key.scope);
    const { head } = this.#bumpHead.get(count, key.tenantId, key.stream, key.scope) as {
      head: number;
    };
    return head - count + 1;
  }

  /** The stream's last seq handed out and its retention floor (0, 0 for a stream never written). */
  read(key: StreamKey): { head: number; floor: number } {
    const row = this.#selectHead.get(key.tenantId, key.stream, key.scope) as
      { head: number; floor: number } | undefined;
    return row ?? { head: 0, floor: 0 };
  }

  raiseFloor(key: StreamKey, seq: number): void {
    this.#raiseFloor.run(seq, key.tenantId, key.stream, key.scope);
  }

  /**
   * The `seq > after` bound of a pull, or `POS_CATALOG_RESNAPSHOT_REQUIRED` when the checkpoint cannot
   * be served without a silent gap: older than the retention floor (a tombstone after it was pruned), or
   * beyond the head (the terminal's data came from another store, e.g. a restored backup).
   * Call inside the pull's read transaction.
   */
  pullBound(key: StreamKey, checkpoint: Checkpoint | null): number {
    const after = checkpoint?.seq ?? 0;
    if (after === 0) return 0;
    const { head, floor } = this.read(key);
    if (after < floor || after > head) {
      throw new PosError('POS_CATALOG_RESNAPSHOT_REQUIRED', undefined, {
        stream: key.stream,
        checkpoint: after,
        retainedFrom: floor,
        head,
      });
    }
    return after;
  }

  /**
   * Splits the `limit + 1` rows a pull read into the page and its checkpoint. The checkpoint is the seq
   * of the last row served, raised to the retention floor when no retained row lies between them (the
   * peeked next row is above the floor, or there is none). Without the raise, a catalog whose newest
   * change was a pruned tombstone would hand every snapshot a checkpoint below the floor, and the next
   * pull would answer POS_CATALOG_RESNAPSHOT_REQUIRED forever. The raise skips nothing: every seq up
   * to the floor was committed before the prune, and the rows the read did not see in between are
   * exactly the pruned tombstones. Call inside the pull's read transaction.
   */
  page<R extends { seq: number }>(
    key: StreamKey,
    after: number,
    rows: R[],
    limit: number,
  ): { rows: R[]; checkpoint: Checkpoint } {
    const page = rows.length > limit ? rows.slice(0, limit) : rows;
    const last = page.at(-1)?.seq ?? after;
    const next = rows.length > limit ? rows[limit]!.seq : null;
    const { floor } = this.read(key);
    const seq = last < floor && (next === null || next > floor) ? floor : last;
    return { rows: page, checkpoint: { seq } };
  }
}
