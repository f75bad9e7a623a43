import type { Statement } from 'better-sqlite3';
import type { Sale } from '../../../schema/index.ts';
import { saleIdempotencyKey } from '../../../schema/index.ts';
import type { TerminalScope } from '../cloud-store.ts';
import type { BookedEntry } from '../core/account-booking.ts';
import type { ReturnCounter } from '../core/return-booking.ts';
import { emptyReturnCounter, returnOriginalId, storedSale } from '../core/return-booking.ts';
import { prepareStatements } from './prepare-statements.ts';
import type { StoreContext } from './store-context.ts';

const LEDGER_SQL = {
  selectSalesByKey: `SELECT id, content_hash, accepted_from, doc FROM sales
    WHERE tenant_id = ? AND event_key = ?`,
  selectSaleById: `SELECT id, doc FROM sales WHERE tenant_id = ? AND id = ?`,
  selectNextInvoiceNo: `SELECT next_invoice_no FROM branches WHERE tenant_id = ? AND id = ?`,
  updateNextInvoiceNo: `UPDATE branches SET next_invoice_no = ? WHERE tenant_id = ? AND id = ?`,
  insertSale: `INSERT INTO sales (tenant_id, id, branch_id, terminal_id, pos_id, local_event_id,
      event_key, content_hash, invoice_no, created_at, ingested_at, accepted_from, doc, kind, return_of)
    VALUES (@tenantId, @id, @branchId, @terminalId, @posId, @localEventId, @eventKey, @contentHash,
      @invoiceNo, @createdAt, @ingestedAt, @acceptedFrom, @doc, @kind, @returnOf)`,
  selectReturnCounter: `SELECT doc FROM return_counters WHERE tenant_id = ? AND sale_id = ?`,
  upsertReturnCounter: `INSERT INTO return_counters (tenant_id, sale_id, doc) VALUES (?, ?, ?)
    ON CONFLICT (tenant_id, sale_id) DO UPDATE SET doc = excluded.doc`,
  selectAck: `SELECT ingested, doc FROM sale_acks WHERE tenant_id = ? AND branch_id = ? AND sale_id = ?`,
  upsertAck: `INSERT INTO sale_acks (tenant_id, branch_id, terminal_id, sale_id, seq, ingested, doc)
    VALUES (@tenantId, @branchId, @terminalId, @saleId, @seq, @ingested, @doc)
    ON CONFLICT (tenant_id, branch_id, sale_id) DO UPDATE SET seq = excluded.seq,
      terminal_id = excluded.terminal_id, ingested = excluded.ingested, doc = excluded.doc`,
  selectPosProgress: `SELECT highest_contiguous, highest_seen FROM pos_progress
    WHERE tenant_id = ? AND terminal_id = ? AND pos_id = ?`,
  upsertPosProgress: `INSERT INTO pos_progress
      (tenant_id, terminal_id, pos_id, branch_id, highest_contiguous, highest_seen)
    VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (tenant_id, terminal_id, pos_id) DO UPDATE SET
      highest_contiguous = excluded.highest_contiguous, highest_seen = excluded.highest_seen`,
  selectSaleEventExists: `SELECT 1 FROM sales
    WHERE tenant_id = ? AND terminal_id = ? AND pos_id = ? AND local_event_id = ? LIMIT 1`,
  selectRejectedEventExists: `SELECT 1 FROM dead_letters
    WHERE tenant_id = ? AND terminal_id = ? AND pos_id = ? AND local_event_id = ? LIMIT 1`,
} as const;

export type StoredSaleRow = {
  id: string;
  content_hash: string;
  accepted_from: string;
  doc: string;
};

type PosProgress = { contiguous: number; seen: number; branchId: string };

/**
 * The write side of sales inside one transaction: invoice numbers, booked sales, the acknowledgements
 * stream and lost-sale progress. Create one per transaction (`begin`), call `finish` before commit: it
 * writes the batched counters (invoice number, acks with their seqs, pos progress) once per batch
 * instead of once per sale.
 */
