import { STREAMS, isTenantStream } from '../replication/index.ts';
import type { ServerLogger } from './logger.ts';
import type { CloudStore } from './store/index.ts';
import type { StreamHub } from './stream-hub.ts';

/**
 * Wakes this instance's subscriptions for writes made through *other* server instances on the same
 * store (MongoDB): every `intervalMs` it reads the stream heads of the (tenant, branch) pairs someone
 * here listens to and notifies the hub of every head that moved. Only a hint: the terminal then pulls
 * from its own checkpoint, so a notice that is late, repeated or spurious is harmless, and the pull
 * stays the source of truth. Change streams would be faster, but need a replica set with an oplog that
 * every deployment (and the test stand-in) does not have; polling works on all of them.
 */
export function startStreamHeadPoller(options: {
  store: CloudStore;
  hub: StreamHub;
  intervalMs: number;
  logger: ServerLogger;
}): { close(): Promise<void> } {
  const { store, hub, intervalMs, logger } = options;
  const seen = new Map<string, number>();
  let running: Promise<void> | null = null;
  let closed = false;

  const pollOnce = async () => {
    // Tenant → branches listened to ('' stands for tenant-wide streams only).
    const wanted = new Map<string, Set<string>>();
    for (const topic of hub.topics()) {
      const [tenantId, , branchId] = topic.split('/') as [string, string, string | undefined];
      if (!wanted.has(tenantId)) wanted.set(tenantId, new Set());
      wanted.get(tenantId)!.add(branchId ?? '');
    }
    for (const [tenantId, branches] of wanted) {
      if (branches.size > 1) branches.delete('');
      for (const branchId of branches) {
        const heads = await store.streamHeads(tenantId, branchId || '-');
        for (const stream of STREAMS) {
          const tenantWide = isTenantStream(stream);
          if (!tenantWide && branchId === '') continue;
          const key = tenantWide ? `${tenantId}/${stream}` : `${tenantId}/${stream}/${branchId}`;
          const before = seen.get(key);
          seen.set(key, heads[stream]);
          // The first reading is a baseline: subscribers pull once when they subscribe anyway.
          if (before === undefined || heads[stream] === before) continue;
          hub.notify(
            isTenantStream(stream) ? { tenantId, stream } : { tenantId, stream, branchId },
          );
        }
      }
    }
  };

  const timer = setInterval(() => {
    if (running || closed) return;
    running = pollOnce()
      .catch((err: unknown) => logger.warn({ err }, 'stream head poll failed'))
      .finally(() => (running = null));
  }, intervalMs);
  timer.unref();

  return {
    async close() {
      closed = true;
      clearInterval(timer);
      await running;
    },
  };
}
