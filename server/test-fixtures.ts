import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerConfigInput } from './config.ts';
import { parseServerConfig } from './config.ts';
import type { PosServer } from './create-server.ts';
import { createServer } from './create-server.ts';
import { createLogger } from './logger.ts';
import type { SqliteCloudStore } from './store/sqlite/sqlite-cloud-store.ts';
import { openSqliteCloudStore } from './store/sqlite/sqlite-cloud-store.ts';

/** The root token test servers start with. */
export const ROOT_TOKEN = 'test-root-token-0123456789';

/** A GraphQL answer as the tests read it. */
export type GraphQLAnswer = {
  status: number;
  headers: Headers;
  data?: any;
  errors?: { message: string; extensions?: Record<string, any> }[];
};

/** A server on port 0 over the real SQLite store in a temp dir, with helpers to call it over HTTP. */
export type TestServer = {
  server: PosServer;
  store: SqliteCloudStore;
  dataDir: string;
  /** POSTs one operation to `/graphql` over real HTTP. */
  gql(
    query: string,
    variables?: Record<string, unknown>,
    token?: string | null,
  ): Promise<GraphQLAnswer>;
  /** Closes the server and the store, keeping the data dir (for restart tests). */
  stop(): Promise<void>;
};

/** Starts a test server; `dataDir` reuses a previous one (restart), otherwise a temp dir is made. */
export async function startTestServer(
  options: { dataDir?: string; config?: ServerConfigInput } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'pos-server-'));
  const config = parseServerConfig({
    port: 0,
    dataDir,
    adminToken: ROOT_TOKEN,
    logLevel: 'silent',
    ...options.config,
  });
  const store = openSqliteCloudStore({
    dataDir,
    retentionMs: config.retentionMs,
    staleAfterMs: config.staleTerminalAfterMs,
  });
  const server = await createServer({ config, store, logger: createLogger({ level: 'silent' }) });
  const gql = async (
    query: string,
    variables: Record<string, unknown> = {},
    token: string | null = ROOT_TOKEN,
  ): Promise<GraphQLAnswer> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    const response = await fetch(server.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as Omit<GraphQLAnswer, 'status' | 'headers'>;
    return { status: response.status, headers: response.headers, ...body };
  };
  let stopped = false;
  return {
    server,
    store,
    dataDir,
    gql,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.close();
      await store.close();
    },
  };
}

/** Removes a data dir made by `startTestServer`. */
export function removeDataDir(dataDir: string): void {
  rmSync(dataDir, { recursive: true, force: true });
}

/** Polls `condition` until it holds; fails after `timeoutMs` (a bound on a hung condition, not a wait). */
export async function until(
  condition: () => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
