import type { Collection } from 'mongodb';
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
import type { CustomerAudit, CustomerWrite, StoredCustomer } from '../customer-rules.ts';
import { checkPageSize, decodeCursor, encodeCursor } from '../cursor.ts';
import { customerKeys, withoutDeleted } from '../customer-rules.ts';
import { checkLimit } from '../store-input-checks.ts';
import type { AuditLog } from './audit-log.ts';
import type { CustomerDoc, LedgerEntryDoc } from './collections.ts';
import type { StreamSeq } from './stream-seq.ts';

type Doc = WithDeleted<Customer>;

/** Most duplicate groups one query answers, per field. */
const DUPLICATE_GROUPS_MAX = 500;

/**
 * The tenant-wide customers stream. Merging and checking are the shared rules' (`customer-rules.ts`);
 * this part reads masters and writes each document only over the seq it was read at (the filter
 * carries it), in the order given, stopping at the first that moved meanwhile.
 */
export class Customers {
  readonly #coll: Collection<CustomerDoc>;
  readonly #ledger: Collection<LedgerEntryDoc>;
  readonly #seq: StreamSeq;
  readonly #audit: AuditLog;
  readonly #now: () => Date;

  constructor(
    coll: Collection<CustomerDoc>,
    ledger: Collection<LedgerEntryDoc>,
    seq: StreamSeq,
    audit: AuditLog,
    now: () => Date,
  ) {
    this.#coll = coll;
    this.#ledger = ledger;
    this.#seq = seq;
    this.#audit = audit;
    this.#now = now;
  }

