import type { Db } from 'mongodb';
import { MongoClient } from 'mongodb';
import type { ProductInput } from '../../../schema/index.ts';
import { PosError, isPosError } from '../../../schema/index.ts';
import type { StreamHeads, TerminalContact, TerminalScope } from '../cloud-store.ts';
import { categoryKind, productKind } from '../catalog-kinds.ts';
import type { ResolvedStoreCoreOptions, StoreCoreOptions } from '../core/options.ts';
import { resolveStoreCoreOptions } from '../core/options.ts';
import type { StoreBackend } from '../core/store-core.ts';
import { StoreCore } from '../core/store-core.ts';
import { terminalStatusOf } from '../core/terminal-status.ts';
import { checkProductBatch, productBatchReferences } from '../product-batch-check.ts';
import { AuditLog } from './audit-log.ts';
import { listProducts } from './product-list.ts';
import { Catalog } from './catalog.ts';
import type { Collections } from './collections.ts';
import { collectionsOf, ensureIndexes } from './collections.ts';
import { DeadLetters } from './dead-letters.ts';
import { Customers } from './customers.ts';
import { Inventory } from './inventory.ts';
import { productBatchFacts } from './product-references.ts';
import { pruneMongo } from './retention.ts';
import { ingestSales } from './sale-ingest.ts';
import { SaleLedger } from './sale-ledger.ts';
import { OfflinePolicies } from './offline-policies.ts';
import { SalesQueries } from './sales-queries.ts';
import type { StoreLogger } from './stream-seq.ts';
import { StreamSeq } from './stream-seq.ts';
import { Tenancy } from './tenancy.ts';

/** Options of `openMongoCloudStore`. */
export type MongoCloudStoreOptions = StoreCoreOptions & {
  /** Connection string, e.g. `mongodb://a,b,c/?replicaSet=rs0`. */
  url: string;
  /** Database name. Default `pos_sync`. */
  dbName?: string;
  /**
   * How long an operation waits for a usable server before it fails with `POS_SYNC_STORAGE_FAILED`
   * (the terminal retries later). Default 5 s: longer than a replica-set election, short enough that a
   * push does not hang.
   */
  serverSelectionTimeoutMs?: number;
  /** Where bounded retries (seq and invoice collisions) are logged. Default: nowhere. */
  logger?: StoreLogger;
};

/** Options after defaults. */
export type ResolvedMongoCloudStoreOptions = ResolvedStoreCoreOptions & {
  url: string;
  dbName: string;
  serverSelectionTimeoutMs: number;
  logger: StoreLogger;
};

