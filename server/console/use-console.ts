import type { Plugin } from 'graphql-yoga';
import type { ServerLogger } from '../logger.ts';
import type { BuiltConsole } from './build-console.ts';
import { buildConsole } from './build-console.ts';

/**
 * Headers of every console response: the page runs only its own script and talks only to this origin
 * (GraphQL over HTTP and graphql-ws), is never framed, and sends no referrer.
 */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/**
 * Serves the operator console at `/console` (the page) and `/console/app.js|css`, before GraphQL and
 * without a token: the page holds no data, and signs in with an admin token against the public API.
 * The bundle is built on the first request and kept in memory, so a server whose console is never
 * opened (a terminal test's cloud, a headless deployment) spends nothing on it.
 */
export function useConsole(options: { logger: ServerLogger }): Plugin {
  let built: Promise<BuiltConsole> | null = null;
  const load = () => {
    built ??= buildConsole().then(
      (page) => {
        options.logger.info({ sizes: page.sizes }, 'console built');
        return page;
      },
      (error: unknown) => {
        built = null;
        throw error;
      },
    );
    return built;
  };
  return {
    async onRequest({ url, request, endResponse, fetchAPI }) {
      if (url.pathname !== '/console' && !url.pathname.startsWith('/console/')) return;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(new fetchAPI.Response(null, { status: 405, headers: { allow: 'GET, HEAD' } }));
        return;
      }
      let page: BuiltConsole;
      try {
        page = await load();
      } catch (error) {
        options.logger.error({ err: error }, 'console build failed');
        endResponse(new fetchAPI.Response('console unavailable', { status: 503 }));
        return;
      }
      const name = url.pathname.replace(/^\/console\/?/, '');
      if (name === '' || name === 'index.html') {
        endResponse(
          new fetchAPI.Response(page.html, {
            headers: {
              ...SECURITY_HEADERS,
              'content-type': 'text/html; charset=utf-8',
              'cache-control': 'no-store',
            },
          }),
        );
        return;
      }
      const asset = page.assets.get(name);
      if (!asset) {
        endResponse(new fetchAPI.Response('not found', { status: 404 }));
        return;
      }
      const gzip = /\bgzip\b/.test(request.headers.get('accept-encoding') ?? '');
      endResponse(
        new fetchAPI.Response((gzip ? asset.gzip : asset.body) as BodyInit, {
          headers: {
            ...SECURITY_HEADERS,
            'content-type': asset.contentType,
            'cache-control': 'no-cache',
            ...(gzip ? { 'content-encoding': 'gzip', vary: 'accept-encoding' } : {}),
          },
        }),
      );
    },
  };
}
