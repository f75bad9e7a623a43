import type { Collection } from 'mongodb';
import type { WithDeleted } from 'rxdb';
import type { Checkpoint, ManifestEntry } from '../../../replication/index.ts';
import { computeBucketDigests } from '../../../replication/index.ts';
import { PosError } from '../../../schema/index.ts';
import { UPSERT_MAX } from '../cloud-store.ts';
import type { PullResult } from '../cloud-store.ts';
import { checkBucketCount, checkLimit, sameCatalogContent } from '../store-input-checks.ts';
import type { CatalogKind } from '../catalog-kinds.ts';
import {
  checkManifestBuckets,
  checkedManifest,
  manifestEntryOf,
} from '../core/catalog-manifest.ts';
import { idHash32, viewsByIds } from '../catalog-kinds.ts';
import { parseInput } from '../parse-input.ts';
import type { AuditLog } from './audit-log.ts';
import type { CatalogDoc } from './collections.ts';
import type { StreamKey, StreamSeq } from './stream-seq.ts';

type HashFields = Pick<CatalogDoc<unknown>, 'id' | 'viewHash' | 'branchSpecific' | 'doc'>;

/**
 * One catalog stream on MongoDB: tenant-wide, every write takes new seqs of the tenant's stream
 * (`StreamSeq.write`), every branch pulls the same seq range and gets its view computed per document.
 * The branch projection rules are the SQLite adapter's (`CatalogKind`), shared so both agree.
 */
export class Catalog<TStored extends { id: string; updatedAt: string }, TInput, TView> {
  readonly #coll: Collection<CatalogDoc<TStored>>;
  readonly #kind: CatalogKind<TStored, TInput, TView>;
  readonly #seq: StreamSeq;
  readonly #audit: AuditLog;
  readonly #now: () => Date;

  constructor(
    coll: Collection<CatalogDoc<TStored>>,
    kind: CatalogKind<TStored, TInput, TView>,
    seq: StreamSeq,
    audit: AuditLog,
    now: () => Date,
  ) {
    this.#coll = coll;
    this.#kind = kind;
    this.#seq = seq;
    this.#audit = audit;
    this.#now = now;
  }

  #key(tenantId: string): StreamKey {
    return { tenantId, stream: this.#kind.stream, scope: '' };
  }

