export { getRxStorageSqlite } from './sqlite-storage.ts';
export type { RxStorageSqlite } from './sqlite-storage.ts';
export { SqliteStorageInstance, withDeferredIndexes } from './sqlite-storage-instance.ts';
export type { SqliteStorageInternals } from './sqlite-storage-instance.ts';
export { SqliteStorageError, sqliteFileOf } from './sqlite-database.ts';
export type {
  SqliteInstanceOptions,
  SqliteStorageOptions,
  ResolvedSqliteStorageOptions,
  Synchronous,
} from './sqlite-options.ts';
export { toSqliteKey } from './index-key.ts';
export {
  createIndexKeyFunction,
  createIndexKeysFunction,
  encodeIndexBound,
  encodeStringPart,
} from './compact-index-key.ts';
