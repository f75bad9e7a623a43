import type { Database } from 'better-sqlite3';
import { AuditLog } from './audit-log.ts';
import { StreamSeq } from './stream-seq.ts';

/** What every part of the SQLite adapter shares: one connection, the seq allocator, the audit log, a clock. */
export type StoreContext = {
  readonly db: Database;
  readonly seq: StreamSeq;
  readonly audit: AuditLog;
  readonly now: () => Date;
};

export function createStoreContext(db: Database, now: () => Date): StoreContext {
  return { db, seq: new StreamSeq(db), audit: new AuditLog(db, now), now };
}
