import type { RxCollection } from 'rxdb';
import { replicateGraphQL } from 'rxdb/plugins/replication-graphql';
import type { RxGraphQLReplicationState } from 'rxdb/plugins/replication-graphql';
import type { Checkpoint, StreamName } from '../replication/index.ts';
import {
  computeBackoffMs,
  createPullQueryBuilder,
  createPullResponseModifier,
  createPullStreamQueryBuilder,
  createPushQueryBuilder,
} from '../replication/index.ts';

/** One replicated stream as the terminal runs it. */
export type StreamReplication = RxGraphQLReplicationState<any, Checkpoint>;

/** What every stream replication of one terminal shares. */
export type StreamContext = {
  httpUrl: string;
  /**
   * RxDB shares one graphql-ws client per URL across the whole process (with the first caller's
   * headers), so each terminal gets its own URL (`?terminal=<posId>`): the server matches the path only.
   */
  wsUrl: string;
  token: string;
  fetch: typeof globalThis.fetch;
  batchSize: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  getQueueDepth: () => number;
  /** Called with every pull answer: the checkpoint reached and how many documents came. */
  onPulled(stream: StreamName, checkpoint: Checkpoint | null, documents: number): void;
};

/**
 * Starts RxDB's GraphQL replication of one stream, live, woken by the stream's subscription:
 * - catalog (`products`, `categories`) and `sales` acknowledgements: pull only;
 * - `inventory`: push and pull, merged by the crdt plugin's conflict handler.
 * Every stream event is turned into RESYNC (pull from our own checkpoint), so the subscription can
 * never move a checkpoint. The WebSocket reconnects forever with exponential backoff and full jitter;
 * each reconnect also RESYNCs, so the pull catches up on what was missed while disconnected.
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
    url: { http: context.httpUrl, ws: context.wsUrl },
    headers: { Authorization: `Bearer ${context.token}` },
    fetch: context.fetch,
    live: true,
    waitForLeadership: false,
    retryTime: context.backoffBaseMs * 2,
    autoStart: true,
    pull: {
      queryBuilder: createPullQueryBuilder(stream, { getQueueDepth: context.getQueueDepth }),
      streamQueryBuilder: createPullStreamQueryBuilder(stream),
      includeWsHeaders: true,
      batchSize: context.batchSize,
      ...(initialCheckpoint ? { initialCheckpoint } : {}),
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
      wsOptions: {
        retryAttempts: Number.POSITIVE_INFINITY,
        keepAlive: 10_000,
        retryWait: (retries) =>
          new Promise((resolve) =>
            setTimeout(
              resolve,
              computeBackoffMs(retries + 1, {
                baseMs: context.backoffBaseMs,
                capMs: context.backoffCapMs,
              }),
            ),
          ),
      },
    },
    ...(stream === 'inventory'
      ? { push: { queryBuilder: createPushQueryBuilder('inventory'), batchSize: 100 } }
      : {}),
  });
  return replication;
}
