import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Subject } from 'rxjs';
import { CheckpointWorker } from './checkpoint-worker.ts';
import { DocumentCache } from './document-cache.ts';
import type { ResolvedSqliteStorageOptions, Synchronous } from './sqlite-options.ts';

/** Raised when a database file cannot be opened for this storage (locked by another process, …). */
export class SqliteStorageError extends Error {
  override readonly name = 'SqliteStorageError';
  constructor(
    readonly code:
      | 'SQLITE_STORAGE_LOCKED'
      | 'SQLITE_STORAGE_CLOSED'
      | 'SQLITE_STORAGE_REMOVED'
      | 'SQLITE_STORAGE_OPEN_FAILED',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * What every storage instance of one table in this process shares: the change subject (each sees the
 * other's writes), the document cache, the queue that keeps asynchronous writes in call order, and the
 * removed flag (an instance of a removed collection must not write into one created after it).
 */
export class TableState {
  readonly changes = new Subject<unknown>();
  readonly cache: DocumentCache<unknown>;
  writeQueue: Promise<unknown> = Promise.resolve();
  removed = false;
  /** Inside `deferIndexes`: the secondary indexes are dropped until the load ends. */
  indexesDeferred = false;

  constructor(cacheSize: number) {
    this.cache = new DocumentCache(cacheSize);
  }
}

/**
 * One open SQLite file, shared by every RxDB database and collection of the same name in this
 * process. Sharing one connection is what makes two RxDB instances on one file safe inside a process:
 * better-sqlite3 is synchronous, so their transactions never interleave, and they share the change
 * subjects, so each sees the other's writes. Another process is refused by an exclusive file lock.
 */
export class SqliteDatabaseHandle {
  readonly #tables = new Map<string, TableState>();
  #refCount = 0;
  #synchronous: Synchronous;
  #checkpointTimer: NodeJS.Timeout | undefined;
  #bytesSinceCheckpoint = 0;

  constructor(
    readonly key: string,
    readonly db: Database.Database,
    initialSynchronous: Synchronous,
    readonly documentCacheSize: number,
    private readonly onDisk: boolean,
    private readonly warn: (message: string, error: unknown) => void,
    private readonly onLastRelease: (handle: SqliteDatabaseHandle) => void,
    /** Checkpoints the file off this thread; absent for in-memory databases. */
    readonly checkpointWorker?: CheckpointWorker,
    /** Holds the file's process lock for as long as this handle is open. */
    private readonly lock?: Database.Database,
  ) {
    this.#synchronous = initialSynchronous;
  }

  /** The shared state of one table; a removed table's state is replaced by a fresh one. */
  tableState(table: string): TableState {
    let state = this.#tables.get(table);
    if (!state) {
      state = new TableState(this.documentCacheSize);
      this.#tables.set(table, state);
    }
    return state;
  }

  /** Marks a table removed for every instance holding its state; the next opener starts afresh. */
  removeTable(table: string): void {
    const state = this.#tables.get(table);
    if (!state) return;
    state.removed = true;
    state.cache.clear();
    this.#tables.delete(table);
  }

  /**
   * SQLite's automatic checkpoint copies the WAL into the database file inside the commit that crossed
   * its threshold, doubling that write's cost. Here it is disabled and run once writes pause, or at
   * once when the WAL has grown large, so a cashier's write never pays for a catalog snapshot's pages.
   * A checkpoint moves committed pages only: durability is the commit's, not the checkpoint's.
   */
  afterCommit(bytesWritten: number): void {
    if (!this.onDisk) return;
    this.#bytesSinceCheckpoint += bytesWritten;
    if (this.#bytesSinceCheckpoint >= CHECKPOINT_NOW_BYTES) {
      this.checkpoint();
      return;
    }
    if (this.#checkpointTimer) this.#checkpointTimer.refresh();
    else {
      this.#checkpointTimer = setTimeout(() => this.checkpoint(), CHECKPOINT_IDLE_MS);
      this.#checkpointTimer.unref();
    }
  }

  /**
   * Hands a checkpoint to the worker thread. A failed checkpoint (a full disk, say) loses nothing: the
   * pages stay in the WAL, readers still see them, and the next checkpoint tries again; the worker
   * reports it through `onWarning`, never into a writer or a timer.
   */
  checkpoint(): void {
    clearTimeout(this.#checkpointTimer);
    this.#checkpointTimer = undefined;
    this.#bytesSinceCheckpoint = 0;
    if (this.db.open) this.checkpointWorker?.request();
  }

  acquire(): this {
    this.#refCount++;
    return this;
  }

  release(): void {
    this.#refCount--;
    if (this.#refCount === 0) {
      clearTimeout(this.#checkpointTimer);
      this.onLastRelease(this);
      for (const state of this.#tables.values()) state.changes.complete();
      this.checkpointWorker?.close();
      this.db.close();
      this.lock?.close();
    }
  }

  /** Switches the commit durability only when it changes: the pragma is cheap but not free. */
  useSynchronous(level: Synchronous): void {
    if (level !== this.#synchronous) {
      this.db.pragma(`synchronous = ${level}`);
      this.#synchronous = level;
    }
  }
}

const openHandles = new Map<string, SqliteDatabaseHandle>();

/**
 * The table layout and key encoding written by this code. A file of another layout is refused with a
 * clear error rather than read wrongly; a change of layout bumps this and brings a migration.
 */
export const STORAGE_LAYOUT_VERSION = 1;

/** Writes pause this long before the WAL is checkpointed. */
const CHECKPOINT_IDLE_MS = 250;
/** A WAL grown by this much (approximately: document bytes written) is checkpointed at once. */
const CHECKPOINT_NOW_BYTES = 64 * 1024 * 1024;

/** Opens (or shares) the SQLite database of one RxDB database. */
export function acquireSqliteDatabase(
  databaseName: string,
  options: ResolvedSqliteStorageOptions,
): SqliteDatabaseHandle {
  const file = options.directory
    ? path.resolve(options.directory, `${encodeFileName(databaseName)}.sqlite`)
    : undefined;
  const key = file ?? `memory:${databaseName}`;
  const existing = openHandles.get(key);
  if (existing) return existing.acquire();

  if (options.directory) mkdirSync(options.directory, { recursive: true });
  const lock = file ? lockFile(file) : undefined;
  let db: Database.Database;
  try {
    db = new Database(file ?? ':memory:');
  } catch (cause) {
    lock?.close();
    throw new SqliteStorageError('SQLITE_STORAGE_OPEN_FAILED', `cannot open ${key}`, { cause });
  }
  try {
    configure(db, options, file !== undefined);
  } catch (cause) {
    db.close();
    lock?.close();
    const reason = cause instanceof Error ? `: ${cause.message}` : '';
    throw new SqliteStorageError('SQLITE_STORAGE_OPEN_FAILED', `cannot open ${key}${reason}`, {
      cause,
    });
  }
  const handle = new SqliteDatabaseHandle(
    key,
    db,
    options.synchronous,
    options.documentCacheSize,
    file !== undefined,
    options.onWarning,
    (h) => openHandles.delete(h.key),
    file ? new CheckpointWorker(file, options.onWarning) : undefined,
    lock,
  );
  openHandles.set(key, handle);
  return handle.acquire();
}

/**
 * One process per database file. The lock is a second, tiny SQLite file held with an exclusive lock
 * for as long as the database is open: the operating system drops it when the process dies (SIGKILL
 * included), and a second process fails at once with a clear error. The database itself then uses
 * normal locking, which lets the checkpoint worker's connection work beside the main one.
 */
function lockFile(file: string): Database.Database {
  const lock = new Database(`${file}.lock`);
  try {
    lock.pragma('busy_timeout = 0');
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.exec('BEGIN EXCLUSIVE; COMMIT');
    return lock;
  } catch (cause) {
    lock.close();
    if (isBusy(cause)) {
      throw new SqliteStorageError(
        'SQLITE_STORAGE_LOCKED',
        `the database file ${file} is in use by another process; one terminal process per data directory`,
        { cause },
      );
    }
    throw new SqliteStorageError('SQLITE_STORAGE_OPEN_FAILED', `cannot lock ${file}`, { cause });
  }
}

function configure(db: Database.Database, options: ResolvedSqliteStorageOptions, onDisk: boolean) {
  if (onDisk) {
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
  }
  db.pragma(`synchronous = ${options.synchronous}`);
  db.pragma(`busy_timeout = ${options.busyTimeoutMs}`);
  db.pragma(`cache_size = ${-options.cacheSizeKiB}`);
  db.pragma('temp_store = MEMORY');
  const layout = db.pragma('user_version', { simple: true }) as number;
  if (layout !== 0 && layout !== STORAGE_LAYOUT_VERSION) {
    throw new Error(
      `the file was written with storage layout ${layout}; this version reads layout ${STORAGE_LAYOUT_VERSION}`,
    );
  }
  db.pragma(`user_version = ${STORAGE_LAYOUT_VERSION}`);
  db.exec(`CREATE TABLE IF NOT EXISTS rx_attachments (
    tbl TEXT NOT NULL, doc_id TEXT NOT NULL, attachment_id TEXT NOT NULL,
    digest TEXT NOT NULL, type TEXT NOT NULL, data BLOB NOT NULL,
    PRIMARY KEY (tbl, doc_id, attachment_id)
  ) WITHOUT ROWID`);
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

/** RxDB database names may hold characters a file name must not. */
function encodeFileName(name: string): string {
  return name.replace(
    /[^A-Za-z0-9._-]/g,
    (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

/** The path of the file a database lives in, for tools that need it (backups, tests). */
export function sqliteFileOf(directory: string, databaseName: string): string {
  return path.resolve(directory, `${encodeFileName(databaseName)}.sqlite`);
}