export class SaleLedger {
  readonly #ctx: StoreContext;
  readonly #s: Record<keyof typeof LEDGER_SQL, Statement>;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
    this.#s = prepareStatements(ctx.db, LEDGER_SQL);
  }

  salesByKey(tenantId: string, key: string): StoredSaleRow[] {
    return this.#s.selectSalesByKey.all(tenantId, key) as StoredSaleRow[];
  }

  saleById(tenantId: string, id: string): Sale | null {
    const row = this.#s.selectSaleById.get(tenantId, id) as { doc: string } | undefined;
    return row ? storedSale(JSON.parse(row.doc) as Sale) : null;
  }

  /** What was returned of `saleId` so far; call inside the write transaction that books. */
  returnCounter(tenantId: string, saleId: string): ReturnCounter {
    const row = this.#s.selectReturnCounter.get(tenantId, saleId) as { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as ReturnCounter) : emptyReturnCounter(saleId);
  }

  /** Stores a counter; SQLite serialises writers, so the version needs no guard here. */
  putReturnCounter(tenantId: string, counter: ReturnCounter): void {
    this.#s.upsertReturnCounter.run(tenantId, counter.saleId, JSON.stringify(counter));
  }

  /** Lost-sale progress: the highest `localEventId` that arrived from each of these installations. */
  highestArrived(tenantId: string, terminalId: string, posIds: string[]): Map<string, number> {
    const highest = new Map<string, number>();
    for (const posId of posIds) {
      const row = this.#s.selectPosProgress.get(tenantId, terminalId, posId) as
        { highest_seen: number } | undefined;
      if (row) highest.set(posId, row.highest_seen);
    }
    return highest;
  }

  begin(tenantId: string, branchId: string): LedgerBatch {
    return new LedgerBatch(this.#ctx, this.#s, tenantId, branchId);
  }
}

/** The pending writes of one transaction on one branch. */
export class LedgerBatch {
  readonly #ctx: StoreContext;
  readonly #s: Record<keyof typeof LEDGER_SQL, Statement>;
  readonly #tenantId: string;
  readonly #branchId: string;
  readonly #ingestedAt: string;
  #nextInvoiceNo: number | null = null;
  /** Acknowledgements to write, with their document already serialised (`doc`, JSON). */
  readonly #acks = new Map<string, { terminalId: string; ingested: boolean; doc: string }>();
  readonly #progress = new Map<string, PosProgress>();

  constructor(
    ctx: StoreContext,
    s: Record<keyof typeof LEDGER_SQL, Statement>,
    tenantId: string,
    branchId: string,
  ) {
    this.#ctx = ctx;
    this.#s = s;
    this.#tenantId = tenantId;
    this.#branchId = branchId;
    this.#ingestedAt = ctx.now().toISOString();
  }