function resolveOptions(options: MongoCloudStoreOptions): ResolvedMongoCloudStoreOptions {
  return {
    ...resolveStoreCoreOptions(options),
    url: options.url,
    dbName: options.dbName ?? 'pos_sync',
    serverSelectionTimeoutMs: options.serverSelectionTimeoutMs ?? 5_000,
    logger: options.logger ?? { warn: () => {} },
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
export class MongoCloudStore extends StoreCore {
  readonly options: ResolvedMongoCloudStoreOptions;
  readonly #parts: MongoParts;

  constructor(options: ResolvedMongoCloudStoreOptions, client: MongoClient, db: Db) {
    const parts = mongoParts(options, client, db);
    super(parts.backend, options);
    this.options = options;
    this.#parts = parts;
  }

  /** Indexes and the default tenant; safe to run on every start of every instance. */
  async init(): Promise<void> {
    await ensureIndexes(this.#parts.collections);
    await this.#parts.tenancy.ensureDefaultTenant();
  }

  /** The collections, for index checks in tests (`explain()`); queries stay in this folder. */
  get collections(): Collections {
    return this.#parts.collections;
  }
}

type MongoParts = { backend: StoreBackend; collections: Collections; tenancy: Tenancy };

function mongoParts(
  options: ResolvedMongoCloudStoreOptions,
  client: MongoClient,
  db: Db,
): MongoParts {
  const now = options.now;
  const c = collectionsOf(db);
  const seq = new StreamSeq(c.streamHeads, options.logger);
  const audit = new AuditLog(c.auditLog, now);
  const tenancy = new Tenancy(c, audit, now);
  const products = new Catalog(c.products, productKind, seq, audit, now);
  const categories = new Catalog(c.categories, categoryKind, seq, audit, now);
  const inventory = new Inventory(c.inventory, c.inventoryCreators, seq, audit, now);
  const customers = new Customers(c.customers, c.ledgerEntries, seq, audit, now);
  const ledger = new SaleLedger(c, seq, options.logger, now);
  const deadLetters = new DeadLetters(c, ledger, customers, audit, now, options.saleBounds);
  const sales = new SalesQueries(c, seq);
  let closed = false;
  const streamHeads = async (tenantId: string, branchId: string): Promise<StreamHeads> => {
    const [productsHead, categoriesHead, inventoryHead, salesHead, customersHead] =
      await Promise.all([
        products.head(tenantId),
        categories.head(tenantId),
        inventory.head(tenantId, branchId),
        seq.head({ tenantId, stream: 'sales', scope: branchId }, c.saleAcks, {
          tenantId,
          branchId,
        }),
        customers.head(tenantId),
      ]);
    return {
      products: productsHead,
      categories: categoriesHead,
      inventory: inventoryHead,
      sales: salesHead,
      customers: customersHead,
    };
  };
  const backend: StoreBackend = {
    tenancy,
    products,
    categories,
    inventory,
    customers,
    deadLetters,
    sales,
    offlinePolicies: new OfflinePolicies(c, audit, now),
    audit,
    assertOpen: () => {
      // The driver would silently reconnect a closed client; a closed store must refuse instead.
      if (closed) throw new PosError('POS_SYNC_STORAGE_FAILED', 'the store is closed');
    },
    // Contacts are written as they come (one small update): nothing is buffered.
    flushContacts: () => {},
    recordTerminalContact: (scope: TerminalScope, contact: TerminalContact) =>
      tenancy.recordTerminalContact(scope, contact),
    checkProducts: async (tenantId: string, inputs: ProductInput[]) => {
      await tenancy.requireTenant(tenantId);
      const { rows, references } = productBatchReferences(inputs);
      checkProductBatch(rows, await productBatchFacts(c, tenantId, references));
    },
    productList: {
      listProducts: (tenantId, filter, page) => listProducts(c.products, tenantId, filter, page),
    },
    upsertProducts: async (tenantId: string, inputs: ProductInput[], actor: string) => {
      await tenancy.requireTenant(tenantId);
      const { rows, references } = productBatchReferences(inputs);
      checkProductBatch(rows, await productBatchFacts(c, tenantId, references));
      return products.upsert(tenantId, rows, actor);
    },
    ingestSales: async (scope, input) => {
      const branch = await tenancy.requireBranch(scope.tenantId, scope.branchId);
      return ingestSales(
        ledger,
        deadLetters,
        customers,
        audit,
        scope,
        { currency: branch.currency, now: options.now(), bounds: options.saleBounds },
        input,
      );
    },
    terminalStatuses: async (tenantId, branchId, at, staleAfterMs) => {
      const docs = await tenancy.terminalDocs(tenantId, branchId);
      const heads = new Map<string, Promise<StreamHeads>>();
      return Promise.all(
        docs.map(async (doc) => {
          if (!heads.has(doc.branchId))
            heads.set(doc.branchId, streamHeads(tenantId, doc.branchId));
          const scope = { tenantId, branchId: doc.branchId, terminalId: doc.id };
          return terminalStatusOf(
            doc,
            await heads.get(doc.branchId)!,
            await sales.terminalAckHead(scope),
            await sales.saleGaps(tenantId, { terminalId: doc.id }),
            at,
            staleAfterMs,
          );
        }),
      );
    },
    streamHeads,
    prune: (before) => pruneMongo(c, seq, before),
    ping: async () => {
      await db.command({ ping: 1 });
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await client.close();
    },
  };
  return { backend, collections: c, tenancy };
}
