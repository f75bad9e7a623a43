import type { RxCollection } from 'rxdb';
import { replicateGraphQL } from 'rxdb/plugins/replication-graphql';
import type { RxGraphQLReplicationState } from 'rxdb/plugins/replication-graphql';
import type { Checkpoint, StreamName } from '../replication/index.ts';
import {
  createPullQueryBuilder,
  createPullResponseModifier,
  createPushQueryBuilder,
} from '../replication/index.ts';
import { withNameKey } from '../schema/index.ts';

/** One replicated stream as the terminal runs it. */
export type StreamReplication = RxGraphQLReplicationState<any, Checkpoint>;

/** What every stream replication of one terminal shares. */
export type StreamContext = {
  httpUrl: string;
  token: string;
  /** The terminal's branch: inventory rows of another branch (purged after a move) are never pushed. */
  branchId: string;
  fetch: typeof globalThis.fetch;
  batchSize: number;
  backoffBaseMs: number;
  getQueueDepth: () => number;
  /** Called with every pull answer: the checkpoint reached and how many documents came. */
  onPulled(stream: StreamName, checkpoint: Checkpoint | null, documents: number): void;
  /** Called with every inventory push answer: the ids pushed and the rows the cloud refused. */
  onInventoryPushed(pushed: string[], refused: InventoryRowRefusal[]): void;
  /** Called with every customers push answer: the ids pushed and the rows the cloud refused. */
  onCustomersPushed(pushed: string[], refused: InventoryRowRefusal[]): void;
};

/**
 * An inventory or customer row the cloud refused: not stored there, and not pushed again until it
 * changes.
 */
export type InventoryRowRefusal = { id: string; code: string; message: string };

type RowPushAnswer = { id: string; refusal?: { code: string; message: string } | null };

/**
 * The push of RxDB for a stream whose cloud refuses rows one by one (inventory, customers), with
 * refused rows taken out of the answer: RxDB would take them for conflicting masters. Taken out, the
 * row counts as pushed, so it never holds back the rows after it.
 */
function rowRefusingPush(
  stream: 'inventory' | 'customers',
  onPushed: (pushed: string[], refused: InventoryRowRefusal[]) => void,
) {
  const build = createPushQueryBuilder(stream);
  // RxDB runs one push of a replication at a time: the answer belongs to the last query built.
  let pushed: string[] = [];
  return {
    queryBuilder: (rows: Parameters<typeof build>[0]) => {
      pushed = rows.map((row) => (row.newDocumentState as { id: string }).id);
      return build(rows);
    },
    responseModifier: (answer: RowPushAnswer[]) => {
      const refused: InventoryRowRefusal[] = [];
      const conflicts: object[] = [];
      for (const { refusal, ...doc } of answer) {
        if (refusal) refused.push({ id: doc.id, ...refusal });
        else conflicts.push(doc);
      }
      onPushed(pushed, refused);
      return conflicts;
    },
  };
}

/** A pulled product with its `nameKey`; a document without a name (never sent) gets an empty key. */
function withPulledNameKey(doc: { name?: unknown }): object {
  return typeof doc.name === 'string'
    ? withNameKey({ ...doc, name: doc.name })
    : { ...doc, nameKey: '' };
}

/**
 * Starts RxDB's GraphQL replication of one stream, live:
 * - catalog (`products`, `categories`) and `sales` acknowledgements: pull only;
 * - `inventory`: push and pull, merged by the crdt plugin's conflict handler;
 * - `customers`: push and pull, merged field by field by `customerConflictHandler`.
 * Wake-ups come from `StreamWakeups` as `reSync()` calls (RESYNC: pull from our own checkpoint), so a
 * subscription can never move a checkpoint. A failed pull is retried by RxDB after `retryTime`.
 */
export function startStreamReplication(
  context: StreamContext,
  stream: StreamName,
  collection: RxCollection<any>,
  identifier: string,
  initialCheckpoint?: Checkpoint,
): StreamReplication {
  const modifier = createPullResponseModifier<any>();
  const replication = replicateGraphQL<any, Checkpoint>({
    collection,
    replicationIdentifier: identifier,
    url: { http: context.httpUrl },
    headers: { Authorization: `Bearer ${context.token}` },
    fetch: context.fetch,
    live: true,
    waitForLeadership: false,
    retryTime: context.backoffBaseMs * 2,
    autoStart: true,
    pull: {
      queryBuilder: createPullQueryBuilder(stream, { getQueueDepth: context.getQueueDepth }),
      batchSize: context.batchSize,
      ...(initialCheckpoint ? { initialCheckpoint } : {}),
      // The terminal stores each product with the search key of its name (docs/design.md#product-name-key).
      ...(stream === 'products' ? { modifier: withPulledNameKey } : {}),
      responseModifier: (response, origin, requestCheckpoint) => {
        if (origin === 'handler') {
          const page = response as { documents: unknown[]; checkpoint: Checkpoint | null };
          context.onPulled(
            stream,
            page.checkpoint ?? requestCheckpoint ?? null,
            page.documents.length,
          );
        }
        return modifier(response, origin, requestCheckpoint);
      },
    },
    ...(stream === 'customers'
      ? {
          push: {
            ...rowRefusingPush('customers', (p, r) => context.onCustomersPushed(p, r)),
            batchSize: 100,
          },
        }
      : {}),
    ...(stream === 'inventory'
      ? {
          push: {
            ...rowRefusingPush('inventory', (p, r) => context.onInventoryPushed(p, r)),
            batchSize: 100,
            // The purge after a branch change leaves tombstones of the old branch's rows; the new
            // branch's token may not write them (POS_FORBIDDEN would block the whole push forever).
            modifier: (doc: { branchId: string }) =>
              doc.branchId === context.branchId ? doc : null,
          },
        }
      : {}),
  });
  return replication;
}
