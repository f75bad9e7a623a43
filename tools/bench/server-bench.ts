/**
 * Cloud server benchmark (`npm run bench:server`): (a) sale ingest over real HTTP GraphQL from many
 * concurrent terminals, (a') the same with a mixed stream (every tenth document from the second
 * batch on a return), as a ratio of (a) in the same run, (b) a full pull of a large catalog over GraphQL, with where the time goes.
 * The server runs as a separate `pos server` process (its own core), as in production; the breakdown
 * of (b) runs the same store and schema in this process to time each layer alone.
 *
 * `--store sqlite|mongo|both` picks the adapter(s). MongoDB is `MONGODB_URI` when set, otherwise the
 * stand-in (mongo-java-server, memory backend) started like the mongo test suites; stand-in figures are
 * labelled as such: they measure the adapter's request pattern over a Java emulation, not MongoDB.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MongoClient } from 'mongodb';
import { PULL_DOCUMENTS, PUSH_DOCUMENTS } from '../../replication/index.ts';
import type { Sale } from '../../schema/index.ts';
import { makeReturn, makeSale } from '../../schema/index.ts';
import type { ServerConfigInput } from '../../server/index.ts';
import { createLogger, createServer, parseServerConfig } from '../../server/index.ts';
import type { CloudStore } from '../../server/store/index.ts';
import { openSqliteCloudStore } from '../../server/store/index.ts';
import { openMongoCloudStore } from '../../server/store/mongo/index.ts';
import { startTestMongo } from '../../server/store/mongo/test-mongo.ts';

const POS = fileURLToPath(new URL('../cli/pos.js', import.meta.url));
const ROOT = 'bench-root-token-0123456789';

const { values: flags } = parseArgs({
  options: {
    terminals: { type: 'string', default: '100' },
    batches: { type: 'string', default: '20' },
    'batch-size': { type: 'string', default: '50' },
    products: { type: 'string', default: '100000' },
    'pull-limit': { type: 'string', default: '5000' },
    /** Run only one part: `ingest` or `pull`. */
    only: { type: 'string' },
    /** Branches the ingest terminals are spread over (round robin); invoice numbers are per branch. */
    branches: { type: 'string', default: '1' },
    /** The store adapter(s): `sqlite`, `mongo` or `both` (one report). */
    store: { type: 'string', default: 'sqlite' },
    /** Write a V8 CPU profile of the server process into this directory (`node --cpu-prof`). */
    'profile-server': { type: 'string' },
  },
});
const TERMINALS = Number(flags.terminals);
const BATCHES = Number(flags.batches);
const BATCH_SIZE = Number(flags['batch-size']);
const PRODUCTS = Number(flags.products);
const PULL_LIMIT = Number(flags['pull-limit']);
const BRANCHES = Number(flags.branches);
/** How often a push answered POS_SYNC_STORAGE_FAILED is sent again, as a terminal would, before giving up. */
const STORAGE_RETRIES = 20;
if (!['sqlite', 'mongo', 'both'].includes(flags.store)) {
  throw new Error(`--store must be sqlite, mongo or both, not ${flags.store}`);
}

/** One empty database of an adapter, for one part of the bench. */
type BenchDatabase = {
  /** `pos server` flags and environment that point the server process at it. */
  serverArgs: string[];
  serverEnv: Record<string, string>;
  /** The same, for `createServer` in this process. */
  config: ServerConfigInput;
  open(): Promise<CloudStore>;
  remove(): Promise<void>;
};

/** An adapter under test: its label (printed with every figure) and fresh databases on it. */
type BenchTarget = { label: string; fresh(): BenchDatabase; close(): Promise<void> };

