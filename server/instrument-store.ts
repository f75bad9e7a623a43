import type { ServerMetrics } from './metrics.ts';
import type { CloudStore } from './store/index.ts';

/**
 * The store with every call timed into `pos_store_latency_seconds{operation}`. A proxy rather than a
 * hand-written wrapper, so a method added to the port is measured without touching this file.
 */
export function instrumentStore(store: CloudStore, metrics: ServerMetrics): CloudStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...args: unknown[]) => {
        const end = metrics.storeLatency.startTimer({ operation: property });
        try {
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          if (result instanceof Promise) return result.finally(() => end());
          end();
          return result;
        } catch (error) {
          end();
          throw error;
        }
      };
    },
  });
}
