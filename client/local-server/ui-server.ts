import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { BuiltPage } from './build-page.ts';
import { UI_SESSION_PATH, UI_SOCKET_PATH } from '../browser/protocol.ts';
import { isLocalToken } from './local-token.ts';
import type { SubscriptionCounter } from './read-only-storage.ts';
import type { UiTerminal } from './ui-session.ts';
import { serveUiSession } from './ui-session.ts';

/** Largest frame a page may send: a sale of 1,000 lines fits with room to spare. */
const MAX_FRAME_BYTES = 1024 * 1024;

export type UiServerOptions = {
  terminal: UiTerminal;
  /** The terminal's local token (`loadOrCreateLocalToken`). */
  token: string;
  /** The built page, or its build in progress (requests for the page wait for it). */
  page: Promise<BuiltPage>;
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** Interface to bind: loopback by default, so only this machine reaches the till. */
  host?: string;
  /** Origins besides the page's own allowed to open the socket (Electron, Tauri renderers). */
  allowedOrigins?: readonly string[];
  logger: Logger;
};

/** The daemon's UI server, running. */
export type UiServer = {
  port: number;
  /** The page's address with the token: what the daemon prints at start. */
  pageUrl: string;
  /** Open page sockets and change-stream subscriptions they hold (leak checks). */
  stats(): { sockets: number; changeStreams: number };
  close(): Promise<void>;
};

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * Serves the cashier page over HTTP and its socket (`/ws`) on one port. Every request needs the local
 * token in its query string (browsers cannot set headers on a WebSocket); a socket also needs an
 * allowed `Origin` (the page's own address, or one of `allowedOrigins`), so a web site open in the
 * cashier's browser cannot use a token it guessed or stole through a page it framed. On loopback, the
 * `Host` must be loopback too, which closes DNS rebinding.
 */
export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const host = options.host ?? '127.0.0.1';
  const counter: SubscriptionCounter = { open: 0 };
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  let port = options.port;
  const ownOrigins = () =>
    new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`]);
  const isAllowedOrigin = (origin: string | undefined) =>
    origin === undefined ||
    ownOrigins().has(origin) ||
    (options.allowedOrigins ?? []).includes(origin);
  const isAllowedHost = (hostHeader: string | undefined) => {
    if (!LOOPBACK.has(host)) return true;
    const name = (hostHeader ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    return LOOPBACK.has(name);
  };
  /** Checks a request; returns the HTTP status refusing it, or null. */
  const refusal = (request: IncomingMessage): number | null => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (!isAllowedHost(request.headers.host)) return 403;
    if (!isLocalToken(url.searchParams.get('token'), options.token)) return 401;
    if (!isAllowedOrigin(request.headers.origin)) return 403;
    return null;
  };

  const stats = () => ({ sockets: sockets.clients.size, changeStreams: counter.open });
  const server = createServer((request, response) => {
    void handleHttp(request, response).catch((error: unknown) => {
      options.logger.error({ err: error }, 'ui: request failed');
      if (!response.headersSent) response.writeHead(500).end();
    });
  });

  async function handleHttp(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const status = refusal(request);
    // The token sits in the page's URL: no referrer may carry it elsewhere, no cache may keep it.
    response.setHeader('Referrer-Policy', 'no-referrer');
    response.setHeader('Cache-Control', 'no-store');
    response.setHeader('X-Content-Type-Options', 'nosniff');
    const origin = request.headers.origin;
    if (origin && isAllowedOrigin(origin))
      response.setHeader('Access-Control-Allow-Origin', origin);
    if (status !== null) {
      response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(status === 401 ? 'missing or wrong token\n' : 'forbidden\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405).end();
      return;
    }
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === UI_SESSION_PATH) {
      response.writeHead(200, { 'content-type': 'application/json' });
      const { sockets: open, changeStreams } = stats();
      response.end(JSON.stringify({ ok: true, sockets: open, changeStreams }));
      return;
    }
    const page = await options.page;
    if (url.pathname === '/' || url.pathname === '/index.html') {
      response.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'Content-Security-Policy':
          "default-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
      });
      response.end(page.html(`?token=${encodeURIComponent(options.token)}`));
      return;
    }
    const asset = page.assets.get(url.pathname);
    if (!asset) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': asset.contentType });
    response.end(asset.body);
  }

  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const status = url.pathname === UI_SOCKET_PATH ? refusal(request) : 404;
    if (status !== null) {
      options.logger.warn({ status, origin: request.headers.origin }, 'ui: socket refused');
      socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'}\r\n\r\n`);
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => {
      serveUiSession(ws, options.terminal, counter, options.logger);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    port,
    pageUrl: `http://${shownHost}:${port}/?token=${encodeURIComponent(options.token)}`,
    stats,
    async close() {
      for (const client of sockets.clients) client.terminate();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
