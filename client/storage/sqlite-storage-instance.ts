import type { Statement } from 'better-sqlite3';
import {
  categorizeBulkWriteRows,
  getPrimaryFieldOfPrimaryKey,
  getQueryMatcher,
  getSortComparator,
  now,
} from 'rxdb';
import type {
  BulkWriteRow,
  EventBulk,
  PreparedQuery,
  RxDocumentData,
  RxJsonSchema,
  RxStorageBulkWriteResponse,
  RxStorageChangeEvent,
  RxStorageCountResult,
  RxStorageDefaultCheckpoint,
  RxStorageInstance,
  RxStorageQueryResult,
  StringKeys,
} from 'rxdb';
import type { Observable, Subject } from 'rxjs';
import { createIndexKeysFunction, encodeIndexBound } from './compact-index-key.ts';
import type { DocumentCache } from './document-cache.ts';
import { SqliteStorageError } from './sqlite-database.ts';
import type { TableState } from './sqlite-database.ts';
import type { SqliteDatabaseHandle } from './sqlite-database.ts';
import type { SqliteInstanceOptions, Synchronous } from './sqlite-options.ts';

/** What a storage instance exposes as `internals` (for tools and tests, not for RxDB). */
export type SqliteStorageInternals = {
  handle: SqliteDatabaseHandle;
  table: string;
  indexColumns: readonly IndexColumn[];
};

type IndexColumn = {
  /** The RxDB index, as `fillWithDefaultSettings` rewrote it (`_deleted` first, primary key last). */
  fields: readonly string[];
  column: string;
};

type ChangeBulk<T> = EventBulk<RxStorageChangeEvent<RxDocumentData<T>>, RxStorageDefaultCheckpoint>;

/** Inserts from which a write into a table no larger than the write rebuilds the indexes. */
const BULK_LOAD_MIN_ROWS = 1_000;

/** Rows whose ids go into one `IN (...)` list; below SQLite's default bound-parameter limit. */
const ID_CHUNK = 500;

/**
 * One RxDB collection in one SQLite table:
 * `id` (primary key), `rev`, `deleted`, `lwt`, `data` (the document as JSON, `_attachments` holding
 * only their metadata) and one column `ixN` per RxDB index holding a compact key with the order of
 * RxDB's index string for the row (`compact-index-key.ts`), each with its own SQLite index. A query reads only the range of one
 * index column between the bounds RxDB's query planner computed.
 */
export class SqliteStorageInstance<RxDocType> implements RxStorageInstance<
  RxDocType,
  SqliteStorageInternals,
  SqliteInstanceOptions,
  RxStorageDefaultCheckpoint