  #key(tenantId: string) {
    return { tenantId, stream: 'customers' as const, scope: '' };
  }

  async read(tenantId: string, ids: string[]): Promise<Map<string, StoredCustomer>> {
    const rows = await this.#coll
      .find(
        { tenantId, id: { $in: ids } },
        { projection: { _id: 0, id: 1, seq: 1, doc: 1 }, readConcern: { level: 'local' } },
      )
      .toArray();
    return new Map(rows.map((r) => [r.id, { seq: r.seq, doc: r.doc }]));
  }

  /** Which of these customer ids another tenant holds (one query, none for no ids). */
  async heldElsewhere(tenantId: string, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.#coll
      .find({ id: { $in: ids }, tenantId: { $ne: tenantId } }, { projection: { _id: 0, id: 1 } })
      .toArray();
    return new Set(rows.map((r) => r.id));
  }

  async mergedInto(tenantId: string, id: string): Promise<string[]> {
    const rows = await this.#coll
      .find({ tenantId, mergedInto: id }, { projection: { _id: 0, id: 1 } })
      .toArray();
    return rows.map((r) => r.id);
  }

  /**
   * The ledger head first, then the sum of the entries up to it: ledger seqs become visible in order
   * (docs/design.md#seqs-on-mongodb), so every entry at or below the head is there to be summed.
   */
  async balance(
    tenantId: string,
    customerIds: string[],
  ): Promise<{ balanceMinor: number; ledgerSeq: number }> {
    const ledgerSeq = await this.#seq.head(
      { tenantId, stream: 'ledger', scope: '' },
      this.#ledger,
      { tenantId },
      true,
    );
    const [sum] = await this.#ledger
      .aggregate<{ total: number }>(
        [
          { $match: { tenantId, customerId: { $in: customerIds }, seq: { $lte: ledgerSeq } } },
          { $group: { _id: null, total: { $sum: '$amountMinor' } } },
        ],
        { readConcern: { level: 'local' } },
      )
      .toArray();
    return { balanceMinor: sum?.total ?? 0, ledgerSeq };
  }

  async write(
    tenantId: string,
    writes: CustomerWrite[],
    audit?: CustomerAudit,
  ): Promise<{ stale: string[] }> {
    for (const [index, write] of writes.entries()) {
      const { expectedSeq } = write;
      // A customer made offline may arrive after sales charged it: its balance is its ledger's.
      const doc =
        expectedSeq === null
          ? { ...write.doc, ...(await this.balance(tenantId, [write.doc.id])) }
          : write.doc;
      const { applied } = await this.#seq.write(
        this.#key(tenantId),
        this.#coll,
        { tenantId },
        'customers_seq',
        [doc],
        (d, seq) => ({
          updateOne: {
            filter: { tenantId, id: d.id, seq: expectedSeq ?? -1 },
            update: {
              $set: {
                seq,
                mergedInto: d.mergedInto,
                ...customerKeys(d),
                changedAt: this.#now().toISOString(),
                doc: d,
              },
            },
            upsert: expectedSeq === null,
          },
        }),
        // Created concurrently: the caller merges against that one.
        async () => false,
      );
      if (applied === 0) return { stale: writes.slice(index).map((w) => w.doc.id) };
    }
    if (audit) {
      await this.#audit.record(tenantId, audit.actor, audit.action, audit.target, audit.details);
    }
    return { stale: [] };
  }

  async pull(
    tenantId: string,
    checkpoint: Checkpoint | null,
    limit: number,
  ): Promise<PullResult<Customer>> {
    checkLimit(limit);
    const { rows, checkpoint: next } = await this.#seq.pull(
      this.#key(tenantId),
      checkpoint,
      limit,
      (after, n) =>
        this.#coll
          .find(
            { tenantId, seq: { $gt: after } },
            { sort: { seq: 1 }, limit: n, projection: { _id: 0, seq: 1, doc: 1 } },
          )
          .toArray(),
      this.#coll,
      { tenantId },
    );
    return { documents: rows.map((r) => r.doc), checkpoint: next };
  }

  async list(tenantId: string, page: PageArgs): Promise<Connection<Customer>> {
    const first = checkPageSize(page.first);
    const after = decodeCursor(page.after);
    const [rows, totalCount] = await Promise.all([
      this.#coll
        .find(
          { tenantId, seq: { $gt: after } },
          { sort: { seq: 1 }, limit: first + 1, projection: { _id: 0, seq: 1, doc: 1 } },
        )
        .toArray(),
      this.#coll.countDocuments({ tenantId }),
    ]);
    const edges = rows
      .slice(0, first)
      .map((row) => ({ cursor: encodeCursor(row.seq), node: withoutDeleted(row.doc) }));
    return {
      totalCount,
      edges,
      pageInfo: { endCursor: edges.at(-1)?.cursor ?? null, hasNextPage: rows.length > first },
    };
  }

  async duplicates(tenantId: string): Promise<CustomerDuplicateGroup[]> {
    const groups: CustomerDuplicateGroup[] = [];
    for (const field of ['phone', 'email'] as const) {
      const key = field === 'phone' ? 'phoneKey' : 'emailKey';
      const found = await this.#coll
        .aggregate<{ _id: string; docs: Doc[] }>([
          { $match: { tenantId, mergedInto: null, [key]: { $type: 'string' } } },
          { $sort: { seq: 1 } },
          { $group: { _id: `$${key}`, docs: { $push: '$doc' }, n: { $sum: 1 } } },
          { $match: { n: { $gt: 1 } } },
          { $sort: { _id: 1 } },
          { $limit: DUPLICATE_GROUPS_MAX },
        ])
        .toArray();
      for (const group of found) {
        groups.push({ field, key: group._id, customers: group.docs.map(withoutDeleted) });
      }
    }
    return groups;
  }

  /**
   * Books a sale's ledger entry after its booking: the entry takes the next ledger position (the
   * unique sale index makes a redelivery find the entry it wrote before), a charge is verified
   * against the entries before its own position, and the balance of the customer that stays is
   * written only over an older one (`ledgerSeq` below the new), so concurrent bookings never lower it.
   */
  async bookEntry(tenantId: string, sale: Sale, effect: AccountEffect): Promise<BookedEntry> {
    let entry = await this.#ledger.findOne({ tenantId, saleId: sale.id });
    if (!entry) {
      await this.#seq.write(
        { tenantId, stream: 'ledger', scope: '' },
        this.#ledger,
        { tenantId },
        'ledger_seq',
        [sale],
        (s, seq) => ({
          insertOne: {
            document: {
              tenantId,
              seq,
              saleId: s.id,
              customerId: effect.customerId,
              kind: effect.kind,
              amountMinor: effect.amountMinor,
              branchId: s.branchId,
              terminalId: s.terminalId,
              createdAt: s.createdAt,
              verification: null,
              resolvedAt: null,
              resolvedBy: null,
              resolutionNote: null,
            },
          },
        }),
        // Written by a concurrent redelivery of the same sale: that one is the entry.
        async () => false,
      );
      entry = await this.#ledger.findOne({ tenantId, saleId: sale.id });
      if (!entry) throw new Error(`ledger entry of ${sale.id} missing after its write`);
    }
    let root = (await this.read(tenantId, [effect.customerId])).get(effect.customerId);
    for (let hop = 0; root?.doc.mergedInto && hop < 8; hop++) {
      const next: string = root.doc.mergedInto;
      root = (await this.read(tenantId, [next])).get(next);
    }
    const members = [
      ...new Set([
        effect.customerId,
        ...(root ? [root.doc.id, ...(await this.mergedInto(tenantId, root.doc.id))] : []),
      ]),
    ];
    let verification = entry.verification;
    if (effect.kind === 'charge' && verification === null) {
      const [before] = await this.#ledger
        .aggregate<{ total: number }>([
          { $match: { tenantId, customerId: { $in: members }, seq: { $lt: entry.seq } } },
          { $group: { _id: null, total: { $sum: '$amountMinor' } } },
        ])
        .toArray();
      verification = verifyCharge(effect, before?.total ?? 0, root?.doc ?? null, sale);
      await this.#ledger.updateOne({ tenantId, saleId: sale.id }, { $set: { verification } });
    }
    if (root) await this.#writeBalance(tenantId, root.doc.id, members);
    return { verification, ledgerSeq: entry.seq };
  }

  async #writeBalance(tenantId: string, id: string, members: string[]): Promise<void> {
    const { balanceMinor, ledgerSeq } = await this.balance(tenantId, members);
    await this.#seq.write(
      this.#key(tenantId),
      this.#coll,
      { tenantId },
      'customers_seq',
      [id],
      (customerId, seq) => ({
        updateOne: {
          filter: { tenantId, id: customerId, 'doc.ledgerSeq': { $lt: ledgerSeq } },
          update: {
            $set: {
              seq,
              changedAt: this.#now().toISOString(),
              'doc.balanceMinor': balanceMinor,
              'doc.ledgerSeq': ledgerSeq,
            },
          },
        },
      }),
    );
  }

  async overLimit(
    tenantId: string,
    status: 'open' | 'resolved' | 'all',
  ): Promise<OverLimitCharge[]> {
    const resolved =
      status === 'all' ? {} : { resolvedAt: status === 'open' ? null : { $ne: null } };
    const rows = await this.#ledger
      .find({ tenantId, verification: 'over_limit', ...resolved }, { sort: { seq: 1 }, limit: 500 })
      .toArray();
    return rows.map(chargeOf);
  }

  async resolveOverLimit(
    tenantId: string,
    saleId: string,
    note: string,
    actor: string,
  ): Promise<OverLimitCharge> {
    const at = this.#now().toISOString();
    const updated = await this.#ledger.findOneAndUpdate(
      { tenantId, saleId, verification: 'over_limit', resolvedAt: null },
      { $set: { resolvedAt: at, resolvedBy: actor, resolutionNote: note } },
      { returnDocument: 'after' },
    );
    if (updated) {
      await this.#audit.record(tenantId, actor, 'resolveOverLimitCharge', saleId, {
        customerId: updated.customerId,
        amountMinor: updated.amountMinor,
        note,
      });
      return chargeOf(updated);
    }
    const row = await this.#ledger.findOne({ tenantId, saleId, verification: 'over_limit' });
    if (!row) throw new PosError('POS_NOT_FOUND', `no over-limit charge for sale ${saleId}`);
    return chargeOf(row);
  }

  async head(tenantId: string): Promise<number> {
    return this.#seq.head(this.#key(tenantId), this.#coll, { tenantId });
  }
}

function chargeOf(row: LedgerEntryDoc): OverLimitCharge {
  return {
    saleId: row.saleId,
    customerId: row.customerId,
    branchId: row.branchId,
    terminalId: row.terminalId,
    amountMinor: row.amountMinor,
    ledgerSeq: row.seq,
    createdAt: row.createdAt,
    resolvedAt: row.resolvedAt,
    resolvedBy: row.resolvedBy,
    resolutionNote: row.resolutionNote,
  };
}
