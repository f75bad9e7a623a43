import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { synchronousSchema } from '../../client/storage/sqlite-options.ts';
import type { Synchronous } from '../../client/storage/index.ts';
import { formatTable, ms, ratio } from './bench-utils.ts';
import { runProductsBench } from './products-bench.ts';
import type { ProductsBenchResults } from './products-bench.ts';
import { PREMIUM_SQLITE_TARGETS, runRxdbPerformance } from './rxdb-performance.ts';
import type { RxdbPerformanceResults } from './rxdb-performance.ts';

const USAGE = `Usage: npm run bench:storage -- [options]
  --runs N               runPerformanceTests runs (default 20; it keeps the fastest 5%)
  --wait MS              pause between runPerformanceTests steps (default 100, RxDB's default)
  --docs N               products for the scale test (default 100000, at least 6000)
  --lookups N            samples per indexed lookup (default 200)
  --synchronous LEVEL    FULL (default, survives power loss) or NORMAL
  --only rxdb|products   run one part only
  --no-memory            skip RxDB over the memory storage in the products test
  --dir PATH             where the SQLite files go (empty or absent; kept after the run;
                         default: a fresh temp folder, removed after)`;

const BULK_INSERT_GOAL_MS = 2000;
const BULK_INSERT_GOAL_RATIO = 3;
const LOOKUP_GOAL_MS = 1;

type BenchOptions = {
  runs: number;
  wait: number;
  docs: number;
  lookups: number;
  synchronous: Synchronous;
  only: 'rxdb' | 'products' | undefined;
  withMemory: boolean;
  dir: string | undefined;
};

function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: 'string', default: '20' },
      wait: { type: 'string', default: '100' },
      docs: { type: 'string', default: '100000' },
      lookups: { type: 'string', default: '200' },
      synchronous: { type: 'string', default: 'FULL' },
      only: { type: 'string' },
      'no-memory': { type: 'boolean', default: false },
      dir: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const only = values.only;
  if (only !== undefined && only !== 'rxdb' && only !== 'products') {
    throw new Error(`--only must be rxdb or products, not ${only}`);
  }
  const options: BenchOptions = {
    runs: positiveInt(values.runs, 'runs'),
    wait: positiveInt(values.wait, 'wait', 0),
    docs: positiveInt(values.docs, 'docs', 6000),
    lookups: positiveInt(values.lookups, 'lookups'),
    synchronous: synchronousSchema.parse(values.synchronous.toUpperCase()),
    only,
    withMemory: !values['no-memory'],
    dir: values.dir,
  };
  return options;
}

function positiveInt(value: string, name: string, min = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}`);
  return n;
}

function printRxdbReport(r: RxdbPerformanceResults): void {
  const kept = Math.max(1, r.runs - Math.floor(r.runs * 0.95));
  console.log(
    `\n## runPerformanceTests (${r.runs} runs; mean of the fastest ${kept}; 4 collections, 3,000 docs)\n`,
  );
  const rows = PREMIUM_SQLITE_TARGETS.map(({ key, label, target }) => {
    const sqlite = r.sqlite[key] as number | undefined;
    const memory = r.memory[key] as number | undefined;
    const raw = r.raw[key];
    const met =
      target === undefined || sqlite === undefined || memory === undefined
        ? '-'
        : sqlite / memory <= target
          ? 'yes'
          : 'no';
    return [
      label,
      ms(memory),
      ms(sqlite),
      ratio(sqlite, memory),
      target === undefined ? '-' : `${target}x`,
      met,
      ms(raw),
      ratio(sqlite, raw),
    ];
  });
  console.log(
    formatTable(
      [
        'operation',
        'memory ms',
        'pos-sqlite ms',
        'sqlite/memory',
        'premium target',
        'met',
        'raw sqlite ms',
        'sqlite/raw',
      ],
      rows,
    ),
  );
}

