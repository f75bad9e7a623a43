/**
 * `npm run bench:terminal`: the terminal end to end against an in-process cloud on the embedded store.
 * 1. first-run snapshot of 100,000 products (cloud → terminal SQLite, queryable), with the raw
 *    better-sqlite3 insert of the same documents as the floor;
 * 2. `sell()` latency at that catalog (sales FULL durability), offline, 10,000 sales; then
 *    `refund()` latency of 1,000 of them (the return and its restock, both FULL), and an account
 *    `sell()` (a customer of 10,000, the offline credit check) for 2,000 more, `sell()` the baseline;
 * 3. offline flush of those queued sales and returns (push + ingested copies pulled back);
 * 4. delta propagation of one admin change to 20 connected terminals (child processes), p50/p95.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { firstValueFrom } from 'rxjs';
import { filter } from 'rxjs/operators';
import { openTerminal } from '../../client/index.ts';
import { PULL_DOCUMENTS, PULL_LIMIT_MAX } from '../../replication/index.ts';
import type { Sale } from '../../schema/index.ts';
import { NOTHING_RETURNED, computeSaleLine, priceReturnQuantity } from '../../schema/index.ts';
import { CloudProcess } from '../../client/test-support/cloud-process.ts';
import { openRawDatabase, summarize } from './bench-utils.ts';

const { values } = parseArgs({
  options: {
    products: { type: 'string', default: '100000' },
    sales: { type: 'string', default: '10000' },
    customers: { type: 'string', default: '10000' },
    'account-sales': { type: 'string', default: '2000' },
    terminals: { type: 'string', default: '20' },
    changes: { type: 'string', default: '20' },
    refunds: { type: 'string', default: '1000' },
    'skip-delta': { type: 'boolean', default: false },
  },
});
const REFUNDS = Number(values.refunds);
const PRODUCTS = Number(values.products);
const SALES = Number(values.sales);
const CUSTOMERS = Number(values.customers);
const ACCOUNT_SALES = Number(values['account-sales']);
const TERMINALS = Number(values.terminals);
const CHANGES = Number(values.changes);
const dirs: string[] = [];
const temp = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};
const out = (line: string) => process.stdout.write(`${line}\n`);
const product = (i: number, price = 100 + (i % 1000)) => ({
  id: `p-${i}`,
  sku: `SKU-${i}`,
  barcode: `40${String(i).padStart(11, '0')}`,
  name: `Product ${i} ${['beans', 'tea', 'loaf', 'milk'][i % 4]}`,
  categoryId: `c-${i % 50}`,
  priceMinor: price,
  currency: 'EUR',
  taxRateBps: 700,
  active: true,
  branchIds: null,
  branchPrices: [],
});

/**
 * The cloud in its own process (`pos server` on the embedded store), as terminals meet it: in one
 * process the server's work would stall the terminal's event loop and the other way round.
 */
async function startCloud(products: number, customers = 0) {
  const cloud = await CloudProcess.start();
  dirs.push(cloud.dataDir);
  await cloud.createBranch('b-1');
  // Products refer to their categories, which must exist first.
  await cloud.upsertCategories(
    Array.from({ length: 50 }, (_, i) => ({ id: `c-${i}`, name: `Category ${i}` })),
  );
  const all = Array.from({ length: products }, (_, i) => product(i));
  await cloud.upsertProducts(all);
  for (let i = 0; i < customers; i += 5000) {
    const batch = Array.from({ length: Math.min(5000, customers - i) }, (_, k) => ({
      id: `cust-${i + k}`,
      name: `Customer ${i + k}`,
      creditLimitMinor: 100_000_000,
    }));
    await cloud.gql(
      'mutation ($c: [CustomerUpsertInput!]!) { upsertCustomers(input: $c) { id } }',
      { c: batch },
    );
  }
  return {
    url: cloud.url,
    register: () => cloud.registerTerminal('b-1'),
    gql: (query: string, variables: Record<string, unknown>, token?: string) =>
      cloud.gql(query, variables, token),
    close: () => cloud.stop(),
  };
}

