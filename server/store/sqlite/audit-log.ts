import type { Database, Statement } from 'better-sqlite3';
import type { AuditEntry, AuditFilter, Connection, PageArgs } from '../cloud-store.ts';
import { checkPageSize, decodeCursor, encodeCursor } from '../cursor.ts';
import { resolveAuditRecord, type AuditRecordOptions } from '../core/audit-entry.ts';

type AuditRow = {
  n: number;
  tenant_id: string;
  at: string;
  actor: string;
  action: string;
  entity_type: string;
  target: string | null;
  details: string;
  offline: number;
};

/** The condition of each filter. */
const AUDIT_CONDITIONS = {
  entityType: 'entity_type = @entityType',
  entityId: 'target = @entityId',
  actor: 'actor = @actor',
  from: 'at >= @from',
  to: 'at < @to',
  offline: 'offline = @offline',
} as const satisfies Record<keyof AuditFilter, string>;

type AuditStatements = { page: Statement; count: Statement };

/** The audit trail of admin writes; `record` runs inside the write's own transaction. */
export class AuditLog {
  readonly #db: Database;
  readonly #now: () => Date;
  readonly #insert: Statement;
  /**
   * Statements per set of filters given: only the conditions in use reach SQLite, so the planner can
   * use the index of each (`x IS NULL OR col = x` would hide them). At most 2^6 entries.
   */
  readonly #byFilters = new Map<string, AuditStatements>();

  constructor(db: Database, now: () => Date) {
    this.#db = db;
    this.#now = now;
    this.#insert = db.prepare(/* insertAuditEntry */ `INSERT INTO audit_log
      (tenant_id, at, actor, action, entity_type, target, details, offline)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  }

  #statementsFor(keys: (keyof AuditFilter)[]): AuditStatements {
    const cacheKey = keys.join(',');
    let statements = this.#byFilters.get(cacheKey);
    if (statements === undefined) {
      const where = ['tenant_id = @tenantId', ...keys.map((key) => AUDIT_CONDITIONS[key])].join(
        ' AND ',
      );
      statements = {
        page: this.#db.prepare(/* selectAuditPage */ `SELECT * FROM audit_log
          WHERE ${where} AND n > @after ORDER BY n LIMIT @limit`),
        count: this.#db.prepare(
          /* countAuditEntries */ `SELECT count(*) AS c FROM audit_log WHERE ${where}`,
        ),
      };
      this.#byFilters.set(cacheKey, statements);
    }
    return statements;
  }

  record(
    tenantId: string,
    actor: string,
    action: string,
    target: string | null,
    details: Record<string, unknown> = {},
    options: AuditRecordOptions = {},
  ): void {
    const { entityType, offline } = resolveAuditRecord(action, options);
    this.#insert.run(
      tenantId,
      this.#now().toISOString(),
      actor,
      action,
      entityType,
      target,
      JSON.stringify(details),
      offline ? 1 : 0,
    );
  }

  list(tenantId: string, page: PageArgs, filter: AuditFilter = {}): Connection<AuditEntry> {
    const first = checkPageSize(page.first);
    const keys = (Object.keys(AUDIT_CONDITIONS) as (keyof AuditFilter)[]).filter(
      (key) => filter[key] !== undefined,
    );
    const params: Record<string, string | number> = { tenantId };
    for (const key of keys) {
      const value = filter[key]!;
      params[key] = typeof value === 'boolean' ? Number(value) : value;
    }
    const statements = this.#statementsFor(keys);
    return this.#db.transaction(() => {
      const rows = statements.page.all({
        ...params,
        after: decodeCursor(page.after),
        limit: first + 1,
      }) as AuditRow[];
      const { c } = statements.count.get(params) as { c: number };
      const edges = rows.slice(0, first).map((row) => ({
        cursor: encodeCursor(row.n),
        node: auditEntryOfRow(row),
      }));
      return {
        totalCount: c,
        edges,
        pageInfo: { endCursor: edges.at(-1)?.cursor ?? null, hasNextPage: rows.length > first },
      };
    })();
  }
}

function auditEntryOfRow(row: AuditRow): AuditEntry {
  return {
    id: String(row.n),
    tenantId: row.tenant_id,
    at: row.at,
    actor: row.actor,
    action: row.action,
    entityType: row.entity_type,
    target: row.target,
    details: JSON.parse(row.details) as Record<string, unknown>,
    offline: row.offline === 1,
  };
}
