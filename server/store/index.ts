export type {
  AdminIdentity,
  AuditEntry,
  BranchInput,
  CatalogStream,
  CloudStore,
  Connection,
  DeadLetter,
  IngestProblem,
  InventoryPushRow,
  IssuedAdminToken,
  PageArgs,
  PosGaps,
  PruneReport,
  PullResult,
  RegisteredTerminal,
  RejectedEventFilter,
  SaleIngestOutcome,
  SalesFilter,
  StreamHeads,
  TerminalContact,
  TerminalIdentity,
  TerminalScope,
  TerminalStatus,
} from './cloud-store.ts';
export { INGEST_MAX, UPSERT_MAX } from './cloud-store.ts';
export { createToken, hashToken } from './token-hash.ts';
export type {
  ResolvedSqliteCloudStoreOptions,
  SqliteCloudStoreOptions,
} from './sqlite/sqlite-cloud-store.ts';
export { SqliteCloudStore, openSqliteCloudStore } from './sqlite/sqlite-cloud-store.ts';
