import type { GraphQLContext } from '../context.ts';
import { streamTopic } from '../stream-hub.ts';
import type { DeadLetter, RejectedEventFilter } from '../store/index.ts';
import { PosError } from '../../schema/index.ts';

/** Page size when the feed walks the dead-letter list. */
const PAGE = 500;

/**
 * The refused sales filed after the subscription started, in filing order. A refusal is filed with
 * the sales acknowledgement of its branch, so the feed listens to the sales notices of the branches
 * (every branch of the tenant at subscribe time without a filter) and reads the list past the last
 * entry it saw: a notice from another instance (the stream poller) works the same, and a missed or
 * repeated notice is harmless. Each delivery checks the admin's token again, so a revoked or expired
 * token ends the feed.
 */
export function rejectedEventFeed(
  context: GraphQLContext,
  tenantId: string,
  filter: Pick<RejectedEventFilter, 'branchId' | 'terminalId'>,
  stillAuthorised: () => Promise<boolean>,
): AsyncIterable<DeadLetter> {
  const { hub, store } = context;
  const listFilter: RejectedEventFilter = { ...filter, status: 'all' };
  /** Entries past `after`, and the cursor after the last of them (no count, no walk from the start). */
  const readPast = async (after: string | null) => {
    const found: DeadLetter[] = [];
    for (;;) {
      const page = await store.rejectedEventsAfter(tenantId, listFilter, after, PAGE);
      found.push(...page.entries);
      after = page.cursor;
      if (!page.more) return { found, after };
    }
  };
  return {
    [Symbol.asyncIterator]() {
      const ready: DeadLetter[] = [];
      const waiting: Array<(r: IteratorResult<DeadLetter>) => void> = [];
      let failure: unknown = null;
      let cursor: string | null = null;
      let dirty = false;
      let reading = false;
      let closed = false;
      let started = false;
      const stops: (() => void)[] = [];
      const flush = () => {
        while (waiting.length > 0 && (ready.length > 0 || failure !== null || closed)) {
          const waiter = waiting.shift()!;
          if (ready.length > 0) waiter({ value: ready.shift()!, done: false });
          else waiter({ value: undefined, done: true });
        }
      };
      const pump = async () => {
        if (reading || closed || !started) return;
        reading = true;
        while (dirty && !closed) {
          dirty = false;
          try {
            if (!(await stillAuthorised())) {
              failure = new PosError(
                'POS_SYNC_UNAUTHORIZED',
                'The admin token is no longer valid.',
              );
              finish();
              break;
            }
            const { found, after } = await readPast(cursor);
            cursor = after;
            ready.push(...found);
          } catch (error) {
            context.log.warn({ err: error }, 'rejected event feed read failed');
          }
          flush();
        }
        reading = false;
      };
      const finish = () => {
        if (closed) return;
        closed = true;
        for (const stop of stops.splice(0)) stop();
        flush();
      };
      const start = (async () => {
        const branchIds = filter.branchId
          ? [filter.branchId]
          : (await store.listBranches(tenantId)).map((b) => b.id);
        for (const branchId of branchIds) {
          stops.push(
            hub.listen(streamTopic(tenantId, 'sales', branchId), () => {
              dirty = true;
              void pump();
            }),
          );
        }
        // Start at the newest entry: only refusals filed from now on are delivered.
        cursor = await store.rejectedEventsHead(tenantId);
        if (closed) for (const stop of stops.splice(0)) stop();
        started = true;
        dirty = true;
        await pump();
      })();
      start.catch((error: unknown) => {
        context.log.warn({ err: error }, 'rejected event feed failed to start');
        failure = error;
        finish();
      });
      return {
        next: () =>
          new Promise<IteratorResult<DeadLetter>>((resolve, reject) => {
            if (ready.length > 0) return resolve({ value: ready.shift()!, done: false });
            if (failure !== null && closed) return reject(failure);
            if (closed) return resolve({ value: undefined, done: true });
            waiting.push(resolve);
          }),
        return: async () => {
          finish();
          return { value: undefined, done: true };
        },
      };
    },
  };
}
