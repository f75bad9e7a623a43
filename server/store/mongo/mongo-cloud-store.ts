import type { Db } from 'mongodb';
import { MongoClient } from 'mongodb';
import type { Checkpoint } from '../../../replication/index.ts';
import type {
  Branch,
  BranchProduct,
  Category,
  CategoryInput,
  Product,
  ProductInput,
  SaleBounds,
  Tenant,
  Terminal,
} from '../../../schema/index.ts';
import { DEFAULT_SALE_BOUNDS, PosError, isPosError } from '../../../schema/index.ts';
import { DEFAULT_RETENTION_MS, DEFAULT_STALE_AFTER_MS } from '../cloud-store.ts';
import type {
  BranchInput,
  CatalogStream,
  CloudStore,
  InventoryPushRow,
  PageArgs,
  PruneReport,
  RejectedEventFilter,
  SalesFilter,
  StreamHeads,
  TerminalContact,
  TerminalScope,
  TerminalStatus,
} from '../cloud-store.ts';
import { categoryKind, productKind } from '../catalog-kinds.ts';
import { AuditTrail } from './audit-trail.ts';
import { CatalogCollection } from './catalog-collection.ts';
import type { Collections, TerminalDoc } from './collections.ts';
import { collectionsOf, ensureIndexes } from './collections.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';
import { InventoryCollection } from './inventory-collection.ts';
import { pruneMongo } from './retention.ts';
import { ingestSales } from './sale-ingest.ts';
import { SaleLedger } from './sale-ledger.ts';
import { SalesQueries } from './sales-queries.ts';
import type { StoreLogger } from './stream-seq.ts';
import { StreamSeq } from './stream-seq.ts';
import { TenancyCollections, terminalOfDoc } from './tenancy-collections.ts';
import { checkProductBatch, productBatchReferences } from '../product-batch-check.ts';
import { productBatchFacts } from './product-references.ts';

/** Options of `openMongoCloudStore`. */
export type MongoCloudStoreOptions = {
  /** Connection string, e.g. `mongodb://a,b,c/?replicaSet=rs0`. */
  url: string;
  /** Database name. Default `pos_sync`. */
  dbName?: string;
  /** Age after which tombstones and audit entries may be pruned. Default `DEFAULT_RETENTION_MS`. */
  retentionMs?: number;
  /** A terminal without contact for longer is stale in the admin view. Default `DEFAULT_STALE_AFTER_MS`. */
  staleAfterMs?: number;
  /**
   * How long an operation waits for a usable server before it fails with `POS_SYNC_STORAGE_FAILED`
   * (the terminal retries later). Default 5 s: longer than a replica-set election, short enough that a
   * push does not hang.
   */
  serverSelectionTimeoutMs?: number;
  /** Where bounded retries (seq and invoice collisions) are logged. Default: nowhere. */
  logger?: StoreLogger;
  /** How far a pushed sale may stray from the server's clock and its event ids. Default `DEFAULT_SALE_BOUNDS`. */
  saleBounds?: SaleBounds;
  /** The clock, for tests. */
  now?: () => Date;
};

/** Options after defaults. */
export type ResolvedMongoCloudStoreOptions = Required<Omit<MongoCloudStoreOptions, 'logger'>> & {
  logger: StoreLogger;
};

function resolveOptions(options: MongoCloudStoreOptions): ResolvedMongoCloudStoreOptions {
  return {
    url: options.url,
    dbName: options.dbName ?? 'pos_sync',
    retentionMs: options.retentionMs ?? DEFAULT_RETENTION_MS,
    staleAfterMs: options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS,
    serverSelectionTimeoutMs: options.serverSelectionTimeoutMs ?? 5_000,
    logger: options.logger ?? { warn: () => {} },
    saleBounds: options.saleBounds ?? DEFAULT_SALE_BOUNDS,
    now: options.now ?? (() => new Date()),
  };
}

/** Connects, creates the collections' indexes (idempotent) and the default tenant. */
export async function openMongoCloudStore(
  options: MongoCloudStoreOptions,
): Promise<MongoCloudStore> {
  const resolved = resolveOptions(options);
  const client = new MongoClient(resolved.url, {
    serverSelectionTimeoutMS: resolved.serverSelectionTimeoutMs,
    // An optional field left undefined must stay absent, not become null: content hashes depend on it.
    ignoreUndefined: true,
  });
  try {
    await client.connect();
    const store = new MongoCloudStore(resolved, client, client.db(resolved.dbName));
    await store.init();
    return store;
  } catch (error) {
    await client.close();
    if (isPosError(error)) throw error;
    throw new PosError(
      'POS_SYNC_STORAGE_FAILED',
      'cannot open the MongoDB store',
      {},
      { cause: error },
    );
  }
}