function printProductsReport(r: ProductsBenchResults): void {
  const n = r.docs.toLocaleString('en');
  const i = r.insert;
  console.log(`\n## Products at scale (${n} docs, synchronous=${r.synchronous})\n`);
  console.log(
    `one stored document: ${r.jsonChars} JSON chars; its ${
      r.indexKeyChars
    } chars of index keys are written to the row and again to each index\n`,
  );
  const insertRows: [string, number | undefined][] = [
    [`JSON.stringify of ${n} docs alone`, i.stringify],
    [`compact index keys of ${n} docs alone (createIndexKeysFunction)`, i.indexKeys],
    ['raw better-sqlite3: (id PRIMARY KEY, data), one transaction', i.raw],
    ['raw better-sqlite3: real columns + compound indexes', i.rawRealColumns],
    ['pos-sqlite storageInstance.bulkWrite (no RxDB collection layer)', i.storageBulkWrite],
    ['RxDB collection.bulkInsert on pos-sqlite  <- goal', i.rxdbBulkInsert],
    ['RxDB collection.bulkInsert on memory storage', i.rxdbBulkInsertMemory],
  ];
  console.log(
    formatTable(
      ['bulk insert', 'ms', 'x raw'],
      insertRows.map(([label, value]) => [label, ms(value), ratio(value, i.raw)]),
    ),
  );
  const bulk = i.rxdbBulkInsert ?? Infinity;
  const raw = i.raw ?? 0;
  console.log(
    `\ngoal bulk insert < ${BULK_INSERT_GOAL_MS} ms: ${bulk < BULK_INSERT_GOAL_MS ? 'met' : 'NOT met'}` +
      `; within ${BULK_INSERT_GOAL_RATIO}x raw: ${
        bulk <= BULK_INSERT_GOAL_RATIO * raw ? 'met' : 'NOT met'
      } (${ratio(bulk, raw)})\n`,
  );

  const lookupRows = r.lookups.map((l) => [
    l.label,
    l.rxdb.mean.toFixed(3),
    l.rxdb.p50.toFixed(3),
    l.rxdb.p99.toFixed(3),
    l.storage.mean.toFixed(3),
    l.meanRows.toFixed(1),
    l.rxdb.mean < LOOKUP_GOAL_MS ? 'yes' : 'no',
    l.plan,
  ]);
  console.log(
    formatTable(
      [
        `lookup (${r.lookups[0]?.rxdb.n ?? 0} random keys)`,
        'RxDB mean ms',
        'p50',
        'p99',
        'storage-only mean ms',
        'rows',
        `< ${LOOKUP_GOAL_MS} ms`,
        'query plan',
      ],
      lookupRows,
    ),
  );

  const f = r.findByIds;
  console.log('');
  console.log(
    formatTable(
      [`find 3,000 by ids (${f.rxdb.n} disjoint sets)`, 'mean ms', 'min ms', 'x parse alone'],
      [
        ['RxDB collection.findByIds().exec()', f.rxdb, f.rxdb],
        ['pos-sqlite storageInstance.findDocumentsById', f.storage, f.storage],
        ['raw better-sqlite3 get by id + JSON.parse', f.raw, f.raw],
        ['JSON.parse of the 3,000 rows alone', f.parseOnly, f.parseOnly],
      ].map(([label, s]) => {
        const summary = s as ProductsBenchResults['findByIds']['rxdb'];
        return [
          label as string,
          ms(summary.mean),
          ms(summary.min),
          ratio(summary.mean, f.parseOnly.mean),
        ];
      }),
    ),
  );
}

function formatLoad(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const directory = options.dir ?? mkdtempSync(path.join(os.tmpdir(), 'pos-storage-bench-'));
  mkdirSync(directory, { recursive: true });
  // Every part creates its tables from scratch; leftovers from an earlier run would skew or fail it.
  if (readdirSync(directory).length > 0) throw new Error(`--dir ${directory} must be empty`);
  console.log(
    `# Storage benchmark — ${new Date().toISOString()}, node ${process.version}, ` +
      `${os.cpus().length} cores, synchronous=${options.synchronous}, files in ${directory}, ` +
      `load average ${formatLoad()} (other processes on these cores slow every figure)`,
  );
  const started = performance.now();
  try {
    if (options.only !== 'products') {
      printRxdbReport(
        await runRxdbPerformance({
          runs: options.runs,
          directory,
          synchronous: options.synchronous,
          waitBetweenTests: options.wait,
        }),
      );
    }
    if (options.only !== 'rxdb') {
      printProductsReport(
        await runProductsBench({
          docs: options.docs,
          lookups: options.lookups,
          directory,
          synchronous: options.synchronous,
          withMemory: options.withMemory,
        }),
      );
    }
  } finally {
    console.log(`load average at the end: ${formatLoad()}`);
    if (!options.dir) rmSync(directory, { recursive: true, force: true });
  }
  console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

await main();
