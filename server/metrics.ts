import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The Prometheus metrics of one server instance, on its own registry (never the global one). */
export type ServerMetrics = ReturnType<typeof createMetrics>;

/**
 * Creates the metrics of one server. A registry per instance keeps tests that start several servers in one
 * process apart and lets `close()` drop everything.
 */
export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'pos_' });
  const registers = [registry];
  return {
    registry,
    pulls: new Counter({
      name: 'pos_pulls_total',
      help: 'Pull requests served, by stream.',
      labelNames: ['stream'] as const,
      registers,
    }),
    pulledDocuments: new Counter({
      name: 'pos_pulled_documents_total',
      help: 'Documents returned by pulls, by stream.',
      labelNames: ['stream'] as const,
      registers,
    }),
    pushes: new Counter({
      name: 'pos_pushes_total',
      help: 'Push requests served, by stream.',
      labelNames: ['stream'] as const,
      registers,
    }),
    sales: new Counter({
      name: 'pos_sales_total',
      help: 'Pushed sales by outcome: ingested, duplicate, rejected.',
      labelNames: ['outcome'] as const,
      registers,
    }),
    rateLimited: new Counter({
      name: 'pos_rate_limited_total',
      help: 'Operations refused with POS_SYNC_RATE_LIMITED.',
      registers,
    }),
    rateLimitShared: new Gauge({
      name: 'pos_rate_limit_shared',
      help: '1 while rate limits are shared through Redis (POS_REDIS_URL), 0 while this instance limits alone.',
      registers,
    }),
    errors: new Counter({
      name: 'pos_errors_total',
      help: 'GraphQL errors sent, by code.',
      labelNames: ['code'] as const,
      registers,
    }),
    openSubscriptions: new Gauge({
      name: 'pos_open_subscriptions',
      help: 'Stream subscriptions currently open, by stream.',
      labelNames: ['stream'] as const,
      registers,
    }),
    storeLatency: new Histogram({
      name: 'pos_store_latency_seconds',
      help: 'Latency of store port calls, by operation.',
      labelNames: ['operation'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
  };
}
