import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Checkpoint, StreamName } from '../../../replication/index.ts';
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
  RejectedEventFilter,
  SalesFilter,
  StreamHeads,
  TerminalContact,
  TerminalScope,
} from '../cloud-store.ts';
import { categoryKind, productKind } from '../catalog-kinds.ts';
import { ContactBuffer } from './contact-buffer.ts';
import { Catalog } from './catalog.ts';
import { DeadLetters } from './dead-letters.ts';
import { Inventory } from './inventory.ts';
import { migrate } from './migrations.ts';
import { Retention } from './retention.ts';
import { GroupCommit } from './group-commit.ts';
import { ingestSales } from './sale-ingest.ts';
import { SaleLedger } from './sale-ledger.ts';
import { checkProductBatch, productBatchReferences } from '../product-batch-check.ts';
import { ProductReferences } from './product-references.ts';
import { SalesQueries } from './sales-queries.ts';
import type { StoreContext } from './store-context.ts';
import { createStoreContext } from './store-context.ts';
import { Tenancy } from './tenancy.ts';
import { terminalStatusOf } from './terminal-status.ts';

/** Options of `openSqliteCloudStore`. */
export type SqliteCloudStoreOptions = {
  /** Directory of the store; the file is `cloud.sqlite` inside it. Created when missing. */
  dataDir?: string;
  /** The database file itself (instead of `dataDir`). */
  file?: string;
  /** Age after which tombstones and audit entries may be pruned. Default `DEFAULT_RETENTION_MS`. */
  retentionMs?: number;
  /** A terminal without contact for longer is stale in the admin view. Default `DEFAULT_STALE_AFTER_MS`. */
  staleAfterMs?: number;
  /** How often buffered terminal contacts are written (see `ContactBuffer`). Default 1 s. */
  contactFlushMs?: number;
  /** How far a pushed sale may stray from the server's clock and its event ids. Default `DEFAULT_SALE_BOUNDS`. */
  saleBounds?: SaleBounds;
  /** The clock, for tests. */
  now?: () => Date;
};

/** Options after defaults. */
export type ResolvedSqliteCloudStoreOptions = {
  file: string;
  retentionMs: number;
  staleAfterMs: number;
  contactFlushMs: number;
  saleBounds: SaleBounds;
  now: () => Date;
};

function resolveOptions(options: SqliteCloudStoreOptions): ResolvedSqliteCloudStoreOptions {
  let file = options.file;
  if (file === undefined) {
    if (options.dataDir === undefined)
      throw new Error('openSqliteCloudStore needs dataDir or file');
    mkdirSync(options.dataDir, { recursive: true });
    file = join(options.dataDir, 'cloud.sqlite');
  }
  return {
    file,
    retentionMs: options.retentionMs ?? DEFAULT_RETENTION_MS,
    staleAfterMs: options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS,
    contactFlushMs: options.contactFlushMs ?? 1_000,
    saleBounds: options.saleBounds ?? DEFAULT_SALE_BOUNDS,
    now: options.now ?? (() => new Date()),
  };
}

/** Opens (creating or migrating) the embedded store. */
export function openSqliteCloudStore(options: SqliteCloudStoreOptions): SqliteCloudStore {
  return new SqliteCloudStore(resolveOptions(options));
}

/**
 * The embedded `CloudStore` on one better-sqlite3 connection. better-sqlite3 is synchronous, so every
 * method runs its transaction to completion without yielding; SQLite serialises writers, which is what
 * makes seq allocation inside the transaction hole-free (see `StreamSeq`).
 */
export class SqliteCloudStore implements CloudStore {
  readonly options: ResolvedSqliteCloudStoreOptions;
  readonly #db: Database.Database;
  readonly #ctx: StoreContext;
  readonly #tenancy: Tenancy;
  readonly #products: Catalog<Product, ProductInput, BranchProduct>;
  readonly #productReferences: ProductReferences;
  readonly #categories: Catalog<Category, CategoryInput, Category>;
  readonly #inventory: Inventory;
  readonly #ledger: SaleLedger;
  readonly #ingestGroup: GroupCommit;
  readonly #deadLetters: DeadLetters;
  readonly #sales: SalesQueries;
  readonly #retention: Retention;
  readonly #contacts: ContactBuffer;
  readonly #ping: Database.Statement;

  constructor(options: ResolvedSqliteCloudStoreOptions) {
    this.options = options;
    this.#db = new Database(options.file);
    // WAL lets pulls read while a sale batch commits; FULL fsyncs the WAL on every commit, because a
    // sale acknowledged to a terminal (which then drops it from its queue) must survive power loss.
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.pragma('foreign_keys = ON');
    migrate(this.#db);
    this.#ctx = createStoreContext(this.#db, options.now);
    this.#tenancy = new Tenancy(this.#ctx);
    this.#products = new Catalog(this.#ctx, productKind);
    this.#productReferences = new ProductReferences(this.#ctx);
    this.#categories = new Catalog(this.#ctx, categoryKind);
    this.#inventory = new Inventory(this.#ctx);
    this.#ledger = new SaleLedger(this.#ctx);
    this.#ingestGroup = new GroupCommit(this.#db);
    this.#deadLetters = new DeadLetters(this.#ctx, this.#ledger, options.saleBounds);
    this.#sales = new SalesQueries(this.#ctx);
    this.#retention = new Retention(this.#ctx);
    this.#contacts = new ContactBuffer(
      (contacts) => this.#tenancy.writeTerminalContacts(contacts),
      options.contactFlushMs,
    );
    this.#ping = this.#db.prepare('SELECT 1');
  }

