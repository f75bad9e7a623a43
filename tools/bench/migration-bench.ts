/**
 * `npm run bench:migration`: the first open of a terminal data dir written by a release with an older
 * `sales` schema (version 0), or an older `products` schema (version 0, no `nameKey`), which migrates
 * every stored document before the terminal opens. Baseline in the same run: raw better-sqlite3
 * copying the same rows into a new table in one transaction, with a JSON parse and stringify of each
 * document (the least any migration of JSON documents does).
 *
 * Flags: --sales N,M (default 20000,100000), --products N,M (default 20000,100000; 0 skips),
 * --runs N (default 2).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { BranchProduct, Sale } from '../../schema/index.ts';
import { makeBranchProduct, makeSale } from '../../schema/index.ts';
import { openTerminalDatabase } from '../../client/terminal-database.ts';
import {
  writeProductsAsVersion0,
  writeSalesAsVersion0,
} from '../../client/test-support/old-releases.ts';
import { formatTable, ms, openRawDatabase, ratio, timed } from './bench-utils.ts';

const { values } = parseArgs({
  options: {
    sales: { type: 'string', default: '20000,100000' },
    products: { type: 'string', default: '20000,100000' },
    runs: { type: 'string', default: '2' },
  },
});
const SIZES = values.sales.split(',').map(Number).filter(Boolean);
const PRODUCT_SIZES = values.products.split(',').map(Number).filter(Boolean);
const RUNS = Number(values.runs);
const out = (line: string) => process.stdout.write(`${line}\n`);

/** A terminal's history: mostly synced sales with invoice numbers, the last ones still queued. */
function salesOf(count: number): Sale[] {
  const base = makeSale();
  return Array.from({ length: count }, (_, i) => {
    const queued = i >= count - 50;
    const id = `0190a000-0000-7000-8000-${String(i).padStart(12, '0')}`;
    return {
      ...base,
      id,
      localEventId: i + 1,
      createdAt: new Date(Date.parse(base.createdAt) + i * 60_000).toISOString(),
      syncState: queued ? 'queued' : 'synced',
      invoiceNo: queued ? null : i + 1,
      ingestedAt: queued
        ? null
        : new Date(Date.parse(base.createdAt) + i * 60_000 + 900).toISOString(),
    };
  });
}

/** A catalog as a version-0 terminal held it: 20 categories, accented names now and then. */
function productsOf(count: number): BranchProduct[] {
  return Array.from({ length: count }, (_, i) =>
    makeBranchProduct({
      id: `p-${i}`,
      sku: `SKU-${i}`,
      barcode: `40${String(i).padStart(11, '0')}`,
      name: `${i % 7 === 0 ? 'Crème' : 'Espresso'} ${i}`,
      categoryId: `c-${i % 20}`,
    }),
  );
}

function rawCopy(dir: string, sales: readonly { id: string }[]): number {
  const db = openRawDatabase(join(dir, 'raw.sqlite'), 'FULL');
  try {
    db.exec('CREATE TABLE old (id TEXT PRIMARY KEY, doc TEXT) WITHOUT ROWID');
    db.exec('CREATE TABLE new (id TEXT PRIMARY KEY, doc TEXT) WITHOUT ROWID');
    const insert = db.prepare('INSERT INTO old VALUES (?, ?)');
    db.transaction(() => {
      for (const sale of sales) insert.run(sale.id, JSON.stringify(sale));
    })();
    const start = performance.now();
    const read = db.prepare('SELECT id, doc FROM old ORDER BY id');
    const write = db.prepare('INSERT INTO new VALUES (?, ?)');
    db.transaction(() => {
      for (const row of read.all() as { id: string; doc: string }[]) {
        write.run(row.id, JSON.stringify(JSON.parse(row.doc)));
      }
      db.exec('DROP TABLE old');
    })();
    return performance.now() - start;
  } finally {
    db.close();
  }
}

const rows: string[][] = [];
for (const size of SIZES) {
  const sales = salesOf(size);
  for (let run = 1; run <= RUNS; run++) {
    const dir = mkdtempSync(join(tmpdir(), 'pos-migration-'));
    try {
      await writeSalesAsVersion0(dir, sales);
      const open = await timed(() =>
        openTerminalDatabase({ dataDir: dir, catalogSynchronous: 'NORMAL' }),
      );
      const count = await open.value.sales.count().exec();
      await open.value.close();
      if (count !== size) throw new Error(`migrated ${count} of ${size} sales`);
      const raw = rawCopy(dir, sales);
      rows.push([
        String(size),
        String(run),
        ms(open.ms),
        `${Math.round(size / (open.ms / 1000)).toLocaleString('en')}/s`,
        ms(raw),
        ratio(open.ms, raw),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
if (rows.length > 0) {
  out(formatTable(['sales', 'run', 'open + migrate ms', 'sales/s', 'raw copy ms', 'x raw'], rows));
}

const productRows: string[][] = [];
for (const size of PRODUCT_SIZES) {
  const products = productsOf(size);
  for (let run = 1; run <= RUNS; run++) {
    const dir = mkdtempSync(join(tmpdir(), 'pos-migration-'));
    try {
      await writeProductsAsVersion0(dir, products);
      const open = await timed(() =>
        openTerminalDatabase({ dataDir: dir, catalogSynchronous: 'NORMAL' }),
      );
      const count = await open.value.products.count({ selector: { nameKey: { $gt: '' } } }).exec();
      await open.value.close();
      if (count !== size) throw new Error(`migrated ${count} of ${size} products`);
      const raw = rawCopy(dir, products);
      productRows.push([
        String(size),
        String(run),
        ms(open.ms),
        `${Math.round(size / (open.ms / 1000)).toLocaleString('en')}/s`,
        ms(raw),
        ratio(open.ms, raw),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
if (productRows.length > 0) {
  out(
    formatTable(
      ['products', 'run', 'open + migrate ms', 'products/s', 'raw copy ms', 'x raw'],
      productRows,
    ),
  );
}
