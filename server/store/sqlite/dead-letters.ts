import type { Statement } from 'better-sqlite3';
import type { Sale, SaleBounds } from '../../../schema/index.ts';
import {
  PosError,
  createUuidV7,
  saleIdempotencyKey,
  saleSchema,
  withSaleV2Defaults,
} from '../../../schema/index.ts';
import type {
  Connection,
  DeadLetter,
  IngestProblem,
  PageArgs,
  RejectedEventFilter,
  TerminalScope,
} from '../cloud-store.ts';
import { checkPageSize, decodeCursor, encodeCursor } from '../cursor.ts';
import { prepareStatements } from './prepare-statements.ts';
import type { SaleLedger } from './sale-ledger.ts';
import type { StoreContext } from './store-context.ts';

const DEAD_LETTER_SQL = {
  // The open entry of a payload first, else one an operator discarded.
  selectFiledByPayload: `SELECT id, resolved_at, resolution_note FROM dead_letters
    WHERE tenant_id = ? AND event_key = ? AND payload_hash = ?
      AND (resolved_at IS NULL OR resolution = 'discarded')
    ORDER BY resolved_at IS NOT NULL LIMIT 1`,
  insert: `INSERT INTO dead_letters (tenant_id, id, branch_id, terminal_id, event_key, event_id,
      pos_id, local_event_id, kind, code, message, problems, payload, payload_hash, received_at)
    VALUES (@tenantId, @id, @branchId, @terminalId, @eventKey, @eventId, @posId, @localEventId,
      'sale', @code, @message, @problems, @payload, @payloadHash, @receivedAt)`,
  selectById: `SELECT * FROM dead_letters WHERE tenant_id = ? AND id = ?`,
  // Filters are optional: a NULL parameter switches its condition off.
  selectPage: `SELECT * FROM dead_letters WHERE tenant_id = @tenantId
      AND (@branchId IS NULL OR branch_id = @branchId)
      AND (@terminalId IS NULL OR terminal_id = @terminalId)
      AND (@code IS NULL OR code = @code) AND (@id IS NULL OR id = @id)
      AND (@status = 'all' OR (@status = 'open') = (resolved_at IS NULL))
      AND n > @after ORDER BY n LIMIT @limit`,
  countPage: `SELECT count(*) AS c FROM dead_letters WHERE tenant_id = @tenantId
      AND (@branchId IS NULL OR branch_id = @branchId)
      AND (@terminalId IS NULL OR terminal_id = @terminalId)
      AND (@code IS NULL OR code = @code) AND (@id IS NULL OR id = @id)
      AND (@status = 'all' OR (@status = 'open') = (resolved_at IS NULL))`,
  head: `SELECT max(n) AS n FROM dead_letters WHERE tenant_id = ?`,
  resolve: `UPDATE dead_letters SET resolved_at = ?, resolution = ?, resolution_note = ?,
      resolved_by = ? WHERE tenant_id = ? AND id = ? AND resolved_at IS NULL`,
} as const;

/** The named parameters of the list statements. */
type DeadLetterParams = {
  tenantId: string;
  branchId: string | null;
  terminalId: string | null;
  code: string | null;
  id: string | null;
  status: NonNullable<RejectedEventFilter['status']>;
};

type DeadLetterRow = {
  n: number;
  tenant_id: string;
  id: string;
  branch_id: string;
  terminal_id: string;
  event_key: string;
  event_id: string | null;
  code: string;
  message: string;
  problems: string;
  payload: string;
  received_at: string;
  resolved_at: string | null;
  resolution: 'accepted' | 'discarded' | null;
  resolution_note: string | null;
  resolved_by: string | null;
};

import { deadLetterEventFields, deadLetterIdentity } from '../core/dead-letter-entry.ts';
import { accountEffectOf } from '../core/account-booking.ts';
import { countReturn, returnOriginalId } from '../core/return-booking.ts';
import type { Customers } from './customers.ts';
import type { FiledRefusal, RefusalCode, Refusal } from '../pushed-sale-check.ts';
import {
  checkAcceptedSale,
  hashSaleContent,
  keyAlreadyBooked,
  refusedSaleCopy,
} from '../pushed-sale-check.ts';

export type { Refusal };

