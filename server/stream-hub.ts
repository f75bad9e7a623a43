import type { StreamName } from '../replication/index.ts';
import { isTenantStream } from '../replication/index.ts';
import type { StreamNotice } from './store/core/stream-notices.ts';

export type { StreamNotice };

/** The topic a terminal of `branchId` listens to for `stream`. */
export function streamTopic(tenantId: string, stream: StreamName, branchId: string): string {
  return isTenantStream(stream) ? `${tenantId}/${stream}` : `${tenantId}/${stream}/${branchId}`;
}

function noticeTopic(notice: StreamNotice): string {
  return 'branchId' in notice
    ? streamTopic(notice.tenantId, notice.stream, notice.branchId)
    : streamTopic(notice.tenantId, notice.stream, '');
}

/**
 * Fan-out of "stream X changed" to the subscriptions of this instance. Writes through this instance
 * notify it; writes through other instances reach it through `startStreamHeadPoller`. A missed or
 * repeated notice is harmless: the hint only makes the terminal pull from its own checkpoint
 * (docs/design.md#stream-hub).
 */
export class StreamHub {
  readonly #listeners = new Map<string, Set<() => void>>();
  readonly #reads = new Map<string, Promise<unknown>>();

  notify(notice: StreamNotice): void {
    this.#reads.clear();
    for (const listener of this.#listeners.get(noticeTopic(notice)) ?? []) listener();
  }

  /**
   * One `read` per `key` between two notices, shared by every caller: the subscriptions of one branch
   * woken by the same notice read the stream heads once, not once each (20 terminals, 20 reads in the
   * path of every hint). A failed read is not kept.
   */
  shared<T>(key: string, read: () => Promise<T>): Promise<T> {
    let pending = this.#reads.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = read();
      this.#reads.set(key, pending);
      pending.catch(() => {
        if (this.#reads.get(key) === pending) this.#reads.delete(key);
      });
    }
    return pending;
  }

  /** Calls `listener` on every notice of `topic` until the returned function is called. */
  listen(topic: string, listener: () => void): () => void {
    let listeners = this.#listeners.get(topic);
    if (!listeners) this.#listeners.set(topic, (listeners = new Set()));
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) this.#listeners.delete(topic);
    };
  }

  /** The topics someone listens to now (the multi-instance poller reads only their heads). */
  topics(): string[] {
    return [...this.#listeners.keys()];
  }

  /** Number of listeners, for tests and shutdown checks. */
  get size(): number {
    let size = 0;
    for (const listeners of this.#listeners.values()) size += listeners.size;
    return size;
  }
}
