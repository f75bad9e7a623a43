import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { StreamName } from '../../../replication/index.ts';
import type { ProductInput } from '../../../schema/index.ts';
import type { StreamHeads, TerminalContact, TerminalScope } from '../cloud-store.ts';
import { categoryKind, productKind } from '../catalog-kinds.ts';
import type { ResolvedStoreCoreOptions, StoreCoreOptions } from '../core/options.ts';
import { resolveStoreCoreOptions } from '../core/options.ts';
import type { StoreBackend } from '../core/store-core.ts';
import { StoreCore } from '../core/store-core.ts';
import { terminalStatusOf } from '../core/terminal-status.ts';
import { checkProductBatch, productBatchReferences } from '../product-batch-check.ts';
import { Catalog } from './catalog.ts';
import { ContactBuffer } from './contact-buffer.ts';
import { Customers } from './customers.ts';
import { DeadLetters } from './dead-letters.ts';
import { GroupCommit } from './group-commit.ts';
import { Inventory } from './inventory.ts';
import { migrate } from './migrations.ts';
import { ProductList } from './product-list.ts';
import { ProductReferences } from './product-references.ts';
import { Retention } from './retention.ts';
import { ingestSales } from './sale-ingest.ts';
import { SaleLedger } from './sale-ledger.ts';
import { OfflinePolicies } from './offline-policies.ts';
import { SalesQueries } from './sales-queries.ts';
import { createStoreContext } from './store-context.ts';
import { Tenancy, terminalRecordOf } from './tenancy.ts';

/** Options of `openSqliteCloudStore`. */
export type SqliteCloudStoreOptions = StoreCoreOptions & {
  /** Directory of the store; the file is `cloud.sqlite` inside it. Created when missing. */
  dataDir?: string;
  /** The database file itself (instead of `dataDir`). */
  file?: string;
  /** How often buffered terminal contacts are written (see `ContactBuffer`). Default 1 s. */
  contactFlushMs?: number;
};

/** Options after defaults. */
export type ResolvedSqliteCloudStoreOptions = ResolvedStoreCoreOptions & {
  file: string;
  contactFlushMs: number;
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
    ...resolveStoreCoreOptions(options),
    file,
    contactFlushMs: options.contactFlushMs ?? 1_000,
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
export class SqliteCloudStore extends StoreCore {
  readonly options: ResolvedSqliteCloudStoreOptions;

  constructor(options: ResolvedSqliteCloudStoreOptions) {
    super(sqliteBackend(options), options);
    this.options = options;
  }
}

function sqliteBackend(options: ResolvedSqliteCloudStoreOptions): StoreBackend {
  const db = new Database(options.file);
  // WAL lets pulls read while a sale batch commits; FULL fsyncs the WAL on every commit, because a
  // sale acknowledged to a terminal (which then drops it from its queue) must survive power loss.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  migrate(db);
  const ctx = createStoreContext(db, options.now);
  const tenancy = new Tenancy(ctx);
  const products = new Catalog(ctx, productKind);
  const productReferences = new ProductReferences(ctx);
  const productList = new ProductList(ctx);
  const ledger = new SaleLedger(ctx);
  // Concurrent pushes share one commit (group commit): one fsync per event-loop turn, not per push.
  const ingestGroup = new GroupCommit(db);
  const customers = new Customers(ctx);
  const deadLetters = new DeadLetters(ctx, ledger, customers, options.saleBounds);
  const sales = new SalesQueries(ctx);
  const retention = new Retention(ctx);
  const contacts = new ContactBuffer(
    (stamped) => tenancy.writeTerminalContacts(stamped),
    options.contactFlushMs,
  );
  const ping = db.prepare('SELECT 1');
  const streamHeads = (tenantId: string, branchId: string): StreamHeads => {
    const head = (stream: StreamName, scope: string) =>
      ctx.seq.read({ tenantId, stream, scope }).head;
    return {
      products: head('products', ''),
      categories: head('categories', ''),
      inventory: head('inventory', branchId),
      sales: head('sales', branchId),
      customers: head('customers', ''),
    };
  };
  return {
    tenancy,
    products,
    categories: new Catalog(ctx, categoryKind),
    inventory: new Inventory(ctx),
    customers,
    deadLetters,
    sales,
    productList: { listProducts: (...args) => productList.list(...args) },
    offlinePolicies: new OfflinePolicies(ctx),
    audit: ctx.audit,
    // A closed connection refuses every statement by itself.
    assertOpen: () => {},
    flushContacts: () => contacts.flush(),
    /** Buffered (see `ContactBuffer`): no commit, no fsync on the pull/push path. */
    recordTerminalContact: (scope: TerminalScope, contact: TerminalContact & { at: Date }) => {
      if (!db.open) throw new Error('the store is closed');
      contacts.add({ scope, contact });
    },
    checkProducts: (tenantId: string, inputs: ProductInput[]) =>
      db.transaction(() => {
        tenancy.requireTenant(tenantId);
        const { rows, references } = productBatchReferences(inputs);
        checkProductBatch(rows, productReferences.facts(tenantId, references));
      })(),
    upsertProducts: (tenantId: string, inputs: ProductInput[], actor: string) =>
      // One transaction: no other write can take a SKU or barcode between the check and the write.
      db.transaction(() => {
        tenancy.requireTenant(tenantId);
        const { rows, references } = productBatchReferences(inputs);
        checkProductBatch(rows, productReferences.facts(tenantId, references));
        return products.upsert(tenantId, rows, actor);
      })(),
    ingestSales: (scope, input) =>
      ingestGroup.run(() => {
        const branch = tenancy.requireBranch(scope.tenantId, scope.branchId);
        return ingestSales(
          ctx,
          ledger,
          deadLetters,
          customers,
          scope,
          branch.currency,
          options.saleBounds,
          input,
        );
      }),
    terminalStatuses: (tenantId, branchId, now, staleAfterMs) =>
      db.transaction(() => {
        const heads = new Map<string, StreamHeads>();
        return tenancy.listTerminalRows(tenantId, branchId).map((row) => {
          const scope = { tenantId, branchId: row.branch_id, terminalId: row.id };
          if (!heads.has(row.branch_id))
            heads.set(row.branch_id, streamHeads(tenantId, row.branch_id));
          return terminalStatusOf(
            terminalRecordOf(row),
            heads.get(row.branch_id)!,
            sales.terminalAckHead(scope),
            sales.saleGaps(tenantId, { terminalId: row.id }),
            now,
            staleAfterMs,
          );
        });
      })(),
    streamHeads,
    prune: (before) => retention.prune(before),
    ping: () => {
      ping.get();
    },
    close: async () => {
      if (!db.open) return;
      try {
        contacts.close();
      } finally {
        db.close();
      }
    },
  };
}
