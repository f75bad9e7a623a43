import { once } from 'node:events';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { PULL_DOCUMENTS, PUSH_DOCUMENTS, STREAM_DOCUMENTS } from '../replication/index.ts';
import { parseServerConfig } from './config.ts';
import type { ServerConfigInput } from './config.ts';
import { createServer } from './create-server.ts';
import { createLogger } from './logger.ts';
import { openSqliteCloudStore } from './store/sqlite/sqlite-cloud-store.ts';
import type { TestTerminal } from './test-api.ts';
import { createBranch, dataOf, registerTerminal, saleOf } from './test-api.ts';
import type { TestServer } from './test-fixtures.ts';
import { ROOT_TOKEN, removeDataDir, startTestServer, until } from './test-fixtures.ts';

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
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as any,
  };
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

const codeOf = (body: any) => body.errors?.[0]?.extensions?.code;

describe('request pipeline: errors and statuses', () => {
  let t: Awaited<ReturnType<typeof startLoggedServer>>;
  let till: TestTerminal;
  const gql = async (
    query: string,
    variables: Record<string, unknown> = {},
    token?: string | null,
  ) => {
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

  it('refuses documents that overflowed the stack as POS_INPUT_INVALID 400, never a logged 500', async () => {
    const before = t.lines.length;
    const lists = `{ __typename(a:${'['.repeat(2_000)}${']'.repeat(2_000)}) }`;
    let chain = 'query { ...F0 }\n';
    for (let i = 0; i < 3_000; i++) chain += `fragment F${i} on Query { ...F${i + 1} }\n`;
    chain += 'fragment F3000 on Query { __typename }';
    const inline = `{ ${'... on Query { '.repeat(5_000)}__typename${' }'.repeat(5_000)} }`;
    for (const query of [lists, chain, inline]) {
      // A forged token: without any, the body would be refused by its size (64 KiB) first.
      for (const token of ['pos_t_forged', till.token]) {
        const headers = { authorization: `Bearer ${token}` };
        const answer = await post(
          t.server.url,
          { query },
          { accept: 'application/graphql-response+json', ...headers },
        );
        expect(answer.status).toBe(400);
        expect(codeOf(answer.body)).toBe('POS_INPUT_INVALID');
      }
    }
    expect(t.lines.slice(before).filter((line) => Number(line['level']) >= 50)).toEqual([]);
  });

  it('refuses a document beyond POS_MAX_TOKENS before reading the rest of it, with or without a token', async () => {
    const typenames = `{ ${'__typename '.repeat(700_000)}}`;
    const aliased = `{ ${Array.from({ length: 200_000 }, (_, i) => `a${i}:__typename`).join(' ')} }`;
    const repeated = `{ ${'currentTerminal { terminalId } '.repeat(20_000)}}`;
    for (const [query, token] of [
      [typenames, 'pos_t_forged'],
      [aliased, 'pos_t_forged'],
      [repeated, till.token],
    ] as const) {
      const headers = {
        accept: 'application/graphql-response+json',
        authorization: `Bearer ${token}`,
      };
      const answer = await post(t.server.url, { query }, headers);
      expect(answer.status).toBe(400);
      expect(answer.body.errors?.[0]?.message).toBe('the document has more than 5000 tokens');
    }
  });

  it('bounds the body of a request without a token at 64 KiB, before reading it', async () => {
    const body = { query: `{ __typename } # ${'x'.repeat(100 * 1024)}` };
    const anonymous = await post(t.server.url, body);
    expect(anonymous.status).toBe(413);
    expect(anonymous.body.errors[0].extensions).toMatchObject({
      code: 'POS_INPUT_INVALID',
      limitBytes: 64 * 1024,
    });
    const withToken = await post(t.server.url, body, { authorization: `Bearer ${till.token}` });
    expect(withToken.status).toBe(200);
    expect(withToken.body.data).toEqual({ __typename: 'Query' });
  });

  it('answers a custom scalar refusing a variable with POS_INPUT_INVALID 400, like any coercion', async () => {
    for (const seq of [1.5, '1', true, 2 ** 60]) {
      const answer = await post(
        t.server.url,
        { query: PULL_DOCUMENTS.products, variables: { checkpoint: { seq }, limit: 1 } },
        { accept: 'application/graphql-response+json', authorization: `Bearer ${till.token}` },
      );
      expect(answer.status).toBe(400);
      expect(codeOf(answer.body)).toBe('POS_INPUT_INVALID');
    }
  });

  it('refuses a push batch whole when one sale fails variable coercion, storing nothing', async () => {
    const good = saleOf(till, 'pos-coerce', 1);
    const huge = saleOf(till, 'pos-coerce', 2);
    huge.totals = { ...huge.totals, totalMinor: 2 ** 60 };
    const answer = await post(
      t.server.url,
      {
        query: PUSH_DOCUMENTS.sales,
        variables: { rows: [good, huge].map((sale) => ({ newDocumentState: sale })) },
      },
      { accept: 'application/graphql-response+json', authorization: `Bearer ${till.token}` },
    );
    expect(answer.status).toBe(400);
    expect(codeOf(answer.body)).toBe('POS_INPUT_INVALID');
    expect(answer.body.data).toBeUndefined();
    const pulled = await gql(PULL_DOCUMENTS.sales, { limit: 100 }, till.token);
    expect(dataOf(pulled).pullSales.documents).toEqual([]);
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

describe('WebSocket connections', () => {
  let t: TestServer;
  let till: TestTerminal;
  beforeAll(async () => {
    t = await startTestServer({
      config: { wsMaxPerTerminal: 1, wsMaxConnections: 3, bodyLimitBytes: 64 * 1024 },
    });
    await createBranch(t.gql, 'b-1');
    await createBranch(t.gql, 'b-2');
    till = await registerTerminal(t.gql, 'b-1');
  });
  afterAll(async () => {
    await t.stop();
    removeDataDir(t.dataDir);
  });

  it('closes an open connection that never sends connection_init', async () => {
    const socket = new WebSocket(t.server.wsUrl, 'graphql-transport-ws');
    await once(socket, 'open');
    const [code] = (await once(socket, 'close')) as [number];
    expect(code).toBe(4408);
  });

  it('caps a terminal at its connections (1013) and refuses messages above the body limit (1009)', async () => {
    const first = subscribe(t.server.wsUrl, till.token, STREAM_DOCUMENTS.products);
    await until(() => first.hints.length > 0, 'the first hint');
    const second = subscribe(t.server.wsUrl, till.token, STREAM_DOCUMENTS.products);
    await until(() => second.closes.length > 0, 'the second socket to close');
    expect(second.closes[0]).toBe(1013);
    expect(first.closes).toEqual([]);
    await first.close();

    const socket = new WebSocket(t.server.wsUrl, 'graphql-transport-ws');
    await once(socket, 'open');
    socket.send('x'.repeat(65 * 1024));
    const [code] = (await once(socket, 'close')) as [number];
    expect(code).toBe(1009);
  });

  it('caps WebSocket connections in total: an upgrade beyond the cap is answered 503', async () => {
    const open = await Promise.all(
      [0, 1, 2].map(async () => {
        const socket = new WebSocket(t.server.wsUrl, 'graphql-transport-ws');
        await once(socket, 'open');
        return socket;
      }),
    );
    const refused = new WebSocket(t.server.wsUrl, 'graphql-transport-ws');
    refused.on('error', () => undefined);
    const [, response] = (await once(refused, 'unexpected-response')) as [
      unknown,
      { statusCode: number },
    ];
    expect(response.statusCode).toBe(503);
    refused.terminate();
    await Promise.all(
      open.map(async (socket) => {
        const closed = once(socket, 'close');
        socket.close();
        await closed;
      }),
    );
  });

  it('answers a document beyond the parse limits on the operation, keeping the socket open', async () => {
    const client = createClient({
      url: t.server.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { headers: { Authorization: `Bearer ${till.token}` } },
      retryAttempts: 0,
    });
    try {
      const ask = (query: string) =>
        new Promise<unknown>((resolve) => {
          client.subscribe(
            { query },
            { next: () => undefined, error: resolve, complete: () => resolve('complete') },
          );
        });
      const refused = (await ask(`{ __typename(a: ${'['.repeat(100)}${']'.repeat(100)}) }`)) as any;
      expect(refused[0].extensions.code).toBe('POS_INPUT_INVALID');
      // The same socket still answers.
      expect(await ask('{ __typename }')).toBe('complete');
    } finally {
      await client.dispose();
    }
  });

  it('serves subscriptions over WebSocket only, not as HTTP event streams', async () => {
    const response = await fetch(t.server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        authorization: `Bearer ${till.token}`,
      },
      body: JSON.stringify({ query: STREAM_DOCUMENTS.sales }),
    });
    const text = await response.text();
    expect(text).toContain('POS_INPUT_INVALID');
    expect(text).not.toContain('latestSeq');
  });

  it("closes a terminal's subscriptions when it is revoked or reassigned", async () => {
    const spare = await registerTerminal(t.gql, 'b-1');
    const revoked = subscribe(t.server.wsUrl, spare.token, STREAM_DOCUMENTS.sales);
    await until(() => revoked.hints.length > 0, 'the first hint');
    dataOf(
      await t.gql('mutation ($id: String!) { revokeTerminal(terminalId: $id) { revokedAt } }', {
        id: spare.terminalId,
      }),
    );
    await until(() => revoked.closes.length > 0, 'the revoked socket to close');
    expect(revoked.closes[0]).toBe(4401);
    await revoked.close();

    const moving = await registerTerminal(t.gql, 'b-1');
    const moved = subscribe(t.server.wsUrl, moving.token, STREAM_DOCUMENTS.sales);
    await until(() => moved.hints.length > 0, 'the first hint');
    dataOf(
      await t.gql(
        'mutation ($id: String!) { reassignTerminal(terminalId: $id, branchId: "b-2") { token } }',
        { id: moving.terminalId },
      ),
    );
    await until(() => moved.closes.length > 0, 'the reassigned socket to close');
    expect(moved.closes[0]).toBe(4401);
    await moved.close();
  });
});

describe('production form', () => {
  it('refuses introspection and hides field suggestions unless turned on, and allows listed origins only', async () => {
    const t = await startTestServer({ config: { corsOrigins: 'https://office.example' } });
    const open = await startTestServer({ config: { introspection: true, fieldSuggestions: true } });
    try {
      const schemaQuery = '{ __schema { queryType { name } } }';
      expect((await t.gql(schemaQuery)).errors?.[0]?.extensions?.code).toBe(
        'GRAPHQL_VALIDATION_FAILED',
      );
      expect((await open.gql(schemaQuery)).data).toEqual({
        __schema: { queryType: { name: 'Query' } },
      });
      const typo = '{ branchez { id } }';
      expect((await t.gql(typo)).errors?.[0]?.message).not.toContain('Did you mean');
      expect((await open.gql(typo)).errors?.[0]?.message).toContain('Did you mean');

      const preflight = (origin: string) =>
        fetch(t.server.url, {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'POST' },
        });
      const evil = await preflight('https://evil.example');
      expect(evil.headers.get('access-control-allow-origin')).toBeNull();
      expect(evil.headers.get('access-control-allow-credentials')).toBeNull();
      const office = await preflight('https://office.example');
      expect(office.headers.get('access-control-allow-origin')).toBe('https://office.example');
      expect(office.headers.get('access-control-allow-credentials')).toBeNull();
    } finally {
      for (const server of [t, open]) {
        await server.stop();
        removeDataDir(server.dataDir);
      }
    }
  });
});

describe('timeouts and cost', () => {
  it('cuts off a request whose body does not arrive within the request timeout', async () => {
    const t = await startTestServer({ config: { requestTimeoutMs: 1_000 } });
    try {
      const socket = connect(t.server.port, '127.0.0.1');
      await once(socket, 'connect');
      socket.write(
        'POST /graphql HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{',
      );
      let answer = '';
      socket.on('data', (chunk) => (answer += String(chunk)));
      await once(socket, 'close');
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      await t.stop();
      removeDataDir(t.dataDir);
    }
  });

  it('closes connections beyond the connection cap at once', async () => {
    const t = await startTestServer({ config: { maxConnections: 2 } });
    const open = async () => {
      const socket = connect(t.server.port, '127.0.0.1');
      await once(socket, 'connect');
      return socket;
    };
    try {
      const held = [await open(), await open()];
      const extra = await open();
      await once(extra, 'close');
      for (const socket of held) socket.destroy();
    } finally {
      await t.stop();
      removeDataDir(t.dataDir);
    }
  });

  it('charges a list argument per thousand ids like a limit, so aliased productsByIds are costly', async () => {
    const t = await startTestServer({ config: { rateLimitPerSecond: 1, rateLimitBurst: 10 } });
    try {
      await createBranch(t.gql, 'b-1');
      const till = await registerTerminal(t.gql, 'b-1');
      const ids = Array.from({ length: 5_000 }, (_, i) => `p-${i}`);
      const aliased = Array.from(
        { length: 2 },
        (_, i) => `a${i}: productsByIds(ids: $ids) { id }`,
      ).join(' ');
      const query = `query ($ids: [String!]!) { ${aliased} }`;
      // 2 × (1 + 5) = 12, charged as the whole burst of 10: the same request again waits for it.
      expect((await t.gql(query, { ids }, till.token)).errors).toBeUndefined();
      const again = await t.gql(query, { ids }, till.token);
      expect(again.status).toBe(429);
      expect(again.errors?.[0]?.extensions?.code).toBe('POS_SYNC_RATE_LIMITED');
    } finally {
      await t.stop();
      removeDataDir(t.dataDir);
    }
  });

  it('charges a terminal per field and per thousand documents asked for, so aliased pulls are not one operation', async () => {
    const t = await startTestServer({ config: { rateLimitPerSecond: 1, rateLimitBurst: 60 } });
    try {
      await createBranch(t.gql, 'b-1');
      const till = await registerTerminal(t.gql, 'b-1');
      const aliased = Array.from(
        { length: 15 },
        (_, i) => `p${i}: pullProducts(limit: 5000) { checkpoint { seq } }`,
      ).join(' ');
      expect((await t.gql(`{ ${aliased} }`, {}, till.token)).errors).toBeUndefined();
      const next = await t.gql(PULL_DOCUMENTS.products, { limit: 10 }, till.token);
      expect(next.status).toBe(429);
      expect(next.errors?.[0]?.extensions?.code).toBe('POS_SYNC_RATE_LIMITED');
      expect(next.errors?.[0]?.extensions?.retryAfterMs).toBe(1_000);
      // The same costly request again waits for a full bucket: 60 refills of one a second.
      const again = await t.gql(`{ ${aliased} }`, {}, till.token);
      expect(again.errors?.[0]?.extensions?.retryAfterMs).toBe(60_000);
    } finally {
      await t.stop();
      removeDataDir(t.dataDir);
    }
  });
});