/** The dead-letter queue of refused sales and the operator's decisions on it. */
export class DeadLetters {
  readonly #ctx: StoreContext;
  readonly #ledger: SaleLedger;
  readonly #customers: Customers;
  readonly #s: Record<keyof typeof DEAD_LETTER_SQL, Statement>;
  readonly #bounds: SaleBounds;

  constructor(ctx: StoreContext, ledger: SaleLedger, customers: Customers, bounds: SaleBounds) {
    this.#ctx = ctx;
    this.#ledger = ledger;
    this.#customers = customers;
    this.#bounds = bounds;
    this.#s = prepareStatements(ctx.db, DEAD_LETTER_SQL);
  }

  /**
   * Stores a refused payload, inside the ingest transaction. The same payload refused again (a retry
   * of an at-least-once delivery) maps to its open entry instead of a second one, or to the entry an
   * operator discarded: a discard is final.
   */
  record(scope: TerminalScope, payload: unknown, refusal: Refusal): FiledRefusal {
    const { payloadJson, payloadHash, eventKey } = deadLetterIdentity(scope, payload, refusal);
    const filed = this.#s.selectFiledByPayload.get(scope.tenantId, eventKey, payloadHash) as
      { id: string; resolved_at: string | null; resolution_note: string | null } | undefined;
    if (filed) {
      const discardNote = filed.resolved_at === null ? null : (filed.resolution_note ?? '');
      return { rejectedEventId: filed.id, discardNote };
    }
    const id = createUuidV7();
    this.#s.insert.run({
      tenantId: scope.tenantId,
      id,
      ...deadLetterEventFields(scope, payload, refusal),
      eventKey,
      problems: JSON.stringify(refusal.problems),
      payload: payloadJson,
      payloadHash,
      receivedAt: this.#ctx.now().toISOString(),
    });
    return { rejectedEventId: id, discardNote: null };
  }

  list(tenantId: string, filter: RejectedEventFilter, page: PageArgs): Connection<DeadLetter> {
    const first = checkPageSize(page.first);
    const params = this.#filterParams(tenantId, filter);
    const rows = this.#page(params, decodeCursor(page.after), first + 1);
    const { c } = this.#s.countPage.get(params) as { c: number };
    const edges = rows
      .slice(0, first)
      .map((row) => ({ cursor: encodeCursor(row.n), node: deadLetterOfRow(row) }));
    return {
      totalCount: c,
      edges,
      pageInfo: { endCursor: edges.at(-1)?.cursor ?? null, hasNextPage: rows.length > first },
    };
  }

  head(tenantId: string): string | null {
    const { n } = this.#s.head.get(tenantId) as { n: number | null };
    return n === null ? null : encodeCursor(n);
  }

  after(
    tenantId: string,
    filter: RejectedEventFilter,
    after: string | null,
    limit: number,
  ): { entries: DeadLetter[]; cursor: string | null; more: boolean } {
    const first = checkPageSize(limit);
    const rows = this.#page(this.#filterParams(tenantId, filter), decodeCursor(after), first + 1);
    const kept = rows.slice(0, first);
    return {
      entries: kept.map(deadLetterOfRow),
      cursor: kept.length > 0 ? encodeCursor(kept.at(-1)!.n) : after,
      more: rows.length > first,
    };
  }

  #filterParams(tenantId: string, filter: RejectedEventFilter): DeadLetterParams {
    return {
      tenantId,
      branchId: filter.branchId ?? null,
      terminalId: filter.terminalId ?? null,
      code: filter.code ?? null,
      id: filter.id ?? null,
      status: filter.status ?? 'open',
    };
  }

  #page(params: DeadLetterParams, after: number, limit: number): DeadLetterRow[] {
    return this.#s.selectPage.all({ ...params, after, limit }) as DeadLetterRow[];
  }

  /**
   * Books the refused sale as it was received, after `checkAcceptedSale`. Exactly once per key: when a
   * sale is booked under the key already, the same content is that booking (nothing new is booked),
   * other content is refused. Booked like an ingested sale (`accepted_from` ''), so the unique key
   * index admits no second booking; the dead letter and the audit entry keep the decision.
   */
  accept(tenantId: string, id: string, note: string, actor: string): DeadLetter {
    return this.#ctx.db.transaction(() => {
      const row = this.#requireOpen(tenantId, id);
      const sale = checkAcceptedSale(
        {
          payload: JSON.parse(row.payload),
          branchId: row.branch_id,
          terminalId: row.terminal_id,
          receivedAt: row.received_at,
        },
        this.#bounds,
        (posId) => this.#ledger.highestArrived(tenantId, row.terminal_id, [posId]).get(posId) ?? 0,
      );
      const key = saleIdempotencyKey(sale);
      const contentHash = hashSaleContent(sale);
      const stored = this.#ledger.salesByKey(tenantId, key);
      const same = stored.find((r) => r.content_hash === contentHash);
      let booked: Sale;
      if (same) booked = JSON.parse(same.doc) as Sale;
      else if (stored.length > 0) {
        throw keyAlreadyBooked(key, (JSON.parse(stored[0]!.doc) as Sale).invoiceNo);
      } else if (this.#ledger.saleById(tenantId, sale.id) !== null) {
        throw new PosError('POS_INPUT_INVALID', `a sale with id ${sale.id} is already booked`);
      } else {
        const batch = this.#ledger.begin(tenantId, row.branch_id);
        // An accepted account booking takes its ledger entry like an ingested one.
        const effect = accountEffectOf(sale);
        const entry = effect ? this.#customers.bookEntryNow(tenantId, sale, effect) : null;
        booked = batch.book(sale, contentHash, '', entry);
        batch.finish();
        // An accepted return is an exception, but its quantities were returned: later returns count them.
        const originalId = returnOriginalId(sale);
        if (originalId !== null) {
          const counter = this.#ledger.returnCounter(tenantId, originalId);
          this.#ledger.putReturnCounter(tenantId, countReturn(counter, sale));
        }
      }
      this.#resolve(tenantId, id, 'accepted', note, actor);
      this.#ctx.audit.record(tenantId, actor, 'acceptRejectedSale', id, {
        note,
        saleId: sale.id,
        eventKey: key,
        invoiceNo: booked.invoiceNo,
        kind: sale.kind,
        code: row.code,
      });
      return deadLetterOfRow(this.#s.selectById.get(tenantId, id) as DeadLetterRow);
    })();
  }

  /** Closes the entry; a readable sale goes back to its terminal marked as discarded. */
  discard(tenantId: string, id: string, note: string, actor: string): DeadLetter {
    return this.#ctx.db.transaction(() => {
      const row = this.#requireOpen(tenantId, id);
      const parsed = saleSchema.safeParse(withSaleV2Defaults(JSON.parse(row.payload)));
      if (parsed.success) {
        const batch = this.#ledger.begin(tenantId, row.branch_id);
        batch.refuse(
          { tenantId, branchId: row.branch_id, terminalId: row.terminal_id },
          refusedSaleCopy(parsed.data, row.message, note, row.code as RefusalCode),
        );
        batch.finish();
      }
      this.#resolve(tenantId, id, 'discarded', note, actor);
      this.#ctx.audit.record(tenantId, actor, 'discardRejectedSale', id, { note });
      return deadLetterOfRow(this.#s.selectById.get(tenantId, id) as DeadLetterRow);
    })();
  }

  #requireOpen(tenantId: string, id: string): DeadLetterRow {
    const row = this.#s.selectById.get(tenantId, id) as DeadLetterRow | undefined;
    if (!row) throw new PosError('POS_NOT_FOUND', `rejected event ${id} does not exist`);
    if (row.resolved_at !== null) {
      throw new PosError('POS_INPUT_INVALID', `rejected event ${id} is already ${row.resolution}`);
    }
    return row;
  }

  #resolve(
    tenantId: string,
    id: string,
    resolution: 'accepted' | 'discarded',
    note: string,
    actor: string,
  ): void {
    const at = this.#ctx.now().toISOString();
    this.#s.resolve.run(at, resolution, note.slice(0, 2000), actor, tenantId, id);
  }
}

function deadLetterOfRow(row: DeadLetterRow): DeadLetter {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    branchId: row.branch_id,
    terminalId: row.terminal_id,
    eventKey: row.event_key,
    eventId: row.event_id,
    kind: 'sale',
    code: row.code,
    message: row.message,
    problems: JSON.parse(row.problems) as IngestProblem[],
    payload: JSON.parse(row.payload) as unknown,
    receivedAt: row.received_at,
    resolvedAt: row.resolved_at,
    resolution: row.resolution,
    resolutionNote: row.resolution_note,
    resolvedBy: row.resolved_by,
  };
}