/**
 * The `CloudStore` on MongoDB for several server instances sharing one replica set. No multi-document
 * transactions: every invariant rests on single-document writes and unique indexes (seqs, invoice
 * numbers, idempotency keys), written `w: "majority"` and read `readConcern: "majority"`.
 */
export class MongoCloudStore implements CloudStore {
  readonly options: ResolvedMongoCloudStoreOptions;
  readonly #client: MongoClient;
  readonly #db: Db;
  #closed = false;
  readonly #c: Collections;
  readonly #seq: StreamSeq;
  readonly #audit: AuditTrail;
  readonly #tenancy: TenancyCollections;
  readonly #products: CatalogCollection<Product, ProductInput, BranchProduct>;
  readonly #categories: CatalogCollection<Category, CategoryInput, Category>;
  readonly #inventory: InventoryCollection;
  readonly #ledger: SaleLedger;
  readonly #deadLetters: DeadLetterQueue;
  readonly #sales: SalesQueries;

  constructor(options: ResolvedMongoCloudStoreOptions, client: MongoClient, db: Db) {
    this.options = options;
    this.#client = client;
    this.#db = db;
    const now = options.now;
    this.#c = collectionsOf(db);
    this.#seq = new StreamSeq(this.#c.streamHeads, options.logger);
    this.#audit = new AuditTrail(this.#c.auditLog, now);
    this.#tenancy = new TenancyCollections(this.#c, this.#audit, now);
    this.#products = new CatalogCollection(
      this.#c.products,
      productKind,
      this.#seq,
      this.#audit,
      now,
    );
    this.#categories = new CatalogCollection(
      this.#c.categories,
      categoryKind,
      this.#seq,
      this.#audit,
      now,
    );
    this.#inventory = new InventoryCollection(
      this.#c.inventory,
      this.#c.inventoryCreators,
      this.#seq,
      now,
    );
    this.#ledger = new SaleLedger(this.#c, this.#seq, options.logger, now);
    this.#deadLetters = new DeadLetterQueue(
      this.#c,
      this.#ledger,
      this.#audit,
      now,
      options.saleBounds,
    );
    this.#sales = new SalesQueries(this.#c, this.#seq);
  }

  /** Indexes and the default tenant; safe to run on every start of every instance. */
  async init(): Promise<void> {
    await ensureIndexes(this.#c);
    await this.#tenancy.ensureDefaultTenant();
  }

  /** The collections, for index checks in tests (`explain()`); queries stay in this folder. */
  get collections(): Collections {
    return this.#c;
  }

  /** Runs a store operation; anything but a `PosError` becomes `POS_SYNC_STORAGE_FAILED`. */
  async #run<T>(operation: () => Promise<T>): Promise<T> {
    // The driver would silently reconnect a closed client; a closed store must refuse instead.
    if (this.#closed) throw new PosError('POS_SYNC_STORAGE_FAILED', 'the store is closed');
    try {
      return await operation();
    } catch (error) {
      if (isPosError(error)) throw error;
      throw new PosError('POS_SYNC_STORAGE_FAILED', undefined, {}, { cause: error });
    }
  }

  createTenant = (input: Tenant, actor: string) =>
    this.#run(() => this.#tenancy.createTenant(input, actor));
  listTenants = () => this.#run(() => this.#tenancy.listTenants());
  createAdminToken = (
    tenantId: string,
    name: string,
    actor: string,
    options?: { expiresAt?: string | null },
  ) => this.#run(() => this.#tenancy.createAdminToken(tenantId, name, actor, options));
  listAdminTokens = (tenantId: string | null) =>
    this.#run(() => this.#tenancy.listAdminTokens(tenantId));
  revokeAdminToken = (tenantId: string | null, tokenId: string, actor: string) =>
    this.#run(() => this.#tenancy.revokeAdminToken(tenantId, tokenId, actor));
  verifyAdminToken = (token: string) => this.#run(() => this.#tenancy.verifyAdminToken(token));
  getRootTokenHash = () => this.#run(() => this.#tenancy.getRootTokenHash());
  setRootTokenHash = (hash: string) => this.#run(() => this.#tenancy.setRootTokenHash(hash));

  createBranch = (tenantId: string, input: BranchInput, actor: string): Promise<Branch> =>
    this.#run(() => this.#tenancy.createBranch(tenantId, input, actor));
  listBranches = (tenantId: string) => this.#run(() => this.#tenancy.listBranches(tenantId));
  getBranch = (tenantId: string, branchId: string) =>
    this.#run(() => this.#tenancy.getBranch(tenantId, branchId));
  registerTerminal = (tenantId: string, input: { branchId: string; name: string }, actor: string) =>
    this.#run(() => this.#tenancy.registerTerminal(tenantId, input, actor));
  revokeTerminal = (tenantId: string, terminalId: string, actor: string): Promise<Terminal> =>
    this.#run(() => this.#tenancy.revokeTerminal(tenantId, terminalId, actor));
  reassignTerminal = (tenantId: string, terminalId: string, branchId: string, actor: string) =>
    this.#run(() => this.#tenancy.reassignTerminal(tenantId, terminalId, branchId, actor));
  getTerminal = (tenantId: string, terminalId: string) =>
    this.#run(() => this.#tenancy.getTerminal(tenantId, terminalId));
  verifyTerminalToken = (token: string) =>
    this.#run(() => this.#tenancy.verifyTerminalToken(token));
  recordTerminalContact = (scope: TerminalScope, contact: TerminalContact) =>
    this.#run(() => this.#tenancy.recordTerminalContact(scope, contact));

  upsertProducts = (tenantId: string, inputs: ProductInput[], actor: string) =>
    this.#run(async () => {
      await this.#tenancy.requireTenant(tenantId);
      const { rows, references } = productBatchReferences(inputs);
      checkProductBatch(rows, await productBatchFacts(this.#c, tenantId, references));
      return this.#products.upsert(tenantId, rows, actor);
    });
  deleteProducts = (tenantId: string, ids: string[], actor: string) =>
    this.#run(() => this.#products.delete(tenantId, ids, actor));
  upsertCategories = (tenantId: string, inputs: CategoryInput[], actor: string) =>
    this.#run(async () => {
      await this.#tenancy.requireTenant(tenantId);
      return this.#categories.upsert(tenantId, inputs, actor);
    });
  deleteCategories = (tenantId: string, ids: string[], actor: string) =>
    this.#run(() => this.#categories.delete(tenantId, ids, actor));
  getProducts = (tenantId: string, ids: string[]) =>
    this.#run(() => this.#products.getLive(tenantId, ids));

  pullProducts = (tenantId: string, branchId: string, cp: Checkpoint | null, limit: number) =>
    this.#run(() => this.#products.pull(tenantId, branchId, cp, limit));
  pullCategories = (tenantId: string, cp: Checkpoint | null, limit: number) =>
    this.#run(() => this.#categories.pull(tenantId, '', cp, limit));
  pullInventory = (tenantId: string, branchId: string, cp: Checkpoint | null, limit: number) =>
    this.#run(() => this.#inventory.pull(tenantId, branchId, cp, limit));
  pullSales = (scope: TerminalScope, cp: Checkpoint | null, limit: number) =>
    this.#run(() => this.#sales.pullSales(scope, cp, limit));
  productsByIds = (tenantId: string, branchId: string, ids: string[]) =>
    this.#run(() => this.#products.byIds(tenantId, branchId, ids));
  categoriesByIds = (tenantId: string, ids: string[]) =>
    this.#run(() => this.#categories.byIds(tenantId, '', ids));

  ingestSales = (scope: TerminalScope, sales: unknown[]) =>
    this.#run(async () => {
      const branch = await this.#tenancy.requireBranch(scope.tenantId, scope.branchId);
      return ingestSales(
        this.#ledger,
        this.#deadLetters,
        scope,
        { currency: branch.currency, now: this.options.now(), bounds: this.options.saleBounds },
        sales,
      );
    });
  pushInventory = (scope: TerminalScope, rows: InventoryPushRow[]) =>
    this.#run(() => this.#inventory.push(scope, rows));
  repairInventory = (
    tenantId: string,
    branchId: string,
    options: { dryRun: boolean },
    actor: string,
  ) =>
    this.#run(async () => {
      await this.#tenancy.requireBranch(tenantId, branchId);
      return this.#inventory.repair(tenantId, branchId, options, actor, this.#audit);
    });

  listRejectedEvents = (tenantId: string, filter: RejectedEventFilter, page: PageArgs) =>
    this.#run(() => this.#deadLetters.list(tenantId, filter, page));
  acceptRejectedSale = (tenantId: string, id: string, note: string, actor: string) =>
    this.#run(() => this.#deadLetters.accept(tenantId, id, note, actor));
  discardRejectedSale = (tenantId: string, id: string, note: string, actor: string) =>
    this.#run(() => this.#deadLetters.discard(tenantId, id, note, actor));

  querySales = (tenantId: string, filter: SalesFilter, page: PageArgs) =>
    this.#run(() => this.#sales.querySales(tenantId, filter, page));
  saleGaps = (tenantId: string, filter: { branchId?: string; terminalId?: string }) =>
    this.#run(() => this.#sales.saleGaps(tenantId, filter));
  listTerminalStatus = (
    tenantId: string,
    filter: { branchId?: string; staleAfterMs?: number; now?: Date },
  ) =>
    this.#run(async () => {
      const now = filter.now ?? this.options.now();
      const staleAfterMs = filter.staleAfterMs ?? this.options.staleAfterMs;
      const docs = await this.#tenancy.terminalDocs(tenantId, filter.branchId ?? null);
      const heads = new Map<string, Promise<StreamHeads>>();
      return Promise.all(
        docs.map(async (doc) => {
          if (!heads.has(doc.branchId)) {
            heads.set(doc.branchId, this.#streamHeads(tenantId, doc.branchId));
          }
          const scope = { tenantId, branchId: doc.branchId, terminalId: doc.id };
          return statusOf(
            doc,
            await heads.get(doc.branchId)!,
            await this.#sales.terminalAckHead(scope),
            await this.#sales.saleGaps(tenantId, { terminalId: doc.id }),
            now,
            staleAfterMs,
          );
        }),
      );
    });
  listAuditLog = (tenantId: string, page: PageArgs) =>
    this.#run(() => this.#audit.list(tenantId, page));

  catalogDigests = (tenantId: string, branchId: string, stream: CatalogStream, count: number) =>
    this.#run(() => this.#catalog(stream).digests(tenantId, branchId, count));
  catalogManifest = (
    tenantId: string,
    branchId: string,
    stream: CatalogStream,
    count: number,
    buckets: number[],
  ) => this.#run(() => this.#catalog(stream).manifest(tenantId, branchId, count, buckets));
  streamHeads = (tenantId: string, branchId: string) =>
    this.#run(() => this.#streamHeads(tenantId, branchId));

  prune = (options: { olderThanMs?: number; now?: Date } = {}): Promise<PruneReport> =>
    this.#run(() => {
      const now = options.now ?? this.options.now();
      const olderThanMs = options.olderThanMs ?? this.options.retentionMs;
      return pruneMongo(this.#c, this.#seq, new Date(now.getTime() - olderThanMs));
    });

  ping = () =>
    this.#run(async () => {
      await this.#db.command({ ping: 1 });
    });

  /** Contacts are written as they come (one small update), so there is nothing to flush. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#client.close();
  }

  #catalog(stream: CatalogStream) {
    if (stream === 'products') return this.#products;
    if (stream === 'categories') return this.#categories;
    throw new PosError('POS_INPUT_INVALID', `unknown catalog stream ${String(stream)}`);
  }

  async #streamHeads(tenantId: string, branchId: string): Promise<StreamHeads> {
    const [products, categories, inventory, sales] = await Promise.all([
      this.#products.head(tenantId),
      this.#categories.head(tenantId),
      this.#inventory.head(tenantId, branchId),
      this.#seq.head({ tenantId, stream: 'sales', scope: branchId }, this.#c.saleAcks, {
        tenantId,
        branchId,
      }),
    ]);
    return { products, categories, inventory, sales };
  }
}

/** The admin view of one terminal (same rules as the SQLite adapter's `terminalStatusOf`). */
function statusOf(
  doc: TerminalDoc,
  heads: StreamHeads,
  ownSalesHead: number,
  gaps: TerminalStatus['gaps'],
  now: Date,
  staleAfterMs: number,
): TerminalStatus {
  const terminal = terminalOfDoc(doc);
  const checkpoints = { ...doc.checkpoints } as TerminalStatus['checkpoints'];
  const lag: TerminalStatus['lag'] = {};
  for (const [stream, seq] of Object.entries(checkpoints) as [keyof StreamHeads, number][]) {
    const head = stream === 'sales' ? ownSalesHead : heads[stream];
    lag[stream] = Math.max(0, head - seq);
  }
  const lastContact = terminal.lastSyncAt === null ? null : Date.parse(terminal.lastSyncAt);
  return {
    ...terminal,
    lastPullAt: doc.lastPullAt,
    lastPushAt: doc.lastPushAt,
    queueDepth: doc.queueDepth,
    checkpoints,
    lag,
    gaps,
    stale: lastContact === null || now.getTime() - lastContact > staleAfterMs,
  };
}