async function rawFloor(cloud: Awaited<ReturnType<typeof startCloud>>, token: string) {
  // The same branch-view documents the terminal pulled, inserted into a bare table in one transaction.
  const docs: object[] = [];
  let checkpoint: { seq: number } | null = null;
  for (;;) {
    const data: any = await cloud.gql(
      PULL_DOCUMENTS.products,
      { checkpoint, limit: PULL_LIMIT_MAX },
      token,
    );
    if (data.pullProducts.documents.length === 0) break;
    docs.push(...data.pullProducts.documents);
    checkpoint = data.pullProducts.checkpoint;
  }
  const db = openRawDatabase(join(temp('pos-bench-raw-'), 'raw.sqlite'), 'NORMAL');
  db.exec('CREATE TABLE docs (id TEXT PRIMARY KEY, data TEXT NOT NULL) WITHOUT ROWID');
  const insert = db.prepare('INSERT INTO docs (id, data) VALUES (?, ?)');
  const start = performance.now();
  db.transaction(() => {
    for (const doc of docs as { id: string }[]) insert.run(doc.id, JSON.stringify(doc));
  })();
  const ms = performance.now() - start;
  db.close();
  return { ms, docs: docs.length };
}

async function benchSnapshotSellFlush() {
  const cloud = await startCloud(PRODUCTS, CUSTOMERS);
  try {
    const identity = await cloud.register();
    const dataDir = temp('pos-bench-terminal-');
    const base = {
      dataDir,
      serverUrl: cloud.url,
      token: identity.token,
      logLevel: 'silent' as const,
    };
    const start = performance.now();
    let terminal = await openTerminal(base);
    // "Queryable": every product is in the terminal's SQLite and found through an index.
    await firstValueFrom(
      terminal.status$.pipe(
        filter((s) => s.catalog.products === PRODUCTS && !s.catalog.snapshotting),
      ),
    );
    const snapshotMs = performance.now() - start;
    await terminal.awaitInSync();
    const customers = await terminal.db.customers.count().exec();
    if (customers !== CUSTOMERS) throw new Error(`customers incomplete: ${customers}`);
    const count = await terminal.db.products.count().exec();
    const bySku = await terminal.db.products
      .findOne({ selector: { sku: `SKU-${PRODUCTS - 1}` } })
      .exec();
    if (count !== PRODUCTS || !bySku) throw new Error(`snapshot incomplete: ${count}`);
    const raw = await rawFloor(cloud, identity.token);
    out(
      `snapshot: ${PRODUCTS} products in ${snapshotMs.toFixed(0)} ms ` +
        `(${Math.round(PRODUCTS / (snapshotMs / 1000))} rows/s); raw better-sqlite3 insert of the same ` +
        `${raw.docs} docs: ${raw.ms.toFixed(0)} ms`,
    );
    await terminal.close();

    terminal = await openTerminal({ ...base, autoStart: false });
    const latencies: number[] = [];
    const sold: Sale[] = [];
    for (let i = 0; i < SALES; i++) {
      const t0 = performance.now();
      sold.push(
        await terminal.sell({
          lines: [{ productId: `p-${(i * 7919) % PRODUCTS}`, quantity: 1 + (i % 3) }],
          payments: [{ method: 'cash', amountMinor: 1_000_000 }],
        }),
      );
      latencies.push(performance.now() - t0);
    }
    const sell = summarize(latencies);
    out(
      `sell(): ${SALES} sales at ${PRODUCTS} products, sales FULL: p50 ${sell.p50.toFixed(2)} ms, ` +
        `p99 ${sell.p99.toFixed(2)} ms, mean ${sell.mean.toFixed(2)} ms`,
    );
    const refundLatencies: number[] = [];
    for (let i = 0; i < REFUNDS; i++) {
      const sale = sold[(i * 7) % sold.length]!;
      const amount = priceReturnQuantity(sale.lines[0]!, 1, NOTHING_RETURNED)!.lineTotalMinor;
      const t0 = performance.now();
      await terminal.refund({
        saleId: sale.id,
        lines: [{ line: 0, quantity: 1, restock: true }],
        payments: [{ method: 'cash', amountMinor: amount }],
        reason: 'bench',
      });
      refundLatencies.push(performance.now() - t0);
    }
    const refund = summarize(refundLatencies);
    out(
      `refund(): ${REFUNDS} returns of own sales at ${PRODUCTS} products and ${SALES} sales, ` +
        `return + restock FULL: p50 ${refund.p50.toFixed(2)} ms, p99 ${refund.p99.toFixed(2)} ms, ` +
        `mean ${refund.mean.toFixed(2)} ms (x${(refund.p99 / sell.p99).toFixed(2)} sell() p99)`,
    );
    const accountLatencies: number[] = [];
    for (let i = 0; i < ACCOUNT_SALES; i++) {
      const quantity = 1 + (i % 3);
      const productIndex = (i * 7919) % PRODUCTS;
      const { lineTotalMinor: amountMinor } = computeSaleLine({
        productId: `p-${productIndex}`,
        sku: `SKU-${productIndex}`,
        name: 'x',
        quantity,
        unitPriceMinor: 100 + (productIndex % 1000),
        discountMinor: 0,
        taxRateBps: 700,
      });
      const t0 = performance.now();
      await terminal.sell({
        lines: [{ productId: `p-${productIndex}`, quantity }],
        payments: [{ method: 'account', amountMinor }],
        customerId: `cust-${(i * 104_729) % CUSTOMERS}`,
      });
      accountLatencies.push(performance.now() - t0);
    }
    const account = summarize(accountLatencies);
    out(
      `account sell(): ${ACCOUNT_SALES} charges at ${PRODUCTS} products and ${CUSTOMERS} customers, ` +
        `sales FULL: p50 ${account.p50.toFixed(2)} ms, p99 ${account.p99.toFixed(2)} ms, ` +
        `mean ${account.mean.toFixed(2)} ms (x${(account.p99 / sell.p99).toFixed(2)} sell() p99)`,
    );
    const flushStart = performance.now();
    terminal.start();
    await terminal.awaitInSync();
    const flushMs = performance.now() - flushStart;
    const status = await terminal.status();
    if (status.synced !== SALES + REFUNDS + ACCOUNT_SALES || status.queued !== 0) {
      throw new Error(JSON.stringify(status));
    }
    out(
      `offline flush: ${SALES} queued sales, ${REFUNDS} returns and ${ACCOUNT_SALES} charges ` +
        `pushed and acknowledged in ${flushMs.toFixed(0)} ms`,
    );
    await terminal.close();
  } finally {
    await cloud.close();
  }
}

