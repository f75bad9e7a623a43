import type { Statement } from 'better-sqlite3';
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
import { prepareStatements } from './prepare-statements.ts';
import type { StoreContext } from './store-context.ts';
import type { StreamKey } from './stream-seq.ts';

type CatalogRow = { id: string; seq: number; deleted: number; doc: string };
type HashRow = { id: string; branch_specific: number; view_hash: string; doc: string | null };

/** The statements of one catalog table (`products` or `categories`), by name. */
function catalogSql(table: 'products' | 'categories') {
  const branchSpecific = table === 'products' ? 'branch_specific' : '0';
  const extraColumn = table === 'products' ? ', branch_specific' : '';
  const extraValue = table === 'products' ? ', @branchSpecific' : '';
  const extraSet = table === 'products' ? ', branch_specific = excluded.branch_specific' : '';
  return {
    selectOne: `SELECT id, seq, deleted, doc FROM ${table} WHERE tenant_id = ? AND id = ?`,
    upsert: `INSERT INTO ${table}
        (tenant_id, id, seq, deleted, changed_at, view_hash, id_hash32, doc${extraColumn})
      VALUES (@tenantId, @id, @seq, 0, @changedAt, @viewHash, @idHash32, @doc${extraValue})
      ON CONFLICT (tenant_id, id) DO UPDATE SET seq = excluded.seq, deleted = 0,
        changed_at = excluded.changed_at, view_hash = excluded.view_hash, doc = excluded.doc${extraSet}`,
    markDeleted: `UPDATE ${table} SET deleted = 1, seq = ?, changed_at = ? WHERE tenant_id = ? AND id = ?`,
    // The pull: a range scan of the (tenant_id, seq) unique index.
    selectAfterSeq: `SELECT id, seq, deleted, doc FROM ${table}
      WHERE tenant_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
    selectByIds: `SELECT t.id, t.seq, t.deleted, t.doc FROM json_each(?) AS j
      JOIN ${table} AS t ON t.tenant_id = ? AND t.id = j.value`,
    // Parse the document only where the view differs between branches.
    selectLiveHashes: `SELECT id, ${branchSpecific} AS branch_specific, view_hash,
        CASE WHEN ${branchSpecific} THEN doc END AS doc
      FROM ${table} WHERE tenant_id = ? AND deleted = 0`,
    selectLiveHashesInBuckets: `SELECT id, ${branchSpecific} AS branch_specific, view_hash,
        CASE WHEN ${branchSpecific} THEN doc END AS doc
      FROM ${table} WHERE tenant_id = ? AND deleted = 0
        AND (id_hash32 % ?) IN (SELECT value FROM json_each(?))`,
  };
}

/**
 * One catalog stream: tenant-wide, so every write takes seqs from the tenant's stream head and every
 * branch pulls the same seq range; the branch view is computed per document while reading.
 */
export class Catalog<TStored extends { id: string; updatedAt: string }, TInput, TView> {
  readonly #ctx: StoreContext;
  readonly #kind: CatalogKind<TStored, TInput, TView>;
  readonly #s: Record<keyof ReturnType<typeof catalogSql>, Statement>;

  constructor(ctx: StoreContext, kind: CatalogKind<TStored, TInput, TView>) {
    this.#ctx = ctx;
    this.#kind = kind;
    this.#s = prepareStatements(ctx.db, catalogSql(kind.stream));
  }

  #key(tenantId: string): StreamKey {
    return { tenantId, stream: this.#kind.stream, scope: '' };
  }

  upsert(tenantId: string, inputs: unknown[], actor: string): TStored[] {
    if (inputs.length > UPSERT_MAX) {
      throw new PosError('POS_INPUT_INVALID', `at most ${UPSERT_MAX} rows per upsert`);
    }
    const parsed = inputs.map((input, i) =>
      parseInput(this.#kind.inputSchema, input, `${this.#kind.stream}[${i}]`),
    );
    return this.#ctx.db.transaction(() => {
      const changedAt = this.#ctx.now().toISOString();
      const result: TStored[] = [];
      const changed: TStored[] = [];
      for (const input of parsed) {
        const stamped = this.#kind.stamp(input, changedAt);
        const existing = this.#s.selectOne.get(tenantId, stamped.id) as CatalogRow | undefined;
        // Re-importing an unchanged row must not wake every terminal: keep its seq and time.
        if (existing && existing.deleted === 0) {
          const stored = JSON.parse(existing.doc) as TStored;
          if (sameCatalogContent(stored, stamped)) {
            result.push(stored);
            continue;
          }
        }
        result.push(stamped);
        changed.push(stamped);
      }
      let seq = changed.length > 0 ? this.#ctx.seq.reserve(this.#key(tenantId), changed.length) : 0;
      for (const doc of changed) {
        this.#s.upsert.run({
          tenantId,
          id: doc.id,
          seq: seq++,
          changedAt,
          viewHash: this.#kind.sharedViewHash(doc),
          idHash32: idHash32(doc.id),
          doc: JSON.stringify(doc),
          ...(this.#kind.stream === 'products'
            ? { branchSpecific: this.#kind.isBranchSpecific(doc) ? 1 : 0 }
            : {}),
        });
      }
      this.#ctx.audit.record(tenantId, actor, `upsert:${this.#kind.stream}`, null, {
        count: inputs.length,
        changed: changed.length,
        ids: changed.slice(0, 50).map((d) => d.id),
      });
      return result;
    })();
  }

  delete(tenantId: string, ids: string[], actor: string): string[] {
    if (ids.length > UPSERT_MAX) {
      throw new PosError('POS_INPUT_INVALID', `at most ${UPSERT_MAX} ids per delete`);
    }
    return this.#ctx.db.transaction(() => {
      const live = [...new Set(ids)].filter((id) => {
        const row = this.#s.selectOne.get(tenantId, id) as CatalogRow | undefined;
        return row !== undefined && row.deleted === 0;
      });
      const changedAt = this.#ctx.now().toISOString();
      let seq = live.length > 0 ? this.#ctx.seq.reserve(this.#key(tenantId), live.length) : 0;
      for (const id of live) this.#s.markDeleted.run(seq++, changedAt, tenantId, id);
      this.#ctx.audit.record(tenantId, actor, `delete:${this.#kind.stream}`, null, {
        count: live.length,
        ids: live.slice(0, 50),
      });
      return live;
    })();
  }

  getLive(tenantId: string, ids: string[]): TStored[] {
    return (this.#s.selectByIds.all(JSON.stringify(ids), tenantId) as CatalogRow[])
      .filter((row) => row.deleted === 0)
      .map((row) => JSON.parse(row.doc) as TStored);
  }

  pull(
    tenantId: string,
    branchId: string,
    checkpoint: Checkpoint | null,
    limit: number,
  ): PullResult<TView> {
    checkLimit(limit);
    // One read transaction: the floor check and the page come from the same snapshot.
    return this.#ctx.db.transaction(() => {
      const key = this.#key(tenantId);
      const after = this.#ctx.seq.pullBound(key, checkpoint);
      const read = this.#s.selectAfterSeq.all(tenantId, after, limit + 1) as CatalogRow[];
      const { rows, checkpoint: next } = this.#ctx.seq.page(key, after, read, limit);
      return {
        documents: rows.map((row) => this.#branchDocument(row, branchId)),
        checkpoint: next,
      };
    })();
  }

  byIds(tenantId: string, branchId: string, ids: string[]): WithDeleted<TView>[] {
    const live = this.getLive(tenantId, ids);
    return viewsByIds(this.#kind, ids, new Map(live.map((doc) => [doc.id, doc])), branchId);
  }

  #branchDocument(row: CatalogRow, branchId: string): WithDeleted<TView> {
    const doc = JSON.parse(row.doc) as TStored;
    const view = row.deleted === 0 ? this.#kind.viewOf(doc, branchId) : null;
    return view === null
      ? { ...this.#kind.tombstoneOf(row.id), _deleted: true }
      : { ...view, _deleted: false };
  }

  digests(
    tenantId: string,
    branchId: string,
    bucketCount: number,
  ): { digests: string[]; checkpoint: Checkpoint } {
    checkBucketCount(bucketCount);
    return this.#ctx.db.transaction(() => {
      const rows = this.#s.selectLiveHashes.all(tenantId) as HashRow[];
      return {
        digests: computeBucketDigests(this.#entries(rows, branchId), bucketCount),
        checkpoint: { seq: this.#ctx.seq.read(this.#key(tenantId)).head },
      };
    })();
  }

  manifest(
    tenantId: string,
    branchId: string,
    bucketCount: number,
    buckets: number[],
  ): { entries: ManifestEntry[]; checkpoint: Checkpoint } {
    checkManifestBuckets(bucketCount, buckets);
    return this.#ctx.db.transaction(() => {
      const rows = this.#s.selectLiveHashesInBuckets.all(
        tenantId,
        bucketCount,
        JSON.stringify(buckets),
      ) as HashRow[];
      const entries = checkedManifest(this.#entries(rows, branchId));
      return { entries, checkpoint: { seq: this.#ctx.seq.read(this.#key(tenantId)).head } };
    })();
  }

  /** id→hash of the branch view; products outside the branch's assortment are not in the view. */
  #entries(rows: HashRow[], branchId: string): ManifestEntry[] {
    const entries: ManifestEntry[] = [];
    for (const row of rows) {
      const stored =
        row.branch_specific === 0 || row.doc === null ? null : (JSON.parse(row.doc) as TStored);
      const entry = manifestEntryOf(this.#kind, branchId, row.id, row.view_hash, stored);
      if (entry) entries.push(entry);
    }
    return entries;
  }
}