> {
  readonly primaryPath: StringKeys<RxDocumentData<RxDocType>>;
  readonly internals: SqliteStorageInternals;
  #closed = false;
  readonly #handle: SqliteDatabaseHandle;
  readonly #table: string;
  readonly #indexColumns: IndexColumn[];
  readonly #indexByName: Map<string, IndexColumn>;
  readonly #lwtIndex: IndexColumn;
  readonly #keysOf: (doc: unknown) => string[];
  readonly #changes: Subject<ChangeBulk<RxDocType>>;
  readonly #cache: DocumentCache<RxDocumentData<RxDocType>>;
  readonly #state: TableState;
  readonly #synchronous: Synchronous;
  readonly #statements: ReturnType<typeof prepareStatements>;
  readonly #selectDataByIds = new Map<number, Statement>();
  readonly #selectRevByIds = new Map<number, Statement>();
  readonly #queryStatements = new Map<string, Statement>();

  constructor(
    readonly databaseName: string,
    readonly collectionName: string,
    readonly schema: Readonly<RxJsonSchema<RxDocumentData<RxDocType>>>,
    readonly options: Readonly<SqliteInstanceOptions>,
    handle: SqliteDatabaseHandle,
    storageSynchronous: Synchronous,
  ) {
    this.primaryPath = getPrimaryFieldOfPrimaryKey(schema.primaryKey);
    this.#handle = handle;
    this.#table = tableName(collectionName, schema.version);
    this.#synchronous = options.synchronous ?? storageSynchronous;
    this.#indexColumns = (schema.indexes ?? []).map((index, i) => {
      const fields = typeof index === 'string' ? [index] : [...index];
      return { fields, column: `ix${i}` };
    });
    this.#indexByName = new Map(this.#indexColumns.map((c) => [c.fields.join(','), c]));
    // RxDB always adds a [_meta.lwt, primaryKey] index; getChangedDocumentsSince reads it, so a schema
    // that comes without one (a storage used directly) gets it as an internal column.
    const lwtFields = ['_meta.lwt', this.primaryPath as string];
    let lwtColumn = this.#indexByName.get(lwtFields.join(','));
    if (!lwtColumn) {
      lwtColumn = { fields: lwtFields, column: 'ixlwt' };
      this.#indexColumns.push(lwtColumn);
    }
    this.#lwtIndex = lwtColumn;
    this.#keysOf = createIndexKeysFunction(
      schema,
      this.#indexColumns.map((c) => c.fields),
    );
    createTable(handle, this.#table, this.#indexColumns);
    this.#statements = prepareStatements(handle, this.#table, this.#indexColumns, lwtColumn);
    this.#state = handle.tableState(this.#table);
    this.#changes = this.#state.changes as Subject<ChangeBulk<RxDocType>>;
    this.#cache = this.#state.cache as DocumentCache<RxDocumentData<RxDocType>>;
    this.internals = { handle, table: this.#table, indexColumns: this.#indexColumns };
  }

  async bulkWrite(
    documentWrites: BulkWriteRow<RxDocType>[],
    context: string,
  ): Promise<RxStorageBulkWriteResponse<RxDocType>> {
    this.#ensureOpen();
    if (!this.schema.attachments) return this.#commitWrite(documentWrites, context, undefined);
    // Blob contents can only be read asynchronously. Writes wait in a queue per table while they read
    // them, so they still commit (and emit) in the order bulkWrite was called: a slow blob must not let
    // a later write of the same document win.
    const state = this.#state;
    const write = state.writeQueue.then(async () => {
      this.#ensureOpen();
      const bytes = await readAttachmentBytes(documentWrites);
      this.#ensureOpen();
      return this.#commitWrite(documentWrites, context, bytes);
    });
    state.writeQueue = write.catch(() => undefined);
    return write;
  }

  /** One write, synchronous from the revision check to the change event. */
  #commitWrite(
    documentWrites: BulkWriteRow<RxDocType>[],
    context: string,
    attachmentBytes: Map<string, Buffer> | undefined,
  ): RxStorageBulkWriteResponse<RxDocType> {
    const primaryPath = this.primaryPath;
    const ids = documentWrites.map((row) => row.document[primaryPath] as string);

    let categorized!: ReturnType<typeof categorizeBulkWriteRows<RxDocType>>;
    this.#handle.useSynchronous(this.#synchronous);
    let written = 0;
    this.#handle.db
      .transaction(() => {
        // The revision check needs only `_rev`; full documents are parsed for conflicts alone.
        const inDb = new Map<string, RxDocumentData<RxDocType>>();
        const tableIsEmpty = this.#statements.countRowsUpTo.get(1) === 0;
        for (const row of tableIsEmpty ? [] : this.#selectByIds(this.#selectRevByIds, 'rev', ids)) {
          const [id, rev] = row;
          inDb.set(id, { _rev: rev } as RxDocumentData<RxDocType>);
        }
        categorized = categorizeBulkWriteRows<RxDocType>(
          this,
          primaryPath as StringKeys<RxDocType>,
          inDb,
          documentWrites,
          context,
        );
        const rebuildIndexes =
          !this.#state.indexesDeferred &&
          this.#shouldRebuildIndexes(categorized.bulkInsertDocs.length);
        if (rebuildIndexes) this.#dropIndexes();
        written += this.#writeRows(categorized.bulkInsertDocs);
        written += this.#writeRows(categorized.bulkUpdateDocs);
        if (rebuildIndexes) this.#createIndexes();
        if (attachmentBytes) this.#writeAttachments(categorized, attachmentBytes);
        this.#fillConflictingDocuments(categorized.errors);
      })
      .immediate();

    // Committed: the cache and the change stream learn of it before anything else can fail. A failed
    // transaction threw above and reached neither.
    for (const row of categorized.bulkInsertDocs) {
      this.#cache.set(row.document[primaryPath] as string, row.document);
    }
    for (const row of categorized.bulkUpdateDocs) {
      this.#cache.set(row.document[primaryPath] as string, row.document);
    }
    if (categorized.eventBulk.events.length > 0 && categorized.newestRow) {
      const newest = categorized.newestRow.document;
      categorized.eventBulk.checkpoint = {
        id: newest[primaryPath] as string,
        lwt: newest._meta.lwt,
      };
      this.#changes.next(categorized.eventBulk);
    }
    this.#handle.afterCommit(written);
    return { error: categorized.errors };
  }

  /**
   * Inserting keys in random order into five B-trees costs far more than sorting them once: a bulk
   * insert at least as large as the table (a first snapshot, a restore) drops the secondary indexes
   * and builds them again inside the same transaction, so readers never see them missing.
   */
  #shouldRebuildIndexes(inserts: number): boolean {
    if (inserts < BULK_LOAD_MIN_ROWS) return false;
    const existing = this.#statements.countRowsUpTo.get(inserts + 1) as number;
    return existing <= inserts;
  }

  /**
   * Runs a load made of several writes (a first snapshot written page by page as it is pulled) with
   * the secondary indexes dropped, and builds them once when it ends, failed or not: one sort per
   * index instead of 100,000 random B-tree inserts. Reads stay correct meanwhile (SQLite scans the
   * table instead of an index). A crash in between leaves no index behind only until the next open,
   * which creates missing indexes. Nested calls join the outer load.
   */
  async deferIndexes<T>(load: () => Promise<T>): Promise<T> {
    this.#ensureOpen();
    const state = this.#state;
    if (state.indexesDeferred) return load();
    this.#handle.db.transaction(() => this.#dropIndexes()).immediate();
    state.indexesDeferred = true;
    try {
      return await load();
    } finally {
      state.indexesDeferred = false;
      if (!this.#closed && !state.removed) {
        this.#handle.db.transaction(() => this.#createIndexes()).immediate();
      }
    }
  }

  #dropIndexes(): void {
    for (const c of this.#indexColumns)
      this.#handle.db.exec(`DROP INDEX IF EXISTS "${this.#table}_${c.column}"`);
  }

  #createIndexes(): void {
    createIndexes(this.#handle, this.#table, this.#indexColumns);
  }

  /** Returns the bytes of JSON written, an estimate of the WAL growth. */
  #writeRows(rows: { document: RxDocumentData<RxDocType> }[]): number {
    const upsert = this.#statements.upsert;
    const columns = this.#indexColumns;
    const params: unknown[] = new Array(5 + columns.length);
    let bytes = 0;
    for (const { document } of rows) {
      const json = JSON.stringify(document);
      bytes += json.length;
      params[0] = document[this.primaryPath];
      params[1] = document._rev;
      params[2] = document._deleted ? 1 : 0;
      params[3] = document._meta.lwt;
      params[4] = json;
      const keys = this.#keysOf(document);
      for (let i = 0; i < columns.length; i++) params[5 + i] = keys[i];
      upsert.run(params);
    }
    return bytes;
  }

  #writeAttachments(
    categorized: ReturnType<typeof categorizeBulkWriteRows<RxDocType>>,
    bytes: Map<string, Buffer>,
  ): void {
    const { putAttachment, deleteAttachment } = this.#statements;
    for (const add of [...categorized.attachmentsAdd, ...categorized.attachmentsUpdate]) {
      const data = bytes.get(add.attachmentData.digest);
      if (!data) continue;
      putAttachment.run(
        this.#table,
        add.documentId,
        add.attachmentId,
        add.digest,
        add.attachmentData.type,
        data,
      );
    }
    for (const remove of categorized.attachmentsRemove) {
      deleteAttachment.run(this.#table, remove.documentId, remove.attachmentId);
    }
  }

  /** A 409 must carry the document as stored, which the revision-only lookup did not parse. */
  #fillConflictingDocuments(
    errors: { status: number; documentId: string; documentInDb?: unknown }[],
  ) {
    const conflicting = errors.filter((e) => e.documentInDb !== undefined).map((e) => e.documentId);
    if (conflicting.length === 0) return;
    const docs = new Map<string, unknown>();
    for (const row of this.#selectByIds(this.#selectDataByIds, 'data', conflicting)) {
      const [id, data] = row;
      docs.set(id, this.#documentOf(id, data));
    }
    for (const error of errors) {
      if (error.documentInDb !== undefined) error.documentInDb = docs.get(error.documentId);
    }
  }

  /** Rows `[id, rev | data, deleted]` of the given ids, in no particular order. */
  #selectByIds(
    cache: Map<number, Statement>,
    column: 'rev' | 'data',
    ids: string[],
  ): [string, string, number][] {
    const rows: [string, string, number][] = [];
    for (let start = 0; start < ids.length; start += ID_CHUNK) {
      const chunk = ids.slice(start, start + ID_CHUNK);
      let statement = cache.get(chunk.length);
      if (!statement) {
        // selectRowsByIds: `id IN (...)` on the primary key; the column list keeps the planner on it.
        statement = this.#handle.db.prepare(
          `SELECT id, ${column}, deleted FROM "${this.#table}" WHERE id IN (${placeholders(chunk.length)})`,
        );
        statement.raw();
        cache.set(chunk.length, statement);
      }
      for (const row of statement.all(chunk) as [string, string, number][]) rows.push(row);
    }
    return rows;
  }

  /** The stored document of a row: from the cache, or parsed once and cached. */
  #documentOf(id: string, data: string): RxDocumentData<RxDocType> {
    let doc = this.#cache.get(id);
    if (doc === undefined) {
      doc = JSON.parse(data) as RxDocumentData<RxDocType>;
      this.#cache.set(id, doc);
    }
    return doc;
  }

  async findDocumentsById(
    ids: string[],
    withDeleted: boolean,
  ): Promise<RxDocumentData<RxDocType>[]> {
    this.#ensureOpen();
    const documents: RxDocumentData<RxDocType>[] = [];
    const misses: string[] = [];
    for (const id of ids) {
      const cached = this.#cache.get(id);
      if (cached === undefined) misses.push(id);
      else if (withDeleted || !cached._deleted) documents.push(cached);
    }
    if (misses.length === 0) return documents;
    for (const row of this.#selectByIds(this.#selectDataByIds, 'data', misses)) {
      const [id, data, deleted] = row;
      if (withDeleted || deleted === 0) documents.push(this.#documentOf(id, data));
    }
    return documents;
  }

  async query(preparedQuery: PreparedQuery<RxDocType>): Promise<RxStorageQueryResult<RxDocType>> {
    this.#ensureOpen();
    const { query, queryPlan } = preparedQuery;
    const skip = query.skip ?? 0;
    const limit = typeof query.limit === 'number' ? query.limit : Infinity;
    const matcher = queryPlan.selectorSatisfiedByIndex
      ? undefined
      : getQueryMatcher(this.schema, query);
    const mustSort = !queryPlan.sortSatisfiedByIndex;
    const select = this.#selectFor(preparedQuery);

    if (select.pagedInSql) {
      const rows = this.#queryStatement(select.sql)
        .raw()
        .all(...select.params) as [string, string][];
      return { documents: rows.map(([id, data]) => this.#documentOf(id, data)) };
    }

    let documents: RxDocumentData<RxDocType>[] = [];
    const wanted = skip + limit;
    for (const [id, data] of this.#queryStatement(select.sql)
      .raw()
      .iterate(...select.params) as IterableIterator<[string, string]>) {
      const doc = this.#documentOf(id, data);
      if (matcher && !matcher(doc)) continue;
      documents.push(doc);
      // In index order the first skip+limit matches are the answer; read no further.
      if (!mustSort && documents.length >= wanted) break;
    }
    if (mustSort) documents = documents.sort(getSortComparator(this.schema, query));
    if (skip > 0 || documents.length > wanted) documents = documents.slice(skip, wanted);
    return { documents };
  }

  async count(preparedQuery: PreparedQuery<RxDocType>): Promise<RxStorageCountResult> {
    this.#ensureOpen();
    const range = this.#rangeOf(preparedQuery);
    if (preparedQuery.queryPlan.selectorSatisfiedByIndex) {
      const sql = `SELECT COUNT(*) FROM "${this.#table}" WHERE ${range.where}`;
      return {
        count: this.#queryStatement(sql)
          .pluck()
          .get(...range.params) as number,
        mode: 'fast',
      };
    }
    const matcher = getQueryMatcher(this.schema, preparedQuery.query);
    const sql = `SELECT id, data FROM "${this.#table}" WHERE ${range.where}`;
    let count = 0;
    for (const [id, data] of this.#queryStatement(sql)
      .raw()
      .iterate(...range.params) as IterableIterator<[string, string]>) {
      if (matcher(this.#documentOf(id, data))) count++;
    }
    // Every matching row had to be parsed: RxDB refuses such counts unless allowSlowCount is set.
    return { count, mode: 'slow' };
  }

  /**
   * The one SELECT a query runs over its index range. LIMIT/OFFSET go into SQL only when the index
   * satisfies both the selector and the sort; otherwise rows are read in index order and RxDB's matcher
   * and sort finish the job.
   */
  #selectFor(preparedQuery: PreparedQuery<RxDocType>): {
    sql: string;
    params: unknown[];
    pagedInSql: boolean;
  } {
    const { query, queryPlan } = preparedQuery;
    const range = this.#rangeOf(preparedQuery);
    const sql = `SELECT id, data FROM "${this.#table}" WHERE ${range.where} ORDER BY ${range.column}`;
    const pagedInSql = queryPlan.selectorSatisfiedByIndex && queryPlan.sortSatisfiedByIndex;
    if (!pagedInSql) return { sql, params: range.params, pagedInSql };
    const limit = typeof query.limit === 'number' ? query.limit : Infinity;
    return {
      sql: `${sql} LIMIT ? OFFSET ?`,
      params: [...range.params, limitParam(limit), query.skip ?? 0],
      pagedInSql,
    };
  }

  /** SQLite's plan for the statement `query()` runs, one line per step (for tools and tests). */
  explainQuery(preparedQuery: PreparedQuery<RxDocType>): string {
    this.#ensureOpen();
    const { sql, params } = this.#selectFor(preparedQuery);
    const steps = this.#handle.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as {
      detail: string;
    }[];
    return steps.map((step) => step.detail).join('\n');
  }

  /** The index column and SQL range condition for a query plan. */
  #rangeOf(preparedQuery: PreparedQuery<RxDocType>): {
    column: string;
    where: string;
    params: string[];
  } {
    const plan = preparedQuery.queryPlan;
    const index = this.#indexByName.get(plan.index.join(','));
    if (!index) {
      // A plan always names one of the schema's indexes; anything else is a bug worth seeing.
      throw new Error(
        `query plan index [${plan.index.join(', ')}] is not an index of ${this.#table}`,
      );
    }
    const lower = encodeIndexBound(this.schema, plan.index, plan.startKeys, 'lower');
    const upper = encodeIndexBound(this.schema, plan.index, plan.endKeys, 'upper');
    const c = index.column;
    return {
      column: c,
      where: `${c} ${plan.inclusiveStart ? '>=' : '>'} ? AND ${c} ${plan.inclusiveEnd ? '<=' : '<'} ?`,
      params: [lower, upper],
    };
  }

  #queryStatement(sql: string): Statement {
    let statement = this.#queryStatements.get(sql);
    if (!statement) {
      statement = this.#handle.db.prepare(sql);
      this.#queryStatements.set(sql, statement);
    }
    return statement;
  }

  async getChangedDocumentsSince(
    limit: number,
    checkpoint?: RxStorageDefaultCheckpoint,
  ): Promise<{ documents: RxDocumentData<RxDocType>[]; checkpoint: RxStorageDefaultCheckpoint }> {
    this.#ensureOpen();
    const after = encodeIndexBound(
      this.schema,
      this.#lwtIndex.fields,
      [checkpoint?.lwt ?? 0, checkpoint?.id ?? ''],
      'lower',
    );
    const rows = this.#statements.changedSince.all(after, limit) as [string, string][];
    const documents = rows.map(([id, data]) => this.#documentOf(id, data));
    const last = documents[documents.length - 1];
    return {
      documents,
      checkpoint: last
        ? { id: last[this.primaryPath] as string, lwt: last._meta.lwt }
        : (checkpoint ?? { id: '', lwt: 0 }),
    };
  }

  changeStream(): Observable<ChangeBulk<RxDocType>> {
    this.#ensureOpen();
    return this.#changes.asObservable();
  }

  async cleanup(minimumDeletedTime: number): Promise<boolean> {
    this.#ensureOpen();
    const olderThan = now() - minimumDeletedTime;
    this.#handle.db.transaction(() => {
      this.#statements.deleteAttachmentsOfPurged.run(this.#table, olderThan);
      this.#statements.purgeDeleted.run(olderThan);
    })();
    // Purged ids are not known one by one; cleanup is rare, so the cache simply starts over.
    this.#cache.clear();
    return true;
  }

  async getAttachmentData(documentId: string, attachmentId: string, digest: string): Promise<Blob> {
    this.#ensureOpen();
    const row = this.#statements.getAttachment.get(this.#table, documentId, attachmentId) as
      { digest: string; type: string; data: Buffer } | undefined;
    if (!row || (digest && row.digest !== digest)) {
      throw new Error(`attachment does not exist: ${documentId}/${attachmentId}`);
    }
    return new Blob([new Uint8Array(row.data)], { type: row.type });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#handle.release();
  }

  async remove(): Promise<void> {
    this.#ensureOpen();
    this.#handle.db.transaction(() => {
      this.#handle.db.prepare('DELETE FROM rx_attachments WHERE tbl = ?').run(this.#table);
      this.#handle.db.exec(`DROP TABLE IF EXISTS "${this.#table}"`);
    })();
    this.#handle.removeTable(this.#table);
    await this.close();
  }

  #ensureOpen(): void {
    if (this.#closed) {
      throw new SqliteStorageError(
        'SQLITE_STORAGE_CLOSED',
        `storage instance ${this.databaseName}/${this.collectionName} is closed`,
      );
    }
    if (this.#state.removed) {
      throw new SqliteStorageError(
        'SQLITE_STORAGE_REMOVED',
        `collection ${this.databaseName}/${this.collectionName} was removed`,
      );
    }
  }
}

