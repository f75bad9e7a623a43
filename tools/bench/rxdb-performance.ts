import path from 'node:path';
import type Database from 'better-sqlite3';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import {
  averageOfTimeValues,
  averageSchemaData,
  runPerformanceTests,
} from 'rxdb/plugins/test-utils';
import type { PerformanceTestResult } from 'rxdb/plugins/test-utils';
import { getRxStorageSqlite } from '../../client/storage/index.ts';
import type { Synchronous } from '../../client/storage/index.ts';
import { assertEqual, openRawDatabase } from './bench-utils.ts';

/** runPerformanceTests' defaults, which the raw baseline mirrors. */
const DOCS = 3000;
const INSERT_BATCHES = 6;
const SERIAL_DOCS = 50;

/** What RxDB publishes for its premium SQLite storage, as a multiple of the memory storage's time. */
export const PREMIUM_SQLITE_TARGETS = [
  { key: `insert-documents-${DOCS / INSERT_BATCHES}`, label: 'bulk insert (500 docs)', target: 28 },
  { key: `find-by-ids-${DOCS}`, label: `find by ids (${DOCS})`, target: 4.9 },
  { key: `serial-inserts-${SERIAL_DOCS}`, label: `serial inserts (${SERIAL_DOCS})`, target: 7 },
  {
    key: `serial-find-by-id-${SERIAL_DOCS}`,
    label: `serial find by id (${SERIAL_DOCS})`,
    target: 4.9,
  },
  { key: 'find-by-query', label: `find by query (${DOCS + SERIAL_DOCS}, sorted)`, target: 7 },
  { key: 'find-by-query-parallel-4', label: 'parallel queries (4)', target: 5.1 },
  { key: '4x-count', label: 'count (4x)', target: 7.2 },
  { key: 'time-to-first-insert', label: 'time to first insert', target: undefined },
  { key: 'property-access', label: 'property access', target: undefined },
] as const;

export type RxdbPerformanceResults = {
  runs: number;
  sqlite: PerformanceTestResult;
  memory: PerformanceTestResult;
  raw: Record<string, number>;
};

export type RxdbPerformanceOptions = {
  runs: number;
  directory: string;
  synchronous: Synchronous;
  waitBetweenTests: number;
};

/** RxDB's own storage benchmark on pos-sqlite and on the memory storage, plus a raw SQLite floor. */
export async function runRxdbPerformance(
  options: RxdbPerformanceOptions,
): Promise<RxdbPerformanceResults> {
  const config = { runs: options.runs, waitBetweenTests: options.waitBetweenTests, log: false };
  const sqliteStorage = getRxStorageSqlite({
    directory: path.join(options.directory, 'rxdb-perf'),
    synchronous: options.synchronous,
  });
  const sqlite = await runPerformanceTests(sqliteStorage, 'pos-sqlite', config);
  const memory = await runPerformanceTests(getRxStorageMemory(), 'memory', config);
  const raw = runRawBaseline(options);
  return { runs: options.runs, sqlite, memory, raw };
}

/**
 * The same operations on a bare (id PRIMARY KEY, data JSON) table with prepared statements, on
 * documents of the same shape and size (RxDB's meta fields included), aggregated like RxDB does
 * (mean of the fastest 5%). The connection is reopened before reads, as RxDB reopens its database.
 */
function runRawBaseline(options: RxdbPerformanceOptions): Record<string, number> {
  const times: Record<string, number[]> = {};
  const record = (key: string, start: number) =>
    (times[key] ??= []).push(performance.now() - start);

  for (let run = 0; run < options.runs; run++) {
    const file = path.join(options.directory, `raw-perf-${run}.sqlite`);
    let db = openRawDatabase(file, options.synchronous);
    db.exec('CREATE TABLE docs (id TEXT PRIMARY KEY NOT NULL, data TEXT NOT NULL)');
    let insert = db.prepare('INSERT INTO docs (id, data) VALUES (?, ?)');
    const ids: string[] = [];
    for (let batch = 0; batch < INSERT_BATCHES; batch++) {
      const docs = Array.from({ length: DOCS / INSERT_BATCHES }, (_, i) =>
        withRxdbMeta(averageSchemaData({ var1: `${i % 2}`, var2: i % 4 })),
      );
      for (const doc of docs) ids.push(doc.id);
      const start = performance.now();
      db.transaction(() => {
        for (const doc of docs) insert.run(doc.id, JSON.stringify(doc));
      })();
      record(`insert-documents-${DOCS / INSERT_BATCHES}`, start);
    }

    db = reopen(db, file, options.synchronous);
    let start = performance.now();
    const found = readByIds(db, ids);
    record(`find-by-ids-${DOCS}`, start);
    assertEqual(found, DOCS, 'raw find by ids');

    insert = db.prepare('INSERT INTO docs (id, data) VALUES (?, ?)');
    const serialIds: string[] = [];
    start = performance.now();
    for (let i = 0; i < SERIAL_DOCS; i++) {
      const doc = withRxdbMeta(averageSchemaData({ var2: 1000 }));
      serialIds.push(doc.id);
      // Autocommit: one transaction, and under FULL one WAL sync, per document.
      insert.run(doc.id, JSON.stringify(doc));
    }
    record(`serial-inserts-${SERIAL_DOCS}`, start);

    db = reopen(db, file, options.synchronous);
    start = performance.now();
    assertEqual(readByIds(db, serialIds), SERIAL_DOCS, 'raw serial find');
    record(`serial-find-by-id-${SERIAL_DOCS}`, start);

    // No index on var2/var1 here: read everything, parse and sort in JS, as the floor of a full scan.
    start = performance.now();
    const all = (db.prepare('SELECT data FROM docs').pluck().all() as string[]).map(
      (data) => JSON.parse(data) as { var1: string; var2: number },
    );
    all.sort((a, b) => a.var2 - b.var2 || (a.var1 < b.var1 ? -1 : a.var1 > b.var1 ? 1 : 0));
    record('find-by-query', start);
    assertEqual(all.length, DOCS + SERIAL_DOCS, 'raw find by query');
    db.close();
  }
  return Object.fromEntries(
    Object.entries(times).map(([key, samples]) => [key, averageOfTimeValues(samples, 95)]),
  );
}

function readByIds(db: Database.Database, ids: readonly string[]): number {
  const select = db.prepare('SELECT data FROM docs WHERE id = ?').pluck();
  let found = 0;
  for (const id of ids) {
    const data = select.get(id) as string | undefined;
    if (data !== undefined && JSON.parse(data)) found++;
  }
  return found;
}

function reopen(db: Database.Database, file: string, synchronous: Synchronous): Database.Database {
  db.close();
  return openRawDatabase(file, synchronous);
}

/** The fields RxDB adds to every stored document, so the raw rows are as long as the storage's. */
function withRxdbMeta<T extends object>(doc: T): T & { id: string } {
  return {
    ...(doc as T & { id: string }),
    _deleted: false,
    _attachments: {},
    _meta: { lwt: Date.now() },
    _rev: '1-bbbbbbbbbb',
  };
}
