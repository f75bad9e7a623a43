import type { AnyBulkWriteOperation, Collection, Document, Filter } from 'mongodb';
import { MongoBulkWriteError, MongoServerError } from 'mongodb';
import type { Checkpoint } from '../../../replication/index.ts';
import { PosError } from '../../../schema/index.ts';
import { pageOf, pullBound } from '../pull-window.ts';
import type { StreamHeadDoc } from './collections.ts';

/** The stream keys of the store: scope '' for tenant-wide streams, the branch id for branch streams. */
export type StreamKey = {
  tenantId: string;
  stream: 'products' | 'categories' | 'inventory' | 'sales' | 'customers' | 'ledger';
  scope: string;
};

/** The logger the adapter needs (pino's signature). */
export type StoreLogger = { warn(details: object, message: string): void };

/** Attempts of a seq or invoice allocation before the write fails with `POS_SYNC_STORAGE_FAILED`. */
export const ALLOCATION_ATTEMPTS = 50;

/** Upper bound of the random pause between two allocation attempts. */
const COLLISION_PAUSE_CAP_MS = 32;

/**
 * The pause before allocation attempt `attempt + 1`: random, growing with the attempts, capped. Writers
 * that collided on max+1 retry at once in lockstep and collide again (several server instances on one
 * MongoDB, a burst of terminals of one branch); a random pause spreads them out, so a writer rarely
 * loses its race many times in a row.
 */
