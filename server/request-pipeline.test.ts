import { once } from 'node:events';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { PULL_DOCUMENTS, STREAM_DOCUMENTS } from '../replication/index.ts';
import { parseServerConfig } from './config.ts';
import type { ServerConfigInput } from './config.ts';
import { createServer } from './create-server.ts';
import { createLogger } from './logger.ts';
import { openSqliteCloudStore } from './store/sqlite/sqlite-cloud-store.ts';
import type { TestTerminal } from './test-api.ts';
import { createBranch, dataOf, registerTerminal } from './test-api.ts';
import type { TestServer } from './test-fixtures.ts';
import { ROOT_TOKEN, removeDataDir, startTestServer } from './test-fixtures.ts';

/** A test server whose log lines are kept, to see what is logged at which level. */
async function startLoggedServer(config: ServerConfigInput = {}) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const t = await startTestServer({ config });
  await t.server.close();
  const store = openSqliteCloudStore({ dataDir: t.dataDir });
  const server = await createServer({
    config: parseServerConfig({ port: 0, dataDir: t.dataDir, adminToken: ROOT_TOKEN, ...config }),
    store,
    logger: createLogger({ level: 'info', destination }),
  });
  await t.store.close();
  return {
    server,
    lines,
    async stop() {
      await server.close();
      await store.close();
      removeDataDir(t.dataDir);
    },
  };
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

/** A graphql-ws client that records hints, errors and how the socket closed. */
function subscribe(url: string, token: string, query: string) {
  const hints: unknown[] = [];
  const closes: number[] = [];
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: { headers: { Authorization: `Bearer ${token}` } },
    retryAttempts: 0,
    on: { closed: (event) => closes.push((event as { code: number }).code) },
  });
  const stop = client.subscribe(
    { query },
    { next: (value) => hints.push(value), error: () => undefined, complete: () => undefined },
  );
  return { hints, closes, close: async () => (stop(), await client.dispose()) };
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const codeOf = (body: any) => body.errors?.[0]?.extensions?.code;

describe('request pipeline: errors and statuses', () => {
  let t: Awaited<ReturnType<typeof startLoggedServer>>;
  let till: TestTerminal;
  const gql = async (query: string, variables: Record<string, unknown> = {}, token?: string | null) => {
    const headers: Record<string, string> = {};
    if (token !== null) headers['authorization'] = `Bearer ${token ?? ROOT_TOKEN}`;
    const answer = await post(t.server.url, { query, variables }, headers);
    return { status: answer.status, headers: answer.headers, ...answer.body };
  };
  beforeAll(async () => {
    t = await startLoggedServer();
    await createBranch(gql, 'b-1');
    await createBranch(gql, 'b-2');
    till = await registerTerminal(gql, 'b-1');
  });
  afterAll(async () => t.stop());

  it('answers variables that do not coerce with POS_INPUT_INVALID and HTTP 400, logged below error level', async () => {
    const before = t.lines.length;
    const answer = await post(
      t.server.url,
      { query: 'query($s:Boolean!){__typename @include(if:$s)}', variables: { s: 'x' } },
      { accept: 'application/graphql-response+json' },
    );
    expect(answer.status).toBe(400);
    expect(codeOf(answer.body)).toBe('POS_INPUT_INVALID');
    expect(answer.body.data).toBeUndefined();
    const pull = await post(
      t.server.url,
      { query: PULL_DOCUMENTS.products, variables: { limit: 'many' } },
      { authorization: `Bearer ${till.token}` },
    );
    expect(pull.status).toBe(400);
    expect(codeOf(pull.body)).toBe('POS_INPUT_INVALID');
    expect(t.lines.slice(before).filter((line) => Number(line['level']) >= 50)).toEqual([]);
  });

  it('sends a Bearer challenge with every 401', async () => {
    const missing = await gql(PULL_DOCUMENTS.products, { limit: 1 }, null);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="pos-sync"');
    const wrong = await gql(PULL_DOCUMENTS.products, { limit: 1 }, 'pos_t_nope');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe(
      'Bearer realm="pos-sync", error="invalid_token"',
    );
  });

  it('answers an admin reassigning a revoked terminal with 409 POS_TERMINAL_ALREADY_REVOKED, not 401', async () => {
    const spare = await registerTerminal(gql, 'b-1');
    dataOf(
      await gql('mutation ($id: String!) { revokeTerminal(terminalId: $id) { revokedAt } }', {
        id: spare.terminalId,
      }),
    );
    const answer = await gql(
      'mutation ($id: String!) { reassignTerminal(terminalId: $id, branchId: "b-2") { token } }',
      { id: spare.terminalId },
    );
    expect(answer.status).toBe(409);
    expect(codeOf(answer)).toBe('POS_TERMINAL_ALREADY_REVOKED');
  });

  it('refuses a caller without a token before validating its document', async () => {
    // Invalid (no such field on the pull) and deep: a token check after validation would name those.
    const answer = await gql('{ pullProducts(limit: 1) { nope { deeper } } }', {}, null);
    expect(answer.status).toBe(401);
    expect(codeOf(answer)).toBe('POS_SYNC_UNAUTHORIZED');
    // GraphQL's own fields stay open, and unknown fields are still named by validation.
    expect((await gql('{ __typename }', {}, null)).data).toEqual({ __typename: 'Query' });
    expect(codeOf(await gql('{ nope }', {}, null))).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('validates a chain of fragments each spreading the next twice in linear time, HTTP and health alike', async () => {
    let text = '{ ...F0 }\n';
    for (let i = 0; i < 60; i++) {
      text += `fragment F${i} on Query { __typename ${i < 59 ? `...F${i + 1} ...F${i + 1}` : ''} }\n`;
    }
    const answer = await gql(text, {}, null);
    expect(answer.data).toEqual({ __typename: 'Query' });
    expect((await fetch(t.server.url.replace(/graphql$/, 'healthz'))).status).toBe(200);
  });
});