const sqliteTarget: BenchTarget = {
  label: 'SQLite (embedded, synchronous=FULL)',
  fresh() {
    const dataDir = mkdtempSync(join(tmpdir(), 'pos-bench-'));
    return {
      serverArgs: ['--data-dir', dataDir],
      serverEnv: {},
      config: { dataDir },
      open: async () => openSqliteCloudStore({ dataDir }),
      remove: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  },
  close: async () => {},
};

/** MongoDB from `MONGODB_URI`, else the stand-in; null (with the reason printed) when neither runs. */
async function mongoTarget(): Promise<BenchTarget | null> {
  const mongo = await startTestMongo();
  if ('skip' in mongo) {
    console.log(`MongoDB skipped: ${mongo.skip}`);
    return null;
  }
  const url = mongo.url;
  return {
    label:
      mongo.kind === 'real'
        ? 'MongoDB (MONGODB_URI)'
        : "MongoDB adapter on the stand-in (mongo-java-server, memory backend; not MongoDB's performance)",
    fresh() {
      const dbName = `pos_bench_${randomUUID().slice(0, 8)}`;
      return {
        serverArgs: ['--mongo-url', url],
        serverEnv: { POS_MONGO_DB: dbName },
        config: { mongoUrl: url, mongoDb: dbName },
        open: () => openMongoCloudStore({ url, dbName }),
        async remove() {
          const client = new MongoClient(url);
          await client.db(dbName).dropDatabase();
          await client.close();
        },
      };
    },
    close: () => mongo.close(),
  };
}

async function spawnServer(db: BenchDatabase): Promise<{ child: ChildProcess; url: string }> {
  const profile = flags['profile-server'];
  const child = spawn(
    process.execPath,
    [
      ...(profile ? ['--cpu-prof', '--cpu-prof-dir', profile] : []),
      POS,
      'server',
      '--port',
      '0',
      ...db.serverArgs,
      '--admin-token',
      ROOT,
    ],
    {
      env: {
        ...process.env,
        POS_LOG_LEVEL: 'silent',
        POS_RATE_LIMIT_PER_SECOND: '100000',
        POS_RATE_LIMIT_BURST: '100000',
        POS_BODY_LIMIT_BYTES: String(64 * 1024 * 1024),
        ...db.serverEnv,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /GraphQL\s+(http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`pos server exited with ${code}`)));
  });
  return { child, url };
}

/** CPU time (user + system) a process has used so far, in ms, from /proc (Linux); null elsewhere. */
function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

function clientOf(url: string) {
  return async (query: string, variables: Record<string, unknown>, token = ROOT) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: any; errors?: unknown[] };
    if (body.errors) throw new Error(JSON.stringify(body.errors).slice(0, 500));
    return body.data;
  };
}

function product(i: number) {
  return {
    id: `p-${String(i).padStart(7, '0')}`,
    sku: `SKU-${i}`,
    name: `Product ${i} with a realistic length name`,
    barcode: String(4_000_000_000_000 + i),
    categoryId: `c-${i % 200}`,
    priceMinor: 100 + (i % 10_000),
    currency: 'EUR',
    taxRateBps: i % 3 === 0 ? 700 : 1900,
    branchPrices: i % 10 === 0 ? [{ branchId: 'b-1', priceMinor: 99 }] : [],
  };
}

/** The headline figures of one adapter, for the summary. */
type Figures = {
  label: string;
  salesPerSecond?: number;
  mixedPerSecond?: number;
  pullMs?: number;
};

/**
 * The pushed documents of one terminal, `BATCHES` batches of `BATCH_SIZE`: sales only, or (`mixed`)
 * every tenth row from the second batch on a return of one unit of a sale of the batch before
 * (docs/design.md#returns), so each return's original is booked and its counter is written.
 */
function documentsOf(
  terminal: { terminalId: string; branchId: string },
  mixed: boolean,
): Record<string, unknown>[][] {
  const batches: Sale[][] = [];
  for (let b = 0; b < BATCHES; b++) {
    batches.push(
      Array.from({ length: BATCH_SIZE }, (_, i) => {
        const identity = {
          terminalId: terminal.terminalId,
          branchId: terminal.branchId,
          posId: 'pos-bench',
          localEventId: b * BATCH_SIZE + i + 1,
        };
        if (mixed && b > 0 && i % 10 === 9) {
          // The row before: a sale (row i of the batch before is a return itself).
          return makeReturn(batches[b - 1]![i - 1]!, [{ line: 0, quantity: 1 }], identity);
        }
        return makeSale(identity);
      }),
    );
  }
  return batches.map((batch) => batch.map((sale) => ({ ...sale, _deleted: false })));
}