/**
 * Schema versions get their own table so that RxDB's migration can read the old one. The name must be
 * injective: RxDB allows `-`, `_`, `$` and both letter cases in collection names, while SQLite names
 * are case-insensitive. Lower-case letters and digits are kept; every other character is `_` plus its
 * code in hex.
 */
function tableName(collectionName: string, version: number): string {
  const safe = collectionName.replace(
    /[^a-z0-9]/g,
    (c) => `_${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  return `rx_${safe}_v${version}`;
}

function createTable(handle: SqliteDatabaseHandle, table: string, indexColumns: IndexColumn[]) {
  const ixColumns = indexColumns.map((c) => `, ${c.column} TEXT NOT NULL`).join('');
  handle.db.exec(
    `CREATE TABLE IF NOT EXISTS "${table}" (
      id TEXT PRIMARY KEY NOT NULL, rev TEXT NOT NULL, deleted INTEGER NOT NULL,
      lwt REAL NOT NULL, data TEXT NOT NULL${ixColumns}
    ) WITHOUT ROWID`,
  );
  createIndexes(handle, table, indexColumns);
}

function createIndexes(handle: SqliteDatabaseHandle, table: string, indexColumns: IndexColumn[]) {
  for (const c of indexColumns) {
    handle.db.exec(`CREATE INDEX IF NOT EXISTS "${table}_${c.column}" ON "${table}" (${c.column})`);
  }
}

function prepareStatements(
  handle: SqliteDatabaseHandle,
  table: string,
  indexColumns: IndexColumn[],
  lwtIndex: IndexColumn,
) {
  const db = handle.db;
  const columns = ['id', 'rev', 'deleted', 'lwt', 'data', ...indexColumns.map((c) => c.column)];
  return {
    // upsert: one statement for inserts and updates; the revision check already happened.
    upsert: db.prepare(
      `INSERT OR REPLACE INTO "${table}" (${columns.join(', ')}) VALUES (${placeholders(columns.length)})`,
    ),
    // changedSince: RxDB's default checkpoint order (lwt, id), strictly after the checkpoint.
    changedSince: db
      .prepare(
        `SELECT id, data FROM "${table}" WHERE ${lwtIndex.column} > ? ORDER BY ${lwtIndex.column} LIMIT ?`,
      )
      .raw(),
    // purgeDeleted: a scan of the narrow columns; cleanup runs rarely and in the background, and an
    // extra index for it would slow every write.
    // countRowsUpTo: counting stops at the bound, so the check costs at most the size of the write.
    countRowsUpTo: db.prepare(`SELECT COUNT(*) FROM (SELECT 1 FROM "${table}" LIMIT ?)`).pluck(),
    purgeDeleted: db.prepare(`DELETE FROM "${table}" WHERE deleted = 1 AND lwt < ?`),
    deleteAttachmentsOfPurged: db.prepare(
      `DELETE FROM rx_attachments WHERE tbl = ? AND doc_id IN
        (SELECT id FROM "${table}" WHERE deleted = 1 AND lwt < ?)`,
    ),
    putAttachment: db.prepare(
      'INSERT OR REPLACE INTO rx_attachments (tbl, doc_id, attachment_id, digest, type, data) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    deleteAttachment: db.prepare(
      'DELETE FROM rx_attachments WHERE tbl = ? AND doc_id = ? AND attachment_id = ?',
    ),
    getAttachment: db.prepare(
      'SELECT digest, type, data FROM rx_attachments WHERE tbl = ? AND doc_id = ? AND attachment_id = ?',
    ),
  };
}

function placeholders(count: number): string {
  return new Array(count).fill('?').join(', ');
}

/** SQLite reads a negative LIMIT as "no limit". */
function limitParam(limit: number): number {
  return Number.isFinite(limit) ? limit : -1;
}

/** Reads every attachment body of a write, keyed by digest. */
async function readAttachmentBytes<T>(rows: BulkWriteRow<T>[]): Promise<Map<string, Buffer>> {
  const bytes = new Map<string, Buffer>();
  for (const row of rows) {
    const attachments = (row.document as { _attachments?: Record<string, any> })._attachments ?? {};
    for (const attachment of Object.values(attachments)) {
      if (attachment.data && !bytes.has(attachment.digest)) {
        const data = attachment.data as Blob | string;
        bytes.set(
          attachment.digest,
          typeof data === 'string' ? Buffer.from(data) : Buffer.from(await data.arrayBuffer()),
        );
      }
    }
  }
  return bytes;
}

/**
 * `deferIndexes` on the SQLite instance under an RxDB storage instance (RxDB wraps the instances it
 * hands to collections); any other storage simply runs the load.
 */
export async function withDeferredIndexes<T>(
  instance: RxStorageInstance<any, any, any>,
  load: () => Promise<T>,
): Promise<T> {
  let current: unknown = instance;
  while (current && !(current instanceof SqliteStorageInstance)) {
    current = (current as { originalStorageInstance?: unknown }).originalStorageInstance;
  }
  return current instanceof SqliteStorageInstance ? current.deferIndexes(load) : load();
}
