import type { Database, Statement } from 'better-sqlite3';
import type { AuditEntry, Connection, PageArgs } from '../cloud-store.ts';
import { checkPageSize, decodeCursor, encodeCursor } from '../cursor.ts';

type AuditRow = {
  n: number;
  tenant_id: string;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  details: string;
};

/** The audit trail of admin writes; `record` runs inside the write's own transaction. */
export class AuditLog {
  readonly #now: () => Date;
  readonly #insert: Statement;
  readonly #page: Statement;
  readonly #count: Statement;

  constructor(db: Database, now: () => Date) {
    this.#now = now;
    this.#insert =
      db.prepare(/* insertAuditEntry */ `INSERT INTO audit_log (tenant_id, at, actor, action, target, details)
       VALUES (?, ?, ?, ?, ?, ?)`);
    this.#page = db.prepare(
      /* selectAuditPage */ `SELECT * FROM audit_log WHERE tenant_id = ? AND n > ? ORDER BY n LIMIT ?`,
    );
    this.#count = db.prepare(
      /* countAuditEntries */ `SELECT count(*) AS c FROM audit_log WHERE tenant_id = ?`,
    );
  }

  record(
    tenantId: string,
    actor: string,
    action: string,
    target: string | null,
    details: Record<string, unknown> = {},
  ): void {
    this.#insert.run(
      tenantId,
      this.#now().toISOString(),
      actor,
      action,
      target,
      JSON.stringify(details),
    );
  }

  list(tenantId: string, page: PageArgs): Connection<AuditEntry> {
    const first = checkPageSize(page.first);
    const rows = this.#page.all(tenantId, decodeCursor(page.after), first + 1) as AuditRow[];
    const { c } = this.#count.get(tenantId) as { c: number };
    const edges = rows.slice(0, first).map((row) => ({
      cursor: encodeCursor(row.n),
      node: {
        id: String(row.n),
        tenantId: row.tenant_id,
        at: row.at,
        actor: row.actor,
        action: row.action,
        target: row.target,
        details: JSON.parse(row.details) as Record<string, unknown>,
      },
    }));
    return {
      totalCount: c,
      edges,
      pageInfo: { endCursor: edges.at(-1)?.cursor ?? null, hasNextPage: rows.length > first },
    };
  }
}
