/**
 * The scale goals of `pos simulate --bench`, each against a baseline measured in the same run (this
 * machine is shared, so only ratios within one run compare):
 * - ingest: protocol-level terminals push sales over HTTP to a `pos server` process on the embedded
 *   store; baseline: raw better-sqlite3 inserting the same rows in FULL-durability transactions;
 * - snapshot: a first-run terminal pulls 100,000 products until its catalog is ready; baseline: raw
 *   better-sqlite3 inserting the same documents;
 * - delta: one admin change reaching 100 connected protocol terminals (p50 / p95);
 * - connections: 1,000 protocol terminals holding a stream connection each, the server's memory per
 *   connection, and one admin change reaching all of them;
 * - faults: the 100-terminal run with every fault, time to converge after the last fault healed.
 */
import { rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { openTerminal } from '../../client/index.ts';
import { PUSH_DOCUMENTS } from '../../replication/index.ts';
import { makeSale } from '../../schema/index.ts';
import type { RegisteredTerminal } from '../../testing/index.ts';
import {
  CHANGE_PRICE_BASE,
  Cloud,
  FAULT_KINDS,
  ProtocolTerminal,
  createRandom,
  percentile,
  processCpuMs,
  processRssBytes,
  productInput,
  realNow,
  runSimulation,
  tempDir,
} from '../../testing/index.ts';
import { openRawDatabase } from './bench-utils.ts';

type Options = { only?: string[] | undefined; quick?: boolean | undefined };

const out = (line: string) => process.stdout.write(`${line}\n`);
const load = () => `load ${loadavg()[0]!.toFixed(1)}`;

async function registerMany(
  cloud: Cloud,
  branch: string,
  n: number,
): Promise<RegisteredTerminal[]> {
  const terminals: RegisteredTerminal[] = [];
  for (let i = 0; i < n; i++) terminals.push(await cloud.registerTerminal(branch, `t${i}`));
  return terminals;
}

/** Raw SQLite floor of the ingest: the same sale rows in one FULL transaction per `group` rows. */
function rawIngestFloor(sales: object[], group: number): number {
  const dir = tempDir('pos-bench-raw-');
  try {
    const db = openRawDatabase(join(dir, 'raw.sqlite'), 'FULL');
    db.exec('CREATE TABLE sales (key TEXT PRIMARY KEY, data TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO sales (key, data) VALUES (?, ?)');
    const write = db.transaction((rows: any[]) => {
      for (const s of rows)
        insert.run(`${s.terminalId}:${s.posId}:${s.localEventId}`, JSON.stringify(s));
    });
    const started = performance.now();
    for (let i = 0; i < sales.length; i += group) write(sales.slice(i, i + group));
    const ms = performance.now() - started;
    db.close();
    return ms;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchIngest(quick: boolean): Promise<void> {
  const TERMINALS = 100;
  const BATCHES = quick ? 5 : 20;
  const SIZE = 50;
  // POS_BENCH_PROFILE_DIR: write a V8 CPU profile of the server process there (`node --cpu-prof`).
  const profileDir = process.env['POS_BENCH_PROFILE_DIR'];
  const cloud = await Cloud.start({
    env: { POS_LOG_LEVEL: 'silent', POS_BODY_LIMIT_BYTES: String(64 * 1024 * 1024) },
    ...(profileDir ? { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir] } : {}),
  });
  try {
    await cloud.createBranch('b-1');
    const terminals = await registerMany(cloud, 'b-1', TERMINALS);
    const all: object[] = [];
    const bodies = terminals.map((t) =>
      Array.from({ length: BATCHES }, (_, b) => {
        const rows = Array.from({ length: SIZE }, (_, i) => {
          const sale = makeSale({
            terminalId: t.terminalId,
            branchId: 'b-1',
            posId: 'pos-bench',
            localEventId: b * SIZE + i + 1,
          });
          all.push(sale);
          return { newDocumentState: { ...sale, _deleted: false } };
        });
        return JSON.stringify({ query: PUSH_DOCUMENTS.sales, variables: { rows } });
      }),
    );
    const total = TERMINALS * BATCHES * SIZE;
    // Building the bodies blocks this event loop for seconds, past the server's keep-alive timeout:
    // let fetch see the keep-alive connections the server closed meanwhile, or the first push reuses
    // one and fails with "other side closed".
    await new Promise((r) => setTimeout(r, 200));
    const cpuBefore = processCpuMs(cloud.pid!)!;
    const started = performance.now();
    await Promise.all(
      terminals.map(async (t, i) => {
        for (const body of bodies[i]!) {
          const response = await fetch(cloud.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${t.token}` },
            body,
          });
          const answer = (await response.json()) as any;
          if (answer.errors || answer.data.pushSales.length !== 0)
            throw new Error(JSON.stringify(answer).slice(0, 300));
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const cpuMs = processCpuMs(cloud.pid!)! - cpuBefore;
    const booked = (await cloud.gql('{ sales(branchId: "b-1", first: 1) { totalCount } }')).sales
      .totalCount;
    if (booked !== total) throw new Error(`booked ${booked} of ${total}`);
    const rawMs = rawIngestFloor(all, 500);
    const perSale = (cpuMs * 1000) / total;
    out(
      `ingest: ${total} sales from ${TERMINALS} terminals (${BATCHES} pushes of ${SIZE} each) in ${seconds.toFixed(2)} s -> ` +
        `${Math.round(total / seconds)} sales/s (goal >= 20,000: ${(total / seconds / 20_000).toFixed(2)}x); ` +
        `server CPU ${perSale.toFixed(0)} µs per sale (goal <= 50: ${(perSale / 50).toFixed(2)}x); ` +
        `raw SQLite floor (same rows, FULL, 500 per commit) ${((rawMs * 1000) / total).toFixed(1)} µs per sale ` +
        `-> the server costs ${(perSale / ((rawMs * 1000) / total)).toFixed(1)}x the floor; booked ${booked} [${load()}]`,
    );
  } finally {
    await cloud.destroy();
  }
}

async function benchSnapshot(quick: boolean): Promise<void> {
  const PRODUCTS = quick ? 20_000 : 100_000;
  const cloud = await Cloud.start({ env: { POS_LOG_LEVEL: 'silent' } });
  const dir = tempDir('pos-bench-snapshot-');
  try {
    await cloud.createBranch('b-1');
    await cloud.upsertProducts(Array.from({ length: PRODUCTS }, (_, i) => productInput(i)));
    const registered = await cloud.registerTerminal('b-1');
    const started = performance.now();
    const terminal = await openTerminal({
      dataDir: join(dir, 't'),
      serverUrl: cloud.url,
      token: registered.token,
      logLevel: 'silent',
    });
    await terminal.catalogReady();
    const ms = performance.now() - started;
    const docs = (await terminal.db.products.find().exec()).map((d) => d.toJSON());
    await terminal.close();
    const db = openRawDatabase(join(dir, 'raw.sqlite'), 'NORMAL');
    db.exec('CREATE TABLE products (id TEXT PRIMARY KEY, data TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO products (id, data) VALUES (?, ?)');
    const rawStarted = performance.now();
    db.transaction(() => {
      for (const d of docs) insert.run(d.id, JSON.stringify(d));
    })();
    const rawMs = performance.now() - rawStarted;
    db.close();
    out(
      `snapshot: ${docs.length} products, first run to catalog ready in ${ms.toFixed(0)} ms ` +
        `(goal < 1,000 ms: ${(ms / 1000).toFixed(2)}x); raw better-sqlite3 insert of the same documents ${rawMs.toFixed(0)} ms ` +
        `-> ${(ms / rawMs).toFixed(1)}x raw (goal <= 2x) [${load()}]`,
    );
  } finally {
    await cloud.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `n` listening protocol terminals; `changes` admin changes, each timed until all of them hold it. */
async function benchFanOut(n: number, changes: number, label: string, goal: string): Promise<void> {
  const cloud = await Cloud.start({
    env: {
      POS_LOG_LEVEL: 'silent',
      POS_MAX_CONNECTIONS: '100000',
      POS_WS_MAX_CONNECTIONS: '100000',
    },
  });
  const fleet: ProtocolTerminal[] = [];
  try {
    await cloud.createBranch('b-1');
    await cloud.upsertProducts(Array.from({ length: 100 }, (_, i) => productInput(i)));
    const registered = await registerMany(cloud, 'b-1', n);
    const arrivals = new Map<number, number[]>();
    const random = createRandom(1);
    const rssBefore = processRssBytes(cloud.pid!)!;
    for (const r of registered) {
      const t = new ProtocolTerminal({
        key: r.terminalId,
        registered: r,
        url: cloud.url,
        random,
        sellEveryMs: 0,
        streams: ['products'],
        onArrival: (_key, change, at) =>
          arrivals.set(change, [...(arrivals.get(change) ?? []), at]),
      });
      fleet.push(t);
    }
    const connect = async (from: number, to: number) => {
      for (let i = from; i < to; i += 50)
        await Promise.all(fleet.slice(i, Math.min(i + 50, to)).map((t) => t.start()));
      await new Promise((r) => setTimeout(r, 1_000)); // let the connections settle before reading memory
      return processRssBytes(cloud.pid!)!;
    };
    // The heap grows in steps (new space, fresh pages) whatever the number of sockets, so the figure per
    // connection is also taken over the second half alone: what one more connection costs.
    const half = Math.floor(n / 2);
    const rssHalf = await connect(0, half);
    const rssAfter = await connect(half, n);
    const samples: number[] = [];
    const cpuBefore = processCpuMs(cloud.pid!)!;
    for (let k = 1; k <= changes; k++) {
      const sent = realNow();
      await cloud.gql('mutation ($p: [ProductInput!]!) { upsertProducts(input: $p) { id } }', {
        p: [productInput(0, { priceMinor: CHANGE_PRICE_BASE + k })],
      });
      const deadline = realNow() + 30_000;
      while ((arrivals.get(k)?.length ?? 0) < n && realNow() < deadline) {
        await new Promise((r) => setTimeout(r, 2));
      }
      const got = arrivals.get(k) ?? [];
      if (got.length < n) throw new Error(`change ${k} reached ${got.length} of ${n} terminals`);
      samples.push(...got.map((at) => at - sent));
      await new Promise((r) => setTimeout(r, 200));
    }
    const cpuPerDelivery = ((processCpuMs(cloud.pid!)! - cpuBefore) * 1000) / (changes * n);
    samples.sort((a, b) => a - b);
    out(
      `${label}: ${n} protocol terminals with a stream connection each, ${changes} admin changes: ` +
        `p50 ${percentile(samples, 0.5).toFixed(0)} ms, p95 ${percentile(samples, 0.95).toFixed(0)} ms, max ${percentile(samples, 1).toFixed(0)} ms ` +
        `(${goal}); server memory ${(rssBefore / 1e6).toFixed(0)} -> ${(rssAfter / 1e6).toFixed(0)} MB RSS, ` +
        `${((rssAfter - rssBefore) / n / 1024).toFixed(1)} kB per connected terminal ` +
        `(${((rssAfter - rssHalf) / (n - half) / 1024).toFixed(1)} kB each over the second half); ` +
        `server CPU ${cpuPerDelivery.toFixed(0)} µs per terminal per change (hint + pull) [${load()}]`,
    );
  } finally {
    await Promise.all(fleet.map((t) => t.stop()));
    await cloud.destroy();
  }
}

async function benchFaults(quick: boolean): Promise<void> {
  const result = await runSimulation({
    terminals: 100,
    realTerminals: 9,
    branches: 10,
    durationMs: quick ? 60_000 : 120_000,
    faults: FAULT_KINDS,
    seed: 42,
    convergeTimeoutMs: 180_000,
  });
  const last = result.convergence.afterLastHealMs;
  out(
    `faults: 100 terminals (9 real), 10 branches, ${(result.workloadMs / 1000).toFixed(0)} s, ${result.faults.length} faults, seed 42: ` +
      `converged ${last === null ? '–' : (last / 1000).toFixed(2)} s after the last fault healed (goal < 10 s); ` +
      `per fault: ${result.faults.map((f) => `${f.kind} ${f.convergedMs === null ? '–' : (f.convergedMs / 1000).toFixed(1)}`).join(', ')}; ` +
      `invariants ${result.passed ? 'all pass' : 'FAILED'}; sold ${result.totals.sold} [${load()}]`,
  );
}

/** Runs the parts asked for (all by default); resolves with the exit code. */
export async function runScaleBench(options: Options): Promise<number> {
  const parts = options.only ?? ['ingest', 'snapshot', 'delta', 'connections', 'faults'];
  const quick = options.quick ?? false;
  out(
    `pos simulate --bench: ${cpus().length} cores, node ${process.version}, ${new Date().toISOString()}, ${load()}`,
  );
  if (parts.includes('ingest')) await benchIngest(quick);
  if (parts.includes('snapshot')) await benchSnapshot(quick);
  if (parts.includes('delta'))
    await benchFanOut(100, quick ? 5 : 20, 'delta', 'goal p50 < 15 ms, p95 < 40 ms');
  if (parts.includes('connections'))
    await benchFanOut(
      quick ? 300 : 1_000,
      quick ? 3 : 5,
      'connections',
      'goal p95 < 250 ms, < 50 kB per connection',
    );
  if (parts.includes('faults')) await benchFaults(quick);
  return 0;
}