  /** Runs a store operation; anything but a `PosError` becomes `POS_SYNC_STORAGE_FAILED`. */
  async #run<T>(operation: () => T | Promise<T>): Promise<T> {
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
    this.#run(() => {
      this.#contacts.flush();
      return this.#tenancy.reassignTerminal(tenantId, terminalId, branchId, actor);
    });
  getTerminal = (tenantId: string, terminalId: string) =>
    this.#run(() => {
      this.#contacts.flush();
      return this.#tenancy.getTerminal(tenantId, terminalId);
    });
  verifyTerminalToken = (token: string) =>
    this.#run(() => this.#tenancy.verifyTerminalToken(token));
  /** Buffered (see `ContactBuffer`): no commit, no fsync on the pull/push path. */
  recordTerminalContact = (scope: TerminalScope, contact: TerminalContact) =>
    this.#run(() => {
      if (!this.#db.open) throw new Error('the store is closed');
      this.#contacts.add({ scope, contact: { ...contact, at: contact.at ?? this.options.now() } });
    });

  upsertProducts = (tenantId: string, inputs: ProductInput[], actor: string) =>
    this.#run(() =>
      // One transaction: no other write can take a SKU or barcode between the check and the write.
      this.#db.transaction(() => {
        this.#tenancy.requireTenant(tenantId);
        const { rows, references } = productBatchReferences(inputs);
        checkProductBatch(rows, this.#productReferences.facts(tenantId, references));
        return this.#products.upsert(tenantId, rows, actor);
      })(),
    );
  deleteProducts = (tenantId: string, ids: string[], actor: string) =>
    this.#run(() => this.#products.delete(tenantId, ids, actor));
  upsertCategories = (tenantId: string, inputs: CategoryInput[], actor: string) =>
    this.#run(() => {
      this.#tenancy.requireTenant(tenantId);
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

  // Concurrent pushes share one commit (group commit): one fsync per event-loop turn, not per push.
  ingestSales = (scope: TerminalScope, sales: unknown[]) =>
    this.#run(() =>
      this.#ingestGroup.run(() => {
        const branch = this.#tenancy.requireBranch(scope.tenantId, scope.branchId);
        return ingestSales(
          this.#ctx,
          this.#ledger,
          this.#deadLetters,
          scope,
          branch.currency,
          this.options.saleBounds,
          sales,
        );
      }),
    );
  pushInventory = (scope: TerminalScope, rows: InventoryPushRow[]) =>
    this.#run(() => this.#inventory.push(scope, rows));
  repairInventory = (
    tenantId: string,
    branchId: string,
    options: { dryRun: boolean },
    actor: string,
  ) =>
    this.#run(() => {
      this.#tenancy.requireBranch(tenantId, branchId);
      return this.#inventory.repair(tenantId, branchId, options, actor);
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
    this.#run(() => {
      this.#contacts.flush();
      return this.#db.transaction(() => {
        const now = filter.now ?? this.options.now();
        const staleAfterMs = filter.staleAfterMs ?? this.options.staleAfterMs;
        const heads = new Map<string, StreamHeads>();
        return this.#tenancy.listTerminalRows(tenantId, filter.branchId ?? null).map((row) => {
          const scope = { tenantId, branchId: row.branch_id, terminalId: row.id };
          if (!heads.has(row.branch_id)) {
            heads.set(row.branch_id, this.#streamHeads(tenantId, row.branch_id));
          }
          return terminalStatusOf(
            row,
            heads.get(row.branch_id)!,
            this.#sales.terminalAckHead(scope),
            this.#sales.saleGaps(tenantId, { terminalId: row.id }),
            now,
            staleAfterMs,
          );
        });
      })();
    });
  listAuditLog = (tenantId: string, page: PageArgs) =>
    this.#run(() => this.#ctx.audit.list(tenantId, page));

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

  prune = (options: { olderThanMs?: number; now?: Date } = {}) =>
    this.#run(() => {
      const now = options.now ?? this.options.now();
      const olderThanMs = options.olderThanMs ?? this.options.retentionMs;
      return this.#retention.prune(new Date(now.getTime() - olderThanMs));
    });

  ping = () =>
    this.#run(() => {
      this.#ping.get();
    });

  async close(): Promise<void> {
    if (!this.#db.open) return;
    try {
      this.#contacts.close();
    } finally {
      this.#db.close();
    }
  }

  #catalog(stream: CatalogStream) {
    if (stream === 'products') return this.#products;
    if (stream === 'categories') return this.#categories;
    throw new PosError('POS_INPUT_INVALID', `unknown catalog stream ${String(stream)}`);
  }

  #streamHeads(tenantId: string, branchId: string): StreamHeads {
    const head = (stream: StreamName, scope: string) =>
      this.#ctx.seq.read({ tenantId, stream, scope }).head;
    return {
      products: head('products', ''),
      categories: head('categories', ''),
      inventory: head('inventory', branchId),
      sales: head('sales', branchId),
    };
  }
}