async function benchIngest(target: BenchTarget, figures: Figures, mixed = false): Promise<void> {
  const db = target.fresh();
  const { child, url } = await spawnServer(db);
  const gql = clientOf(url);
  try {
    const branchIds = Array.from({ length: BRANCHES }, (_, k) => `b-${k + 1}`);
    for (const id of branchIds) {
      await gql(
        'mutation ($id: String!) { createBranch(input: { id: $id, name: $id, currency: "EUR" }) { id } }',
        { id },
      );
    }
    const terminals: { terminalId: string; token: string; branchId: string }[] = [];
    for (let i = 0; i < TERMINALS; i++) {
      const branchId = branchIds[i % BRANCHES]!;
      const data = await gql(
        'mutation ($b: String!) { registerTerminal(input: { branchId: $b, name: "Till" }) { terminalId token } }',
        { b: branchId },
      );
      terminals.push({ ...data.registerTerminal, branchId });
    }
    // Request bodies are built before the clock starts: the bench measures the server, not makeSale.
    const bodies = terminals.map((terminal) =>
      documentsOf(terminal, mixed).map((batch) =>
        JSON.stringify({
          query: PUSH_DOCUMENTS.sales,
          variables: { rows: batch.map((doc) => ({ newDocumentState: doc })) },
        }),
      ),
    );
    const total = TERMINALS * BATCHES * BATCH_SIZE;
    const serverCpuBefore = processCpuMs(child.pid!);
    const clientCpuBefore = process.cpuUsage();
    let storageRetries = 0;
    const started = performance.now();
    await Promise.all(
      terminals.map(async (terminal, t) => {
        for (const body of bodies[t]!) {
          for (let attempt = 1; ; attempt++) {
            const response = await fetch(url, {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                authorization: `Bearer ${terminal.token}`,
              },
              body,
            });
            const answer = (await response.json()) as {
              data?: any;
              errors?: { extensions?: { code?: string } }[];
            };
            // A store failure loses nothing: the terminal sends the same batch again later, and the
            // sales already booked come back as duplicates. Counted, since it is part of the cost.
            const storageFailed =
              answer.errors?.[0]?.extensions?.code === 'POS_SYNC_STORAGE_FAILED';
            if (storageFailed && attempt < STORAGE_RETRIES) {
              storageRetries++;
              await new Promise((r) =>
                setTimeout(r, Math.random() * Math.min(50 * 2 ** attempt, 1_000)),
              );
              continue;
            }
            // After a retried push, the sales the failed attempt booked answer as duplicates.
            const refused = (answer.data?.pushSales ?? []).filter(
              (s: { syncState: string }) => s.syncState !== 'synced',
            );
            if (
              answer.errors ||
              refused.length > 0 ||
              (attempt === 1 && answer.data.pushSales.length > 0)
            ) {
              throw new Error(
                `push not fully ingested: ${JSON.stringify(answer.errors ?? refused[0]?.lastError ?? answer.data.pushSales[0]).slice(0, 500)}`,
              );
            }
            break;
          }
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const serverCpuAfter = processCpuMs(child.pid!);
    const clientCpu = process.cpuUsage(clientCpuBefore);
    const serverCpuMs =
      serverCpuBefore === null || serverCpuAfter === null ? null : serverCpuAfter - serverCpuBefore;
    const clientCpuMs = (clientCpu.user + clientCpu.system) / 1000;
    await stopServer(child);

    // Exactly once: every sale booked, invoice numbers unique, read back through the store.
    const store = await db.open();
    const invoices = new Set<string>();
    let booked = 0;
    for (const terminal of terminals) {
      const scope = {
        tenantId: 'default',
        branchId: terminal.branchId,
        terminalId: terminal.terminalId,
      };
      const page = await store.pullSales(scope, null, 5_000);
      for (const sale of page.documents) {
        if (sale.syncState !== 'synced' || sale.invoiceNo == null) throw new Error('not booked');
        invoices.add(`${terminal.branchId}:${sale.invoiceNo}`);
        booked++;
      }
    }
    const count = (await store.querySales('default', {}, { first: 1 })).totalCount;
    await store.close();
    if (booked !== total || count !== total || invoices.size !== total) {
      throw new Error(
        `expected ${total}, booked ${booked}, counted ${count}, invoices ${invoices.size}`,
      );
    }
    const returns = mixed ? TERMINALS * (BATCHES - 1) * Math.floor(BATCH_SIZE / 10) : 0;
    if (mixed) figures.mixedPerSecond = total / seconds;
    else figures.salesPerSecond = total / seconds;
    const ratio =
      mixed && figures.salesPerSecond
        ? ` = ${((100 * figures.mixedPerSecond!) / figures.salesPerSecond).toFixed(0)} % of the ` +
          'pure-sales rate (goal >= 75 %)'
        : '';
    console.log(
      `(a${mixed ? "'" : ''}) ingest${mixed ? ` of a mixed stream (${returns} returns among them)${ratio}` : ''}: ` +
        `${TERMINALS} terminals x ${BATCHES} batches x ${BATCH_SIZE} = ${total} documents in ` +
        `${seconds.toFixed(2)} s -> ${Math.round(total / seconds)} sales/s ` +
        `(goal >= 5,000; ratio ${(total / seconds / 5000).toFixed(2)}x); ` +
        `verified: ${count} booked, ${invoices.size} distinct invoice numbers` +
        (BRANCHES > 1 ? ` (per branch, ${BRANCHES} branches)` : '') +
        `; pushes retried after POS_SYNC_STORAGE_FAILED: ${storageRetries}`,
    );
    if (serverCpuMs !== null) {
      // The server's own cost, independent of the client sharing the cores: what one server core
      // could ingest if the clients ran elsewhere (SQLite's fsyncs wait off-CPU, so it is an upper bound).
      console.log(
        `    CPU during ingest: server ${(serverCpuMs / 1000).toFixed(1)} s ` +
          `(${((serverCpuMs * 1000) / total).toFixed(0)} µs per sale -> ` +
          `${Math.round(total / (serverCpuMs / 1000))} sales per server CPU-second), ` +
          `bench client ${(clientCpuMs / 1000).toFixed(1)} s ` +
          `(${((100 * clientCpuMs) / (clientCpuMs + serverCpuMs)).toFixed(0)} % of the CPU used)`,
      );
    }
  } finally {
    if (child.exitCode === null) await stopServer(child);
    await db.remove();
  }
}

async function pullAllTimed(
  pull: (seq: number) => Promise<{ count: number; seq: number }>,
): Promise<{ ms: number; docs: number; pages: number }> {
  const started = performance.now();
  let seq = 0;
  let docs = 0;
  let pages = 0;
  for (;;) {
    const page = await pull(seq);
    pages++;
    if (page.count === 0) break;
    docs += page.count;
    seq = page.seq;
  }
  return { ms: performance.now() - started, docs, pages };
}

const best = async (
  runs: number,
  fn: () => Promise<{ ms: number; docs: number; pages: number }>,
) => {
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await fn());
  return results.sort((a, b) => a.ms - b.ms)[0]!;
};

async function benchPull(target: BenchTarget, figures: Figures): Promise<void> {
  const db = target.fresh();
  const { child, url } = await spawnServer(db);
  const gql = clientOf(url);
  try {
    await gql(
      'mutation { createBranch(input: { id: "b-1", name: "b-1", currency: "EUR" }) { id } }',
      {},
    );
    const { token } = (
      await gql(
        'mutation { registerTerminal(input: { branchId: "b-1", name: "Till" }) { terminalId token } }',
        {},
      )
    ).registerTerminal;
    // Products refer to their categories, which must exist first.
    await gql('mutation ($input: [CategoryInput!]!) { upsertCategories(input: $input) { id } }', {
      input: Array.from({ length: 200 }, (_, i) => ({ id: `c-${i}`, name: `Category ${i}` })),
    });
    const upsert = 'mutation ($input: [ProductInput!]!) { upsertProducts(input: $input) { id } }';
    for (let i = 0; i < PRODUCTS; i += 5_000) {
      const input = Array.from({ length: Math.min(5_000, PRODUCTS - i) }, (_, k) => product(i + k));
      await gql(upsert, { input });
    }
    const pullBody = (seq: number) =>
      JSON.stringify({
        query: PULL_DOCUMENTS.products,
        variables: { checkpoint: { seq }, limit: PULL_LIMIT },
      });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const overHttp = await best(3, () =>
      pullAllTimed(async (seq) => {
        const response = await fetch(url, { method: 'POST', headers, body: pullBody(seq) });
        const page = ((await response.json()) as any).data.pullProducts;
        return { count: page.documents.length, seq: page.checkpoint.seq };
      }),
    );
    if (overHttp.docs !== PRODUCTS) throw new Error(`pulled ${overHttp.docs} of ${PRODUCTS}`);
    await stopServer(child);

    // The same pull, one layer at a time, in this process on the same data.
    const store = await db.open();
    const storeOnly = await best(3, () =>
      pullAllTimed(async (seq) => {
        const page = await store.pullProducts('default', 'b-1', { seq }, PULL_LIMIT);
        return { count: page.documents.length, seq: page.checkpoint.seq };
      }),
    );
    let serializeMs = 0;
    const storeAndStringify = await best(3, () => {
      serializeMs = 0;
      return pullAllTimed(async (seq) => {
        const page = await store.pullProducts('default', 'b-1', { seq }, PULL_LIMIT);
        const t0 = performance.now();
        JSON.stringify({ data: { pullProducts: page } });
        serializeMs += performance.now() - t0;
        return { count: page.documents.length, seq: page.checkpoint.seq };
      });
    });
    const config = parseServerConfig({
      ...db.config,
      port: 0,
      streamPollMs: 0,
      adminToken: ROOT,
      logLevel: 'silent',
      rateLimitPerSecond: 100_000,
      rateLimitBurst: 100_000,
    });
    const server = await createServer({ config, store, logger: createLogger({ level: 'silent' }) });
    const yogaInProcess = await best(3, () =>
      pullAllTimed(async (seq) => {
        const response = await server.fetch('http://local/graphql', {
          method: 'POST',
          headers,
          body: pullBody(seq),
        });
        const text = await response.text();
        const page = JSON.parse(text).data.pullProducts;
        return { count: page.documents.length, seq: page.checkpoint.seq };
      }),
    );
    let parseMs = 0;
    const yogaNoParse = await best(3, () => {
      parseMs = 0;
      return pullAllTimed(async (seq) => {
        const response = await server.fetch('http://local/graphql', {
          method: 'POST',
          headers,
          body: pullBody(seq),
        });
        const text = await response.text();
        const t0 = performance.now();
        const page = JSON.parse(text).data.pullProducts;
        parseMs += performance.now() - t0;
        return { count: page.documents.length, seq: page.checkpoint.seq };
      });
    });
    await server.close();
    await store.close();

    figures.pullMs = overHttp.ms;
    const f = (v: number) => `${v.toFixed(0)} ms`;
    const gqlExec = yogaNoParse.ms - parseMs - storeOnly.ms - serializeMs;
    console.log(
      `(b) full pull of ${PRODUCTS} products in batches of ${PULL_LIMIT} (${overHttp.pages} requests), ` +
        `best of 3:\n` +
        `    over HTTP, measured at the client (separate server process): ${f(overHttp.ms)} ` +
        `(goal < 2,000 ms; ratio ${(overHttp.ms / 2000).toFixed(2)}x of the budget)\n` +
        `    store.pullProducts alone:                 ${f(storeOnly.ms)}\n` +
        `    JSON.stringify of the store pages:         ${f(serializeMs)} (within store+stringify ${f(storeAndStringify.ms)})\n` +
        `    yoga in process (no network), incl. client JSON.parse: ${f(yogaInProcess.ms)}\n` +
        `    client JSON.parse of the responses:        ${f(parseMs)}\n` +
        `    => GraphQL execution + field resolution ~ ${f(gqlExec)} ` +
        `(yoga - store - stringify - parse); network + HTTP ~ ${f(overHttp.ms - yogaInProcess.ms)}`,
    );
  } finally {
    if (child.exitCode === null) await stopServer(child);
    await db.remove();
  }
}

console.log(`node ${process.version}, ${(await import('node:os')).cpus().length} cores`);
// Started one after the other, so the stand-in's JVM is not running beside the SQLite figures.
const targets: (() => Promise<BenchTarget | null>)[] = [];
if (flags.store !== 'mongo') targets.push(async () => sqliteTarget);
if (flags.store !== 'sqlite') targets.push(mongoTarget);
const summary: Figures[] = [];
for (const start of targets) {
  const target = await start();
  if (!target) continue;
  const figures: Figures = { label: target.label };
  summary.push(figures);
  console.log(`\n== ${target.label}`);
  try {
    if (flags.only !== 'pull') await benchIngest(target, figures);
    if (flags.only !== 'pull') await benchIngest(target, figures, true);
    if (flags.only !== 'ingest') await benchPull(target, figures);
  } finally {
    await target.close();
  }
}
if (summary.length > 1) {
  console.log(
    "\n| store | (a) ingest, sales/s | (a') mixed, documents/s | (b) full pull over HTTP, ms |\n| --- | --- | --- | --- |",
  );
  for (const row of summary) {
    const ingest = row.salesPerSecond === undefined ? '–' : Math.round(row.salesPerSecond);
    const pull = row.pullMs === undefined ? '–' : Math.round(row.pullMs);
    const mixed = row.mixedPerSecond === undefined ? '–' : Math.round(row.mixedPerSecond);
    console.log(`| ${row.label} | ${ingest} | ${mixed} | ${pull} |`);
  }
}
