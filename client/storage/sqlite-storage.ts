import path from 'node:path';
import {
  ensureRxStorageInstanceParamsAreCorrect,
  META_INSTANCE_SCHEMA_TITLE,
  RXDB_VERSION,
} from 'rxdb';
import type { RxStorage, RxStorageInstanceCreationParams } from 'rxdb';
import { acquireSqliteDatabase } from './sqlite-database.ts';
import { sqliteInstanceOptionsSchema, sqliteStorageOptionsSchema } from './sqlite-options.ts';
import type { SqliteInstanceOptions, SqliteStorageOptions } from './sqlite-options.ts';
import { SqliteStorageInstance } from './sqlite-storage-instance.ts';
import type { SqliteStorageInternals } from './sqlite-storage-instance.ts';

export type RxStorageSqlite = RxStorage<SqliteStorageInternals, SqliteInstanceOptions>;

/**
 * An RxStorage on better-sqlite3. With `directory`, each RxDB database is one SQLite file in it (WAL,
 * exclusive to this process); without it, each database lives in memory for as long as it is open.
 */
export function getRxStorageSqlite(options: SqliteStorageOptions = {}): RxStorageSqlite {
  const resolved = sqliteStorageOptionsSchema.parse(options);
  return {
    // RxDB refuses a second open database of the same name and storage name in one process; databases
    // of one name in two directories are two databases, so the directory is part of the storage name.
    name: resolved.directory ? `pos-sqlite:${path.resolve(resolved.directory)}` : 'pos-sqlite',
    rxdbVersion: RXDB_VERSION,
    async createStorageInstance<RxDocType>(
      params: RxStorageInstanceCreationParams<RxDocType, SqliteInstanceOptions>,
    ) {
      ensureRxStorageInstanceParamsAreCorrect(params);
      const instanceOptions = sqliteInstanceOptionsSchema.parse(params.options ?? {});
      const handle = acquireSqliteDatabase(params.databaseName, resolved);
      try {
        return new SqliteStorageInstance<RxDocType>(
          params.databaseName,
          params.collectionName,
          params.schema,
          instanceOptions,
          handle,
          params.schema.title === META_INSTANCE_SCHEMA_TITLE
            ? (resolved.replicationMetaSynchronous ?? resolved.synchronous)
            : resolved.synchronous,
        );
      } catch (error) {
        handle.release();
        throw error;
      }
    },
  };
}
