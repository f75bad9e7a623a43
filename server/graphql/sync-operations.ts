import type { Checkpoint, StreamName } from '../../replication/index.ts';
import { pullArgsSchema } from '../../replication/index.ts';
import { PosError, isPosError } from '../../schema/index.ts';
import type { ErrorCode } from '../../schema/index.ts';
import type { GraphQLContext } from '../context.ts';
import type { PullResult, TerminalContact, TerminalScope } from '../store/index.ts';
import { streamTopic } from '../stream-hub.ts';
import { parseInput, requireTerminal } from './guards.ts';

/** Arguments every `pullX` field declares (the contract of `PULL_DOCUMENTS`). */
export type PullFieldArgs = {
  checkpoint?: { seq: number; snapshotFloor?: number | null } | null;
  limit: number;
  queueDepth?: number | null;
};

/**
 * Records a terminal's contact without failing the request: the sync answer matters more than the
 * admin's "last seen" column, and a failed record is visible in the logs.
 */
export async function recordContact(
  context: GraphQLContext,
  scope: TerminalScope,
  contact: TerminalContact,
): Promise<void> {
  try {
    await context.store.recordTerminalContact(scope, contact);
  } catch (error) {
    context.log.warn({ err: error, errorCode: 'POS_SYNC_STORAGE_FAILED' }, 'contact not recorded');
  }
}

/**
 * A storage failure of a catalog pull has a catalog code (docs/design.md#error-model). A pull from
 * the start, or from a checkpoint a snapshot below the floor answered, is a snapshot; any other
 * is a delta. Other streams keep `POS_SYNC_STORAGE_FAILED`.
 */
function pullFailure(stream: StreamName, checkpoint: Checkpoint | null, error: unknown): unknown {
  if (!isPosError(error) || error.code !== 'POS_SYNC_STORAGE_FAILED') return error;
  if (stream !== 'products' && stream !== 'categories') return error;
  const snapshot = checkpoint === null || checkpoint.seq === 0 || checkpoint.snapshotFloor != null;
  const code: ErrorCode = snapshot ? 'POS_CATALOG_SNAPSHOT_FAILED' : 'POS_CATALOG_DELTA_FAILED';
  return new PosError(code, undefined, { stream }, { cause: error });
}

/** A pull: scope from the token → validated arguments → the store → metrics and contact. */
export async function servePull<R extends PullResult<unknown>>(
  context: GraphQLContext,
  stream: StreamName,
  args: PullFieldArgs,
  load: (scope: TerminalScope, checkpoint: Checkpoint | null, limit: number) => Promise<R>,
): Promise<R> {
  const scope = requireTerminal(context);
  const { checkpoint, limit, queueDepth } = parseInput(pullArgsSchema, args);
  let result: R;
  try {
    result = await load(scope, checkpoint ?? null, limit);
  } catch (error) {
    throw pullFailure(stream, checkpoint ?? null, error);
  }
  context.metrics.pulls.inc({ stream });
  context.metrics.pulledDocuments.inc({ stream }, result.documents.length);
  await recordContact(context, scope, {
    kind: 'pull',
    stream,
    checkpoint: checkpoint ?? null,
    queueDepth: queueDepth ?? null,
  });
  return result;
}

/** The hint of every `streamX` subscription: the newest seq of the stream in the terminal's scope. */
export type StreamHintShape = { latestSeq: number };

/**
 * The events of a `streamX` subscription: one hint at once (the subscriber's starting point, and proof
 * the subscription is live), then one per change notice. Notices arriving while a hint is being
 * computed are folded into one more hint, so a burst of writes costs a few head reads, not one each.
 */
export function streamHints(
  context: GraphQLContext,
  stream: StreamName,
): AsyncIterable<StreamHintShape> {
  const scope = requireTerminal(context);
  const { hub, store, metrics } = context;
  const readHint = async (): Promise<StreamHintShape> => ({
    latestSeq: (
      await hub.shared(`heads:${scope.tenantId}:${scope.branchId}`, () =>
        store.streamHeads(scope.tenantId, scope.branchId),
      )
    )[stream],
  });
  return {
    [Symbol.asyncIterator]() {
      const pending: Array<(r: IteratorResult<StreamHintShape>) => void> = [];
      const ready: StreamHintShape[] = [];
      let dirty = true;
      let computing = false;
      let closed = false;
      const deliver = (hint: StreamHintShape) => {
        const waiter = pending.shift();
        if (waiter) waiter({ value: hint, done: false });
        else ready.splice(0, ready.length, hint);
      };
      const pump = async () => {
        if (computing || closed) return;
        computing = true;
        while (dirty && !closed) {
          dirty = false;
          try {
            deliver(await readHint());
          } catch (error) {
            context.log.warn({ err: error, stream }, 'stream hint failed');
          }
        }
        computing = false;
      };
      const stop = hub.listen(streamTopic(scope.tenantId, stream, scope.branchId), () => {
        dirty = true;
        void pump();
      });
      metrics.openSubscriptions.inc({ stream });
      void pump();
      const finish = (): Promise<IteratorResult<StreamHintShape>> => {
        if (!closed) {
          closed = true;
          stop();
          metrics.openSubscriptions.dec({ stream });
          for (const waiter of pending.splice(0)) waiter({ value: undefined, done: true });
        }
        return Promise.resolve({ value: undefined, done: true });
      };
      return {
        next: () => {
          if (closed) return Promise.resolve({ value: undefined, done: true });
          const hint = ready.shift();
          if (hint) return Promise.resolve({ value: hint, done: false });
          return new Promise((resolve) => pending.push(resolve));
        },
        return: finish,
        throw: finish,
      };
    },
  };
}
