export type {
  AdminIdentity,
  AdminQueries,
  AdminTokenInfo,
  AuditEntry,
  AuditFilter,
  BranchInput,
  CatalogStore,
  CatalogStream,
  CloudStore,
  Connection,
  DeadLetter,
  IngestProblem,
  InventoryPullResult,
  InventoryPushResult,
  InventoryPushRow,
  InventoryRefusal,
  InventoryRepair,
  InventoryStore,
  IssuedAdminToken,
  PageArgs,
  PosGaps,
  PruneReport,
  PullResult,
  RegisteredTerminal,
  RejectedEventFilter,
  SaleIngestOutcome,
  SalesLedgerStore,
  SalesFilter,
  SalesSummary,
  ProductListFilter,
  StoreLifecycle,
  StreamHeads,
  TerminalContact,
  TerminalIdentity,
  TenancyStore,
  TerminalScope,
  TerminalStatus,
} from './cloud-store.ts';
export {
  DEFAULT_RETENTION_MS,
  DEFAULT_STALE_AFTER_MS,
  INGEST_MAX,
  UPSERT_MAX,
} from './cloud-store.ts';
export { createToken, hashToken } from './token-hash.ts';
export type { ResolvedSqliteCloudStoreOptions, SqliteCloudStoreOptions } from './sqlite/index.ts';
export { SqliteCloudStore, openSqliteCloudStore } from './sqlite/index.ts';
export type { MongoCloudStoreOptions, ResolvedMongoCloudStoreOptions } from './mongo/index.ts';
export { MongoCloudStore, openMongoCloudStore } from './mongo/index.ts';
export { SEARCH_MAX } from './core/product-search.ts';
