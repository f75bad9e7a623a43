import type { Plugin } from 'graphql-yoga';
import type { ServerMetrics } from '../metrics.ts';

/**
 * `/healthz` (liveness and store reachability) and `/metrics` (Prometheus text of this instance's
 * registry), answered before GraphQL parsing.
 */
export function useEndpoints(options: {
  metrics: ServerMetrics;
  checkHealth: () => Promise<void>;
}): Plugin {
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname === '/healthz') {
        try {
          await options.checkHealth();
          endResponse(fetchAPI.Response.json({ status: 'ok' }));
        } catch {
          endResponse(fetchAPI.Response.json({ status: 'unavailable' }, { status: 503 }));
        }
      } else if (url.pathname === '/metrics') {
        const body = await options.metrics.registry.metrics();
        endResponse(
          new fetchAPI.Response(body, {
            headers: { 'content-type': options.metrics.registry.contentType },
          }),
        );
      }
    },
  };
}
