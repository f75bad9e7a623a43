import type { Collection } from 'mongodb';
import type { WithDeleted } from 'rxdb';
import type { Checkpoint } from '../../../replication/index.ts';
import type { Customer } from '../../../schema/index.ts';
import type { Connection, CustomerDuplicateGroup, PageArgs, PullResult } from '../cloud-store.ts';
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
    for (const [index, { doc, expectedSeq }] of writes.entries()) {
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

  async head(tenantId: string): Promise<number> {
    return this.#seq.head(this.#key(tenantId), this.#coll, { tenantId });
  }
}
