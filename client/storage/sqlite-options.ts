import { z } from 'zod';

/**
 * `FULL` syncs the WAL on every commit: a committed write survives power loss. `NORMAL` syncs only at
 * WAL checkpoints: a committed write survives a killed process but the last commits may be lost on
 * power loss. WAL frames are durable in order, so a later FULL commit also makes every earlier NORMAL
 * commit durable.
 */
export const synchronousSchema = z.enum(['FULL', 'NORMAL']);
export type Synchronous = z.infer<typeof synchronousSchema>;

/** Options of `getRxStorageSqlite()`. */
export const sqliteStorageOptionsSchema = z
  .object({
    /** Folder holding one `<databaseName>.sqlite` file per RxDB database; omitted: in memory. */
    directory: z.string().min(1).optional(),
    /** Default durability of a commit (see `synchronousSchema`). */
    synchronous: synchronousSchema.default('FULL'),
    /**
     * Durability of RxDB's replication bookkeeping: the collection RxDB creates per replication for
     * its checkpoints and assumed master states. Default: `synchronous`. NORMAL is enough where a
     * replication can redo what a lost commit recorded (pull again from an older checkpoint, push
     * again into an idempotent or merging server); it spares an fsync per replication round.
     */
    replicationMetaSynchronous: synchronousSchema.optional(),
    /** How long a write waits for a lock held by this process's other connection, in ms. */
    busyTimeoutMs: z.number().int().min(0).default(5_000),
    /** Parsed documents kept per collection to spare `JSON.parse` on reads; 0 disables. */
    documentCacheSize: z.number().int().min(0).default(10_000),
    /**
     * Called with problems the storage survives (a failed WAL checkpoint); default: a process warning.
     * The first storage to open a file sets this, the cache sizes and the busy timeout for that file.
     */
    onWarning: z
      .custom<(message: string, error: unknown) => void>((value) => typeof value === 'function')
      .default(() => warnProcess),
    /** SQLite page cache per database file, in KiB. */
    cacheSizeKiB: z
      .number()
      .int()
      .positive()
      .default(64 * 1024),
  })
  .strict();

function warnProcess(message: string, error: unknown): void {
  process.emitWarning(`${message}: ${error instanceof Error ? error.message : String(error)}`);
}

export type SqliteStorageOptions = z.input<typeof sqliteStorageOptionsSchema>;
export type ResolvedSqliteStorageOptions = z.output<typeof sqliteStorageOptionsSchema>;

/** Per-collection options, passed by RxDB as the collection's `instanceCreationOptions`. */
export const sqliteInstanceOptionsSchema = z
  .object({
    /** Overrides the storage's durability for writes to this collection. */
    synchronous: synchronousSchema.optional(),
  })
  .strict();

export type SqliteInstanceOptions = z.infer<typeof sqliteInstanceOptionsSchema>;