  /** Books a sale: next invoice number of the branch, the ingested copy, its acknowledgement. */
  book(
    sale: Sale,
    contentHash: string,
    acceptedFrom: string,
    entry: BookedEntry | null = null,
  ): Sale {
    if (this.#nextInvoiceNo === null) {
      const row = this.#s.selectNextInvoiceNo.get(this.#tenantId, this.#branchId) as
        { next_invoice_no: number } | undefined;
      if (!row) throw new Error(`branch ${this.#branchId} has no invoice counter`);
      this.#nextInvoiceNo = row.next_invoice_no;
    }
    const ingested: Sale = {
      ...sale,
      invoiceNo: this.#nextInvoiceNo++,
      ingestedAt: this.#ingestedAt,
      // Cloud fields: what a terminal sent in them is not the cloud's word.
      accountVerification: entry?.verification ?? null,
      accountLedgerSeq: entry?.ledgerSeq ?? null,
      syncState: 'synced',
      lastError: null,
      syncAttempts: 0,
    };
    const doc = JSON.stringify(ingested);
    this.#s.insertSale.run({
      tenantId: this.#tenantId,
      id: sale.id,
      branchId: this.#branchId,
      terminalId: sale.terminalId,
      posId: sale.posId,
      localEventId: sale.localEventId,
      eventKey: saleIdempotencyKey(sale),
      contentHash,
      invoiceNo: ingested.invoiceNo,
      createdAt: sale.createdAt,
      ingestedAt: this.#ingestedAt,
      acceptedFrom,
      doc,
      kind: sale.kind,
      returnOf: returnOriginalId(sale),
    });
    // The acknowledgement carries the same document: serialised once for both rows.
    this.#acks.set(sale.id, { terminalId: sale.terminalId, ingested: true, doc });
    this.noteEvent(sale.terminalId, sale.posId, sale.localEventId);
    return ingested;
  }

  /**
   * Tells the terminal its sale was refused or discarded (`refused`, from `refusedSaleCopy`), unless the
   * ingested copy of that sale id is already in its stream: the booked copy wins (sales conflict
   * handler).
   */
  refuse(scope: TerminalScope, refused: Sale): Sale {
    const pending = this.#acks.get(refused.id);
    if (pending?.ingested) return refused;
    const stored = this.#s.selectAck.get(this.#tenantId, this.#branchId, refused.id) as
      { ingested: number; doc: string } | undefined;
    if (stored?.ingested === 1) return refused;
    const doc = JSON.stringify(refused);
    if (stored && stored.doc === doc) return refused;
    this.#acks.set(refused.id, { terminalId: scope.terminalId, ingested: false, doc });
    return refused;
  }

  /** Lost-sale detection: a localEventId arrived (booked or dead-lettered). */
  noteEvent(terminalId: string, posId: string, localEventId: number): void {
    const key = `${terminalId}\u0000${posId}`;
    let progress = this.#progress.get(key);
    if (!progress) {
      const row = this.#s.selectPosProgress.get(this.#tenantId, terminalId, posId) as
        { highest_contiguous: number; highest_seen: number } | undefined;
      progress = {
        contiguous: row?.highest_contiguous ?? 0,
        seen: row?.highest_seen ?? 0,
        branchId: this.#branchId,
      };
      this.#progress.set(key, progress);
    }
    progress.seen = Math.max(progress.seen, localEventId);
    if (localEventId !== progress.contiguous + 1) return;
    progress.contiguous = localEventId;
    // An event that arrived earlier out of order may close the next gap too.
    while (this.#arrived(terminalId, posId, progress.contiguous + 1)) progress.contiguous++;
  }

  #arrived(terminalId: string, posId: string, localEventId: number): boolean {
    const args = [this.#tenantId, terminalId, posId, localEventId];
    return (
      this.#s.selectSaleEventExists.get(...args) !== undefined ||
      this.#s.selectRejectedEventExists.get(...args) !== undefined
    );
  }

  /** Writes the batched counters and the acknowledgements, taking their seqs now. */
  finish(): void {
    if (this.#nextInvoiceNo !== null) {
      this.#s.updateNextInvoiceNo.run(this.#nextInvoiceNo, this.#tenantId, this.#branchId);
    }
    if (this.#acks.size > 0) {
      let seq = this.#ctx.seq.reserve(
        { tenantId: this.#tenantId, stream: 'sales', scope: this.#branchId },
        this.#acks.size,
      );
      for (const [saleId, ack] of this.#acks) {
        this.#s.upsertAck.run({
          tenantId: this.#tenantId,
          branchId: this.#branchId,
          terminalId: ack.terminalId,
          saleId,
          seq: seq++,
          ingested: ack.ingested ? 1 : 0,
          doc: ack.doc,
        });
      }
    }
    for (const [key, p] of this.#progress) {
      const [terminalId, posId] = key.split('\u0000') as [string, string];
      this.#s.upsertPosProgress.run(
        this.#tenantId,
        terminalId,
        posId,
        p.branchId,
        p.contiguous,
        p.seen,
      );
    }
  }
}