  async upsert(tenantId: string, inputs: unknown[], actor: string): Promise<TStored[]> {
    if (inputs.length > UPSERT_MAX) {
      throw new PosError('POS_INPUT_INVALID', `at most ${UPSERT_MAX} rows per upsert`);
    }
    const parsed = inputs.map((input, i) =>
      parseInput(this.#kind.inputSchema, input, `${this.#kind.stream}[${i}]`),
    );
    const changedAt = this.#now().toISOString();
    const stamped = parsed.map((input) => this.#kind.stamp(input, changedAt));
    const stored = await this.#byIds(
      tenantId,
      stamped.map((d) => d.id),
    );
    const result: TStored[] = [];
    const changed = new Map<string, TStored>();
    for (const doc of stamped) {
      const existing = stored.get(doc.id);
      // Re-importing an unchanged row must not wake every terminal: keep its seq and time.
      if (existing && !existing.deleted && sameCatalogContent(existing.doc, doc)) {
        result.push(existing.doc);
        continue;
      }
      result.push(doc);
      changed.set(doc.id, doc);
    }
    await this.#seq.write(
      this.#key(tenantId),
      this.#coll,
      { tenantId },
      `${this.#kind.stream}_seq`,
      [...changed.values()],
      (doc, seq) => ({
        updateOne: {
          filter: { tenantId, id: doc.id },
          update: {
            $set: {
              seq,
              deleted: false,
              changedAt,
              viewHash: this.#kind.sharedViewHash(doc),
              idHash32: idHash32(doc.id),
              branchSpecific: this.#kind.isBranchSpecific(doc),
              doc,
            },
          },
          upsert: true,
        },
      }),
      // Two admins creating the same new id at once: the loser retries as an update.
      async (_doc, indexName) => indexName === `${this.#kind.stream}_id`,
    );
    await this.#audit.record(tenantId, actor, `upsert:${this.#kind.stream}`, null, {
      count: inputs.length,
      changed: changed.size,
      ids: [...changed.keys()].slice(0, 50),
    });
    return result;
  }

  async delete(tenantId: string, ids: string[], actor: string): Promise<string[]> {
    if (ids.length > UPSERT_MAX) {
      throw new PosError('POS_INPUT_INVALID', `at most ${UPSERT_MAX} ids per delete`);
    }
    const stored = await this.#byIds(tenantId, [...new Set(ids)]);
    const live = [...new Set(ids)].filter((id) => stored.get(id)?.deleted === false);
    const changedAt = this.#now().toISOString();
    await this.#seq.write(
      this.#key(tenantId),
      this.#coll,
      { tenantId },
      `${this.#kind.stream}_seq`,
      live,
      (id, seq) => ({
        updateOne: {
          filter: { tenantId, id },
          update: { $set: { deleted: true, seq, changedAt } },
          // Never inserts: the row is live. A write that lost a race for this row's seq
          // (`withSeqSlot`) meets its id instead and goes again.
          upsert: true,
        },
      }),
      async (_id, indexName) => indexName === `${this.#kind.stream}_id`,
    );
    await this.#audit.record(tenantId, actor, `delete:${this.#kind.stream}`, null, {
      count: live.length,
      ids: live.slice(0, 50),
    });
    return live;
  }

  async #byIds(tenantId: string, ids: string[]): Promise<Map<string, CatalogDoc<TStored>>> {
    const docs = await this.#coll
      .find({ tenantId, id: { $in: ids } }, { projection: { _id: 0 } })
      .toArray();
    return new Map(docs.map((d) => [d.id, d as CatalogDoc<TStored>]));
  }

  async getLive(tenantId: string, ids: string[]): Promise<TStored[]> {
    const found = await this.#byIds(tenantId, ids);
    return [...found.values()].filter((d) => !d.deleted).map((d) => d.doc);
  }

  async pull(
    tenantId: string,
    branchId: string,
    checkpoint: Checkpoint | null,
    limit: number,
  ): Promise<PullResult<TView>> {
    checkLimit(limit);
    // The pull: `seq > C` ordered by seq, a range scan of the unique (tenantId, seq) index.
    const { rows, checkpoint: next } = await this.#seq.pull(
      this.#key(tenantId),
      checkpoint,
      limit,
      (after, n) =>
        this.#coll
          .find(
            { tenantId, seq: { $gt: after } },
            { sort: { seq: 1 }, limit: n, projection: { _id: 0 } },
          )
          .toArray() as Promise<CatalogDoc<TStored>[]>,
      this.#coll,
      { tenantId },
    );
    return {
      documents: rows.map((row) => this.#branchDocument(row, branchId)),
      checkpoint: next,
    };
  }

  async byIds(tenantId: string, branchId: string, ids: string[]): Promise<WithDeleted<TView>[]> {
    const live = await this.getLive(tenantId, [...new Set(ids)]);
    return viewsByIds(this.#kind, ids, new Map(live.map((doc) => [doc.id, doc])), branchId);
  }

  #branchDocument(row: CatalogDoc<TStored>, branchId: string): WithDeleted<TView> {
    const view = row.deleted ? null : this.#kind.viewOf(row.doc, branchId);
    return view === null
      ? { ...this.#kind.tombstoneOf(row.id), _deleted: true }
      : { ...view, _deleted: false };
  }

  async head(tenantId: string): Promise<number> {
    return this.#seq.head(this.#key(tenantId), this.#coll, { tenantId });
  }

  async digests(
    tenantId: string,
    branchId: string,
    bucketCount: number,
  ): Promise<{ digests: string[]; checkpoint: Checkpoint }> {
    checkBucketCount(bucketCount);
    // The head first: the digests reflect at least this checkpoint.
    const head = await this.head(tenantId);
    const rows = await this.#liveHashes(tenantId, null);
    return {
      digests: computeBucketDigests(this.#entries(rows, branchId), bucketCount),
      checkpoint: { seq: head },
    };
  }

  async manifest(
    tenantId: string,
    branchId: string,
    bucketCount: number,
    buckets: number[],
  ): Promise<{ entries: ManifestEntry[]; checkpoint: Checkpoint }> {
    checkManifestBuckets(bucketCount, buckets);
    const head = await this.head(tenantId);
    const rows = await this.#liveHashes(tenantId, { bucketCount, buckets });
    const entries = checkedManifest(this.#entries(rows, branchId));
    return { entries, checkpoint: { seq: head } };
  }

  /**
   * Live rows with their shared view hash; the document only matters where the view is branch-specific.
   * The bucket filter runs here rather than as `$mod` in the query: mongo-java-server evaluates `$mod`
   * in 32-bit ints and misses hashes above 2^31, and on real MongoDB the `$mod` would only filter
   * inside the same (tenantId, deleted, idHash32) index scan, so nothing is lost by doing it here.
   */
  async #liveHashes(
    tenantId: string,
    inBuckets: { bucketCount: number; buckets: number[] } | null,
  ): Promise<HashFields[]> {
    const rows = (await this.#coll
      .find(
        { tenantId, deleted: false },
        { projection: { _id: 0, id: 1, viewHash: 1, branchSpecific: 1, idHash32: 1, doc: 1 } },
      )
      .toArray()) as (HashFields & { idHash32: number })[];
    if (!inBuckets) return rows;
    const wanted = new Set(inBuckets.buckets);
    return rows.filter((row) => wanted.has(row.idHash32 % inBuckets.bucketCount));
  }

  #entries(rows: HashFields[], branchId: string): ManifestEntry[] {
    const entries: ManifestEntry[] = [];
    for (const row of rows) {
      const stored = row.branchSpecific ? (row.doc as TStored) : null;
      const entry = manifestEntryOf(this.#kind, branchId, row.id, row.viewHash, stored);
      if (entry) entries.push(entry);
    }
    return entries;
  }
}