async function benchDelta() {
  const cloud = await startCloud(1000);
  const children: ReturnType<typeof spawn>[] = [];
  try {
    const identities = [];
    for (let i = 0; i < TERMINALS; i++) identities.push(await cloud.register());
    const arrivals: { i: number; price: number; at: number; child: number }[] = [];
    const ready: Promise<void>[] = [];
    // Two terminals per child: five collections each, and 13 per process at most (RxDB's open build).
    for (let c = 0; c * 2 < identities.length; c++) {
      const group = identities.slice(c * 2, c * 2 + 2);
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          resolve(import.meta.dirname, 'terminal-bench-child.ts'),
          cloud.url,
          JSON.stringify(group),
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      children.push(child);
      ready.push(
        new Promise((resolveReady) => {
          let buffer = '';
          child.stdout!.on('data', (chunk: Buffer) => {
            buffer += chunk.toString();
            let nl: number;
            while ((nl = buffer.indexOf('\n')) >= 0) {
              const line = buffer.slice(0, nl);
              buffer = buffer.slice(nl + 1);
              if (line === 'ready') resolveReady();
              else if (line.startsWith('{')) arrivals.push({ ...JSON.parse(line), child: c });
            }
          });
        }),
      );
    }
    await Promise.all(ready);
    const samples: number[] = [];
    for (let k = 1; k <= CHANGES; k++) {
      const price = 50_000 + k;
      const t0 = Date.now();
      await cloud.gql('mutation ($p: [ProductInput!]!) { upsertProducts(input: $p) { id } }', {
        p: [product(0, price)],
      });
      const deadline = Date.now() + 10_000;
      while (
        arrivals.filter((a) => a.price === price).length < TERMINALS &&
        Date.now() < deadline
      ) {
        await new Promise((r) => setTimeout(r, 2));
      }
      const got = arrivals.filter((a) => a.price === price);
      if (got.length < TERMINALS) throw new Error(`change ${k} reached ${got.length} terminals`);
      samples.push(...got.map((a) => a.at - t0));
      await new Promise((r) => setTimeout(r, 100));
    }
    const sorted = [...samples].sort((a, b) => a - b);
    const p = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
    out(
      `delta propagation: ${CHANGES} admin changes x ${TERMINALS} terminals (${children.length} processes): ` +
        `p50 ${p(0.5)} ms, p95 ${p(0.95)} ms, max ${p(1)} ms`,
    );
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await cloud.close();
  }
}

out(`terminal bench: ${cpus().length} cores, node ${process.version}, ${new Date().toISOString()}`);
try {
  await benchSnapshotSellFlush();
  if (!values['skip-delta']) await benchDelta();
} finally {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
