export type {
  ResolvedSqliteCloudStoreOptions,
  SqliteCloudStoreOptions,
} from './sqlite-cloud-store.ts';
export { SqliteCloudStore, openSqliteCloudStore } from './sqlite-cloud-store.ts';
