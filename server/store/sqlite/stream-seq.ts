import type { Database, Statement } from 'better-sqlite3';
import type { Checkpoint } from '../../../replication/index.ts';
import { pageOf, pullBound } from '../pull-window.ts';

/** The stream keys of the store: scope '' for tenant-wide streams, the branch id for branch streams. */
export type StreamKey = {
  tenantId: string;
  stream: 'products' | 'categories' | 'inventory' | 'sales' | 'customers' | 'ledger';
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
   * The `seq > after` bound of a pull (`pullBound` of the port: a checkpoint below the retention floor
   * is served only to a snapshot started under the current floor, one beyond the head never). Call
   * inside the pull's read transaction, so the bound and the page come from the same snapshot.
   */
  pullBound(key: StreamKey, checkpoint: Checkpoint | null): number {
    return pullBound(key.stream, checkpoint, this.read(key));
  }

  /**
   * Splits the `limit + 1` rows a pull read into the page and its checkpoint (`pageOf` of the port:
   * raised to the floor when only pruned rows lie between, `snapshotFloor` while a snapshot is below the
   * floor). Call inside the pull's read transaction.
   */
  page<R extends { seq: number }>(
    key: StreamKey,
    after: number,
    rows: R[],
    limit: number,
  ): { rows: R[]; checkpoint: Checkpoint } {
    return pageOf(after, rows, limit, this.read(key).floor);
  }
}
