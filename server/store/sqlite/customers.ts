import type { Statement } from 'better-sqlite3';
import type { WithDeleted } from 'rxdb';
import type { Checkpoint } from '../../../replication/index.ts';
import type { Customer } from '../../../schema/index.ts';
import { PosError } from '../../../schema/index.ts';
import type { Sale } from '../../../schema/index.ts';
import type {
  Connection,
  CustomerDuplicateGroup,
  OverLimitCharge,
  PageArgs,
  PullResult,
} from '../cloud-store.ts';
import type { AccountEffect, BookedEntry } from '../core/account-booking.ts';
import { verifyCharge } from '../core/account-booking.ts';
import { checkPageSize, decodeCursor, encodeCursor } from '../cursor.ts';
import type { CustomerAudit, CustomerWrite, StoredCustomer } from '../customer-rules.ts';
import { customerKeys, withoutDeleted } from '../customer-rules.ts';
import { checkLimit } from '../store-input-checks.ts';
import { prepareStatements } from './prepare-statements.ts';
import type { StoreContext } from './store-context.ts';

const CUSTOMERS_SQL = {
  selectByIds: `SELECT c.id, c.seq, c.doc FROM json_each(?) AS j
    JOIN customers AS c ON c.tenant_id = ? AND c.id = j.value`,
  selectMergedInto: `SELECT id FROM customers WHERE tenant_id = ? AND merged_into = ?`,
  // By the customers_id index: the id in any other tenant.
  selectElsewhere: `SELECT 1 FROM customers WHERE id = ? AND tenant_id <> ? LIMIT 1`,
  upsert: `INSERT INTO customers
      (tenant_id, id, seq, merged_into, phone_key, email_key, changed_at, doc)
    VALUES (@tenantId, @id, @seq, @mergedInto, @phoneKey, @emailKey, @changedAt, @doc)
    ON CONFLICT (tenant_id, id) DO UPDATE SET seq = excluded.seq, merged_into = excluded.merged_into,
      phone_key = excluded.phone_key, email_key = excluded.email_key,
      changed_at = excluded.changed_at, doc = excluded.doc`,
  // The pull: a range scan of the (tenant_id, seq) unique index.
  selectAfterSeq: `SELECT id, seq, doc FROM customers
    WHERE tenant_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
  countAll: `SELECT count(*) AS c FROM customers WHERE tenant_id = ?`,
  selectPhoneDuplicates: `SELECT phone_key AS key, doc FROM customers
    WHERE tenant_id = ? AND merged_into IS NULL AND phone_key IN (
      SELECT phone_key FROM customers WHERE tenant_id = ? AND merged_into IS NULL
        AND phone_key IS NOT NULL GROUP BY phone_key HAVING count(*) > 1 LIMIT ?)
    ORDER BY phone_key, seq`,
  selectEmailDuplicates: `SELECT email_key AS key, doc FROM customers
    WHERE tenant_id = ? AND merged_into IS NULL AND email_key IN (
      SELECT email_key FROM customers WHERE tenant_id = ? AND merged_into IS NULL
        AND email_key IS NOT NULL GROUP BY email_key HAVING count(*) > 1 LIMIT ?)
    ORDER BY email_key, seq`,
  insertEntry: `INSERT INTO ledger_entries (tenant_id, seq, sale_id, customer_id, kind, amount_minor,
      branch_id, terminal_id, created_at, verification)
    VALUES (@tenantId, @seq, @saleId, @customerId, @kind, @amountMinor, @branchId, @terminalId,
      @createdAt, @verification)`,
  selectOverLimit: `SELECT * FROM ledger_entries WHERE tenant_id = ? AND verification = 'over_limit'
    AND (? = 'all' OR (? = 'open') = (resolved_at IS NULL)) ORDER BY seq LIMIT 500`,
  selectEntry: `SELECT * FROM ledger_entries WHERE tenant_id = ? AND sale_id = ?`,
  resolveEntry: `UPDATE ledger_entries SET resolved_at = ?, resolved_by = ?, resolution_note = ?
    WHERE tenant_id = ? AND sale_id = ? AND verification = 'over_limit' AND resolved_at IS NULL`,
  sumLedger: `SELECT coalesce(sum(amount_minor), 0) AS balance FROM ledger_entries
    WHERE tenant_id = ? AND customer_id IN (SELECT value FROM json_each(?))`,
} as const;

type Doc = WithDeleted<Customer>;
type Row = { id: string; seq: number; doc: string };

/** Most duplicate groups one query answers, per field. */
const DUPLICATE_GROUPS_MAX = 500;

/**
 * The tenant-wide customers stream. Merging and checking are the shared rules' (`customer-rules.ts`);
 * this part reads masters and writes documents under the seqs they were read at, in one transaction.
 */
export class Customers {
  readonly #ctx: StoreContext;
  readonly #s: Record<keyof typeof CUSTOMERS_SQL, Statement>;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
    this.#s = prepareStatements(ctx.db, CUSTOMERS_SQL);
  }

  #key(tenantId: string) {
    return { tenantId, stream: 'customers' as const, scope: '' };
  }

  async read(tenantId: string, ids: string[]): Promise<Map<string, StoredCustomer>> {
    return this.readNow(tenantId, ids);
  }

  readNow(tenantId: string, ids: string[]): Map<string, StoredCustomer> {
    const rows = this.#s.selectByIds.all(JSON.stringify(ids), tenantId) as Row[];
    return new Map(rows.map((r) => [r.id, { seq: r.seq, doc: JSON.parse(r.doc) as Doc }]));
  }

  async mergedInto(tenantId: string, id: string): Promise<string[]> {
    return this.mergedIntoNow(tenantId, id);
  }

  /** Whether another tenant holds a customer with this id. */
  heldElsewhereNow(tenantId: string, id: string): boolean {
    return this.#s.selectElsewhere.get(id, tenantId) !== undefined;
  }

  mergedIntoNow(tenantId: string, id: string): string[] {
    return (this.#s.selectMergedInto.all(tenantId, id) as { id: string }[]).map((r) => r.id);
  }

  async balance(
    tenantId: string,
    customerIds: string[],
  ): Promise<{ balanceMinor: number; ledgerSeq: number }> {
    return this.#ctx.db.transaction(() => this.balanceNow(tenantId, customerIds))();
  }

  /** The sum of the accounts' entries and the ledger head it covers; call inside a transaction. */
  balanceNow(tenantId: string, customerIds: string[]): { balanceMinor: number; ledgerSeq: number } {
    const { balance } = this.#s.sumLedger.get(tenantId, JSON.stringify(customerIds)) as {
      balance: number;
    };
    const ledgerSeq = this.#ctx.seq.read({ tenantId, stream: 'ledger', scope: '' }).head;
    return { balanceMinor: balance, ledgerSeq };
  }

  async write(
    tenantId: string,
    writes: CustomerWrite[],
    audit?: CustomerAudit,
  ): Promise<{ stale: string[] }> {
    return this.#ctx.db.transaction(() => {
      const now = this.readNow(
        tenantId,
        writes.map((w) => w.doc.id),
      );
      const stale = writes
        .filter((w) => (now.get(w.doc.id)?.seq ?? null) !== w.expectedSeq)
        .map((w) => w.doc.id);
      if (stale.length > 0) return { stale };
      // A customer made offline may arrive after sales charged it: its balance is its ledger's.
      this.writeNow(
        tenantId,
        writes.map((w) =>
          w.expectedSeq === null ? { ...w.doc, ...this.balanceNow(tenantId, [w.doc.id]) } : w.doc,
        ),
      );
      if (audit) {
        this.#ctx.audit.record(tenantId, audit.actor, audit.action, audit.target, audit.details);
      }
      return { stale };
    })();
  }

  /** Writes documents under new seqs of the stream; call inside a write transaction. */
  writeNow(tenantId: string, docs: Doc[]): void {
    if (docs.length === 0) return;
    let seq = this.#ctx.seq.reserve(this.#key(tenantId), docs.length);
    const changedAt = this.#ctx.now().toISOString();
    for (const doc of docs) {
      this.#s.upsert.run({
        tenantId,
        id: doc.id,
        seq: seq++,
        mergedInto: doc.mergedInto,
        ...customerKeys(doc),
        changedAt,
        doc: JSON.stringify(doc),
      });
    }
  }

  async pull(
    tenantId: string,
    checkpoint: Checkpoint | null,
    limit: number,
  ): Promise<PullResult<Customer>> {
    checkLimit(limit);
    return this.#ctx.db.transaction(() => {
      const key = this.#key(tenantId);
      const after = this.#ctx.seq.pullBound(key, checkpoint);
      const read = this.#s.selectAfterSeq.all(tenantId, after, limit + 1) as Row[];
      const { rows, checkpoint: next } = this.#ctx.seq.page(key, after, read, limit);
      return { documents: rows.map((r) => JSON.parse(r.doc) as Doc), checkpoint: next };
    })();
  }

  async list(tenantId: string, page: PageArgs): Promise<Connection<Customer>> {
    const first = checkPageSize(page.first);
    const rows = this.#s.selectAfterSeq.all(tenantId, decodeCursor(page.after), first + 1) as Row[];
    const { c } = this.#s.countAll.get(tenantId) as { c: number };
    const edges = rows.slice(0, first).map((row) => ({
      cursor: encodeCursor(row.seq),
      node: withoutDeleted(JSON.parse(row.doc) as Doc),
    }));
    return {
      totalCount: c,
      edges,
      pageInfo: { endCursor: edges.at(-1)?.cursor ?? null, hasNextPage: rows.length > first },
    };
  }

  async duplicates(tenantId: string): Promise<CustomerDuplicateGroup[]> {
    const groups: CustomerDuplicateGroup[] = [];
    for (const field of ['phone', 'email'] as const) {
      const statement =
        field === 'phone' ? this.#s.selectPhoneDuplicates : this.#s.selectEmailDuplicates;
      const rows = statement.all(tenantId, tenantId, DUPLICATE_GROUPS_MAX) as {
        key: string;
        doc: string;
      }[];
      for (const row of rows) {
        const customer = withoutDeleted(JSON.parse(row.doc) as Doc);
        const last = groups.at(-1);
        if (last?.field === field && last.key === row.key) last.customers.push(customer);
        else groups.push({ field, key: row.key, customers: [customer] });
      }
    }
    return groups;
  }

  /**
   * Books a sale's ledger entry inside the ingest transaction: verifies a charge against the balance
   * before it (the group of the customer it names, merged customers included), appends the entry at
   * the next ledger position and writes the group's new balance onto the customer that stays, so the
   * entry, the booking and the balance commit together.
   */
  bookEntryNow(tenantId: string, sale: Sale, effect: AccountEffect): BookedEntry {
    let root = this.readNow(tenantId, [effect.customerId]).get(effect.customerId);
    for (let hop = 0; root?.doc.mergedInto && hop < 8; hop++) {
      const next: string = root.doc.mergedInto;
      root = this.readNow(tenantId, [next]).get(next);
    }
    const group = root ? [root.doc.id, ...this.mergedIntoNow(tenantId, root.doc.id)] : [];
    const members = [...new Set([...group, effect.customerId])];
    const before = this.balanceNow(tenantId, members).balanceMinor;
    const verification =
      effect.kind === 'charge' ? verifyCharge(effect, before, root?.doc ?? null, sale) : null;
    const seq = this.#ctx.seq.reserve({ tenantId, stream: 'ledger', scope: '' }, 1);
    this.#s.insertEntry.run({
      tenantId,
      seq,
      saleId: sale.id,
      customerId: effect.customerId,
      kind: effect.kind,
      amountMinor: effect.amountMinor,
      branchId: sale.branchId,
      terminalId: sale.terminalId,
      createdAt: sale.createdAt,
      verification,
    });
    // The entry just written is the ledger's head: the balance moves by its amount, no second sum.
    if (root) {
      this.writeNow(tenantId, [
        { ...root.doc, balanceMinor: before + effect.amountMinor, ledgerSeq: seq },
      ]);
    }
    return { verification, ledgerSeq: seq };
  }

  async overLimit(
    tenantId: string,
    status: 'open' | 'resolved' | 'all',
  ): Promise<OverLimitCharge[]> {
    return (this.#s.selectOverLimit.all(tenantId, status, status) as EntryRow[]).map(chargeOf);
  }

  async resolveOverLimit(
    tenantId: string,
    saleId: string,
    note: string,
    actor: string,
  ): Promise<OverLimitCharge> {
    return this.#ctx.db.transaction(() => {
      const row = this.#s.selectEntry.get(tenantId, saleId) as EntryRow | undefined;
      if (!row || row.verification !== 'over_limit') {
        throw new PosError('POS_NOT_FOUND', `no over-limit charge for sale ${saleId}`);
      }
      if (row.resolved_at !== null) return chargeOf(row);
      const at = this.#ctx.now().toISOString();
      this.#s.resolveEntry.run(at, actor, note, tenantId, saleId);
      this.#ctx.audit.record(tenantId, actor, 'resolveOverLimitCharge', saleId, {
        customerId: row.customer_id,
        amountMinor: row.amount_minor,
        note,
      });
      return chargeOf({ ...row, resolved_at: at, resolved_by: actor, resolution_note: note });
    })();
  }

  head(tenantId: string): number {
    return this.#ctx.seq.read(this.#key(tenantId)).head;
  }
}

type EntryRow = {
  seq: number;
  sale_id: string;
  customer_id: string;
  amount_minor: number;
  branch_id: string;
  terminal_id: string;
  created_at: string;
  verification: string | null;
  resolved_at: string | null;
  resolved_by: string | null;
  resolution_note: string | null;
};

function chargeOf(row: EntryRow): OverLimitCharge {
  return {
    saleId: row.sale_id,
    customerId: row.customer_id,
    branchId: row.branch_id,
    terminalId: row.terminal_id,
    amountMinor: row.amount_minor,
    ledgerSeq: row.seq,
    createdAt: row.created_at,
    resolvedAt: row.resolved_at,
    resolvedBy: row.resolved_by,
    resolutionNote: row.resolution_note,
  };
}