export function collisionPause(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(COLLISION_PAUSE_CAP_MS, 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function streamHeadId(key: StreamKey): string {
  return `${key.tenantId}/${key.stream}/${key.scope}`;
}

/** The duplicate-key error of an ordered bulk write or a single write, with the index it hit. */
export function duplicateKeyOf(error: unknown): { index: number; indexName: string } | null {
  if (error instanceof MongoBulkWriteError) {
    const first = error.writeErrors instanceof Array ? error.writeErrors[0] : error.writeErrors;
    if (first?.code !== 11000) return null;
    return { index: first.index, indexName: indexNameOf(first.errmsg ?? '') };
  }
  if (error instanceof MongoServerError && error.code === 11000) {
    return { index: 0, indexName: indexNameOf(error.message) };
  }
  return null;
}

function indexNameOf(message: string): string {
  return /index: (\S+)/.exec(message)?.[1] ?? '';
}

/** Seqs a document keeps in `seqs` besides its current one (see `StreamSeq`). */
export const SEQ_SLOTS_KEPT = 16;

/**
 * Checkpoints that never skip, without transactions: a writer reads the stream's maximum
 * seq and writes with max+1, max+2, … in one ordered bulk write, so the server applies them in seq
 * order and stops at the first failure. A duplicate key on the unique (stream, seq) index means another
 * writer took that seq: the writes before it stand, the rest go again with a fresh maximum. A seq N can
 * therefore only exist once N-1 was written, and majority reads see them in that order (the oplog
 * order). Retries are bounded and logged (docs/design.md#seqs-on-mongodb).
 *
 * Documents move: a change gives a document a new seq and frees its old one. A writer whose maximum
 * is stale (read before another writer took N and then moved that document on to N+k) would take the
 * freed N after pullers have passed it, and they would never see that write. So every document also
 * keeps the seqs it held (`seqs`, the last `SEQ_SLOTS_KEPT`) under a unique index (`<seq index>_slots`):
 * a seq once taken stays taken, and the stale writer gets a duplicate key and tries again.
 */
export class StreamSeq {
  readonly #heads: Collection<StreamHeadDoc>;
  readonly #log: StoreLogger;

  constructor(heads: Collection<StreamHeadDoc>, log: StoreLogger) {
    this.#heads = heads;
    this.#log = log;
  }

  /**
   * The highest seq ever handed out: the max of the documents, or the retention floor when prune
   * deleted the documents that held the largest ones. The max is read before the floor: prune raises
   * the floor before it deletes, so one of the two always sees a pruned maximum.
   */
  async head<T extends Document>(
    key: StreamKey,
    collection: Collection<T>,
    filter: Filter<T>,
    readLocal = false,
  ): Promise<number> {
    const top = await collection
      .find(filter, {
        sort: { seq: -1 },
        limit: 1,
        projection: { _id: 0, seq: 1 },
        ...(readLocal ? { readConcern: { level: 'local' } } : {}),
      })
      .toArray();
    const floor = await this.floor(key);
    return Math.max((top[0]?.['seq'] as number | undefined) ?? 0, floor);
  }

  async floor(key: StreamKey): Promise<number> {
    return (await this.#heads.findOne({ _id: streamHeadId(key) }))?.floor ?? 0;
  }

  async raiseFloor(key: StreamKey, seq: number): Promise<void> {
    await this.#heads.updateOne(
      { _id: streamHeadId(key) },
      { $max: { floor: seq } },
      { upsert: true },
    );
  }

  /**
   * Writes `items` with consecutive new seqs of the stream (see the class comment). `opOf` builds the
   * write of one item with its seq. A duplicate key on another index than `seqIndex` goes to
   * `onOtherDuplicate`, which returns whether to retry that item (true) or drop it (false). Returns how
   * many writes matched or inserted a document (a conditional update that matched nothing did not).
   */
  async write<T extends Document, I>(
    key: StreamKey,
    collection: Collection<T>,
    streamFilter: Filter<T>,
    seqIndex: string,
    items: I[],
    opOf: (item: I, seq: number) => AnyBulkWriteOperation<T>,
    onOtherDuplicate?: (item: I, indexName: string) => Promise<boolean>,
  ): Promise<{ applied: number }> {
    let rest = items;
    let applied = 0;
    const slotIndex = `${seqIndex}_slots`;
    for (let attempt = 1; rest.length > 0; attempt++) {
      const next = (await this.head(key, collection, streamFilter, true)) + 1;
      try {
        const result = await collection.bulkWrite(
          rest.map((item, i) => withSeqSlot(opOf(item, next + i), next + i)),
          { ordered: true },
        );
        applied += result.matchedCount + result.upsertedCount + result.insertedCount;
        return { applied };
      } catch (error) {
        const duplicate = duplicateKeyOf(error);
        if (!duplicate) throw error;
        applied += duplicate.index;
        const failed = rest[duplicate.index]!;
        const seqTaken = duplicate.indexName === seqIndex || duplicate.indexName === slotIndex;
        let keep = true;
        if (!seqTaken) {
          if (!onOtherDuplicate) throw error;
          keep = await onOtherDuplicate(failed, duplicate.indexName);
        }
        rest = [...(keep ? [failed] : []), ...rest.slice(duplicate.index + 1)];
        if (attempt >= ALLOCATION_ATTEMPTS) {
          throw new PosError('POS_SYNC_STORAGE_FAILED', 'seq allocation kept colliding; retry', {
            stream: streamHeadId(key),
            attempts: attempt,
          });
        }
        this.#log.warn(
          { stream: streamHeadId(key), attempt, index: duplicate.indexName },
          'seq taken by a concurrent writer, retrying',
        );
        if (seqTaken) await collisionPause(attempt);
      }
    }
    return { applied };
  }

  /**
   * One pull of a stream without a transaction. `read(after, n)` reads at most `n` rows with
   * `seq > after` ordered by seq; it is called with `limit + 1` to peek past the page.
   *
   * The floor is read twice. Before the page: every seq up to it was handed out before the read, so the
   * page's checkpoint may be raised to it and stamped with it (`pageOf`). After the page: prune raises
   * the floor before deleting, so a page that missed a deleted tombstone always meets the raised floor
   * in the bound check (`pullBound`); the head is read only when the page is empty (a checkpoint beyond
   * it comes from another store).
   */
  async pull<T extends Document, R extends { seq: number }>(
    key: StreamKey,
    checkpoint: Checkpoint | null,
    limit: number,
    read: (after: number, n: number) => Promise<R[]>,
    collection: Collection<T>,
    streamFilter: Filter<T>,
  ): Promise<{ rows: R[]; checkpoint: Checkpoint }> {
    const after = checkpoint?.seq ?? 0;
    const floorBefore = await this.floor(key);
    const rows = await read(after, limit + 1);
    const floor = await this.floor(key);
    const head = rows.length === 0 ? await this.head(key, collection, streamFilter) : Infinity;
    pullBound(key.stream, checkpoint, { floor, head });
    return pageOf(after, rows, limit, floorBefore);
  }
}

/**
 * Adds the seq to the document's taken seqs (`seqs`), whatever the write, and lets an update apply
 * only to a document whose seq is below the new one: a writer with a stale maximum could otherwise
 * give the document that already holds max+1 other content under the same seq, which pullers past
 * that seq never read. Such an update matches nothing; as an upsert it then hits the id's unique
 * index (the caller's `onOtherDuplicate` sends it again with a fresh maximum). A write that states
 * the seq it expects (`seq` in its filter) keeps its own condition.
 */
function withSeqSlot<T extends Document>(
  op: AnyBulkWriteOperation<T>,
  seq: number,
): AnyBulkWriteOperation<T> {
  if ('updateOne' in op) {
    const update = op.updateOne.update as Record<string, unknown>;
    const filter = op.updateOne.filter as Record<string, unknown>;
    return {
      updateOne: {
        ...op.updateOne,
        filter: 'seq' in filter ? filter : { ...filter, seq: { $lt: seq } },
        update: { ...update, $push: { seqs: { $each: [seq], $slice: -SEQ_SLOTS_KEPT } } },
      },
    } as unknown as AnyBulkWriteOperation<T>;
  }
  if ('insertOne' in op) {
    return { insertOne: { document: { ...op.insertOne.document, seqs: [seq] } } };
  }
  throw new Error('a stream write is an updateOne or an insertOne');
}
