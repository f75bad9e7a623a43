import type {
  RxGraphQLReplicationPullQueryBuilder,
  RxGraphQLReplicationPullStreamQueryBuilder,
  RxGraphQLReplicationPushQueryBuilder,
  RxGraphQLReplicationQueryBuilderResponseObject,
  RxReplicationWriteToMasterRow,
} from 'rxdb';
import type { Checkpoint } from './checkpoint.ts';
import { wireCheckpoint } from './checkpoint.ts';
import type { PushStreamName, StreamName } from './operation-documents.ts';
import {
  PULL_DOCUMENTS,
  PUSH_DOCUMENTS,
  STREAM_DOCUMENTS,
  pullOperationName,
  pushOperationName,
  streamOperationName,
} from './operation-documents.ts';

/** Options of a pull query builder. */
export type PullQueryBuilderOptions = {
  /** Reads the terminal's current count of queued sales; sent with every pull. */
  getQueueDepth?: () => number;
};

/**
 * The `pull.queryBuilder` for RxDB's `replicateGraphQL`: `(checkpoint, limit) => { query, operationName,
 * variables }`. The checkpoint RxDB stored from the last answer is sent back whole (`seq` and, during a
 * snapshot below the retention floor, `snapshotFloor`: without it the next snapshot page is refused);
 * fields `CheckpointInput` does not know, from a checkpoint stored by another version, are dropped.
 */
export function createPullQueryBuilder(
  stream: StreamName,
  options: PullQueryBuilderOptions = {},
): RxGraphQLReplicationPullQueryBuilder<Checkpoint> {
  return (checkpoint, limit): RxGraphQLReplicationQueryBuilderResponseObject => {
    const variables: Record<string, unknown> = {
      checkpoint: checkpoint ? wireCheckpoint(checkpoint) : null,
      limit,
    };
    if (options.getQueueDepth) variables['queueDepth'] = options.getQueueDepth();
    return { query: PULL_DOCUMENTS[stream], operationName: pullOperationName(stream), variables };
  };
}

/**
 * The `push.queryBuilder` for RxDB's `replicateGraphQL`. RxDB hands over rows already stripped of local
 * metadata; they are sent as they are, `assumedMasterState` omitted for new documents.
 */
export function createPushQueryBuilder(
  stream: PushStreamName,
): RxGraphQLReplicationPushQueryBuilder {
  return (rows: RxReplicationWriteToMasterRow<any>[]) => ({
    query: PUSH_DOCUMENTS[stream],
    operationName: pushOperationName(stream),
    variables: {
      rows: rows.map((row) => ({
        assumedMasterState: row.assumedMasterState ?? null,
        newDocumentState: row.newDocumentState,
      })),
    },
  });
}

/**
 * The `pull.streamQueryBuilder` for RxDB's `replicateGraphQL`. The headers are not sent as variables:
 * use `includeWsHeaders: true`, so they travel in the WebSocket connection params where the server
 * authenticates the terminal once per connection.
 */
export function createPullStreamQueryBuilder(
  stream: StreamName,
): RxGraphQLReplicationPullStreamQueryBuilder {
  return (_headers) => ({
    query: STREAM_DOCUMENTS[stream],
    operationName: streamOperationName(stream),
    variables: {},
  });
}
