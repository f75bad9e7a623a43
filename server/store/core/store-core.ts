import type { WithDeleted } from 'rxdb';
import type { Checkpoint } from '../../../replication/index.ts';
import { HlcClock } from '../../../replication/index.ts';
import type {
  Branch,
  BranchProduct,
  Category,
  CategoryInput,
  Customer,
  CustomerUpsert,
  Product,
  ProductInput,
  Tenant,
} from '../../../schema/index.ts';
import { DEFAULT_OFFLINE_POLICY, PosError, offlinePolicySchema } from '../../../schema/index.ts';
import type { OfflinePolicy } from '../../../schema/index.ts';
import { parseInput } from '../parse-input.ts';
import type {
  AuditFilter,
  BranchInput,
  CatalogStream,
  CloudStore,
  Connection,
  CustomerDuplicateGroup,
  CustomerPushRow,
  EffectiveOfflinePolicy,
  InventoryPushRow,
  PageArgs,
  ProductListFilter,
  PruneReport,
  PullResult,
  RejectedEventFilter,
  SaleLookup,
  SalesFilter,
  StreamHeads,
  TerminalContact,
  TerminalScope,
  TerminalStatus,
} from '../cloud-store.ts';
import { UPSERT_MAX } from '../cloud-store.ts';
import type { CustomerWriter } from '../customer-rules.ts';
import {
  mergeCustomerRows,
  pushCustomerRows,
  upsertCustomerRows,
  withoutDeleted,
} from '../customer-rules.ts';
import type { ResolvedStoreCoreOptions } from './options.ts';
import { runStoreOperation } from './run-operation.ts';
import { sortSalesGroups } from './sales-summary.ts';

type Awaitable<T> = T | Promise<T>;

/** `then` that stays synchronous on a synchronous backend: nothing runs between a check and its write. */
function andThen<T, R>(value: Awaitable<T>, next: (value: T) => Awaitable<R>): Awaitable<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/** The port's methods `K`, each free to answer at once (SQLite) or later (MongoDB). */
type Primitives<K extends keyof CloudStore> = {
  [M in K]: CloudStore[M] extends (...args: infer A) => Promise<infer R>
    ? (...args: A) => Awaitable<R>
    : never;
};

/** Tenants, admin tokens, branches and terminals. */
export type TenancyPart = Primitives<
  | 'createTenant'
  | 'listTenants'
  | 'createAdminToken'
  | 'listAdminTokens'
  | 'revokeAdminToken'
  | 'verifyAdminToken'
  | 'getRootTokenHash'
  | 'setRootTokenHash'
  | 'createBranch'
  | 'listBranches'
  | 'getBranch'
  | 'registerTerminal'
  | 'revokeTerminal'
  | 'reassignTerminal'
  | 'getTerminal'
  | 'verifyTerminalToken'
> & {
  requireTenant(tenantId: string): Awaitable<void>;
  requireBranch(tenantId: string, branchId: string): Awaitable<Branch>;
};

/** One catalog stream (products or categories): cloud records, branch views, reconcile digests. */
export type CatalogPart<TStored, TView> = {
  upsert(tenantId: string, inputs: unknown[], actor: string): Awaitable<TStored[]>;
  delete(tenantId: string, ids: string[], actor: string): Awaitable<string[]>;
  getLive(tenantId: string, ids: string[]): Awaitable<TStored[]>;
  pull(
    tenantId: string,
    branchId: string,
    checkpoint: Checkpoint | null,
    limit: number,
  ): Awaitable<PullResult<TView>>;
  byIds(tenantId: string, branchId: string, ids: string[]): Awaitable<WithDeleted<TView>[]>;
  digests(
    tenantId: string,
    branchId: string,
    bucketCount: number,
  ): ReturnType<Primitives<'catalogDigests'>['catalogDigests']>;
  manifest(
    tenantId: string,
    branchId: string,
    bucketCount: number,
    buckets: number[],
  ): ReturnType<Primitives<'catalogManifest'>['catalogManifest']>;
};

/** What an adapter hands to the core: its storage primitives, nothing that holds a sync rule. */
export type StoreBackend = {
  readonly tenancy: TenancyPart;
  readonly products: CatalogPart<Product, BranchProduct>;
  readonly categories: CatalogPart<Category, Category>;
  readonly inventory: {
    push(...args: Parameters<CloudStore['pushInventory']>): ReturnType<CloudStore['pushInventory']>;
    pull(
      ...args: Parameters<CloudStore['pullInventory']>
    ): Awaitable<Awaited<ReturnType<CloudStore['pullInventory']>>>;
    repair(
      ...args: Parameters<CloudStore['repairInventory']>
    ): Awaitable<Awaited<ReturnType<CloudStore['repairInventory']>>>;
  };
  readonly deadLetters: {
    list(
      ...args: Parameters<CloudStore['listRejectedEvents']>
    ): Awaitable<Awaited<ReturnType<CloudStore['listRejectedEvents']>>>;
    head(
      ...args: Parameters<CloudStore['rejectedEventsHead']>
    ): Awaitable<Awaited<ReturnType<CloudStore['rejectedEventsHead']>>>;
    after(
      ...args: Parameters<CloudStore['rejectedEventsAfter']>
    ): Awaitable<Awaited<ReturnType<CloudStore['rejectedEventsAfter']>>>;
    accept(
      ...args: Parameters<CloudStore['acceptRejectedSale']>
    ): Awaitable<Awaited<ReturnType<CloudStore['acceptRejectedSale']>>>;
    discard(
      ...args: Parameters<CloudStore['discardRejectedSale']>
    ): Awaitable<Awaited<ReturnType<CloudStore['discardRejectedSale']>>>;
  };
  readonly customers: CustomerWriter & {
    pull(
      tenantId: string,
      checkpoint: Checkpoint | null,
      limit: number,
    ): Awaitable<PullResult<Customer>>;
    list(tenantId: string, page: PageArgs): Awaitable<Connection<Customer>>;
    duplicates(tenantId: string): Awaitable<CustomerDuplicateGroup[]>;
    overLimit(
      ...args: Parameters<CloudStore['listOverLimitCharges']>
    ): ReturnType<CloudStore['listOverLimitCharges']>;
    resolveOverLimit(
      ...args: Parameters<CloudStore['resolveOverLimitCharge']>
    ): ReturnType<CloudStore['resolveOverLimitCharge']>;
  };
  readonly sales: Primitives<
    'pullSales' | 'querySales' | 'saleGaps' | 'summarizeSales' | 'saleForReturn' | 'returnsOf'
  >;
  readonly productList: Primitives<'listProducts'>;
  /** Stored offline policies by scope: '' for the tenant's, a branch id for a branch's override. */
  readonly offlinePolicies: {
    read(tenantId: string, scope: string): Awaitable<OfflinePolicy | null>;
    /** Writes (null: removes) the policy of a scope and its audit entry. */
    write(
      tenantId: string,
      scope: string,
      policy: OfflinePolicy | null,
      actor: string,
    ): Awaitable<void>;
  };
  readonly audit: {
    list(
      ...args: Parameters<CloudStore['listAuditLog']>
    ): Awaitable<Awaited<ReturnType<CloudStore['listAuditLog']>>>;
  };
  /** Throws when the store is closed and the storage would not refuse on its own. */
  assertOpen(): void;
  /** Makes buffered terminal contacts visible to a read of terminal rows. */
  flushContacts(): void;
  /** Records a contact already stamped with its time. */
  recordTerminalContact(
    scope: TerminalScope,
    contact: TerminalContact & { at: Date },
  ): Awaitable<void>;
  /** Upserts checked products: the batch check and the write, atomic where the storage can be. */
  upsertProducts(tenantId: string, inputs: ProductInput[], actor: string): Awaitable<Product[]>;
  /** The batch check of `upsertProducts`, without the write. */
  checkProducts(tenantId: string, inputs: ProductInput[]): Awaitable<void>;
  ingestSales: Primitives<'ingestSales'>['ingestSales'];
  /** Every terminal (of a branch) with its status, read as one consistent view where the storage can. */
  terminalStatuses(
    tenantId: string,
    branchId: string | null,
    now: Date,
    staleAfterMs: number,
  ): Awaitable<TerminalStatus[]>;
  streamHeads(tenantId: string, branchId: string): Awaitable<StreamHeads>;
  /** Deletes what is older than `before` and raises the floors. */
  prune(before: Date): Awaitable<PruneReport>;
  ping(): Awaitable<void>;
  close(): Promise<void>;
};

/**
 * The `CloudStore` every adapter shares: option defaults, error wrapping and the order of the checks
 * live here once; the backend only reads and writes.
 */
export class StoreCore implements CloudStore {
  readonly #b: StoreBackend;
  readonly #options: ResolvedStoreCoreOptions;
  /** The cloud's clock for admin edits of customers (`upsertCustomers`). */
  readonly #clock: HlcClock;

  constructor(backend: StoreBackend, options: ResolvedStoreCoreOptions) {
    this.#b = backend;
    this.#options = options;
    this.#clock = new HlcClock('cloud', () => options.now().getTime());
  }

  #run<T>(operation: () => T | Promise<T>): Promise<T> {
    return runStoreOperation(() => {
      this.#b.assertOpen();
      return operation();
    });
  }

  #catalog(stream: CatalogStream) {
    if (stream === 'products') return this.#b.products;
    if (stream === 'categories') return this.#b.categories;
    throw new PosError('POS_INPUT_INVALID', `unknown catalog stream ${String(stream)}`);
  }

  getOfflinePolicy = (tenantId: string, branchId: string | null) =>
    this.#run(() =>
      andThen(this.#b.tenancy.requireTenant(tenantId), () =>
        branchId === null
          ? this.#effectivePolicy(tenantId, null)
          : andThen(this.#b.tenancy.requireBranch(tenantId, branchId), () =>
              this.#effectivePolicy(tenantId, branchId),
            ),
      ),
    );

  setOfflinePolicy = (
    tenantId: string,
    branchId: string | null,
    policy: OfflinePolicy | null,
    actor: string,
  ) =>
    this.#run(() => {
      const checked =
        policy === null ? null : parseInput(offlinePolicySchema, policy, 'offline policy');
      return andThen(this.#b.tenancy.requireTenant(tenantId), () =>
        andThen(branchId === null ? null : this.#b.tenancy.requireBranch(tenantId, branchId), () =>
          andThen(this.#b.offlinePolicies.write(tenantId, branchId ?? '', checked, actor), () =>
            this.#effectivePolicy(tenantId, branchId),
          ),
        ),
      );
    });

  #effectivePolicy(tenantId: string, branchId: string | null): Awaitable<EffectiveOfflinePolicy> {
    const read = this.#b.offlinePolicies;
    return andThen(branchId === null ? null : read.read(tenantId, branchId), (own) =>
      own !== null
        ? { policy: own, source: 'branch' as const }
        : andThen(read.read(tenantId, ''), (tenant) =>
            tenant !== null
              ? { policy: tenant, source: 'tenant' as const }
              : { policy: { ...DEFAULT_OFFLINE_POLICY }, source: 'default' as const },
          ),
    );
  }

  createTenant = (input: Tenant, actor: string) =>
    this.#run(() => this.#b.tenancy.createTenant(input, actor));
  listTenants = () => this.#run(() => this.#b.tenancy.listTenants());
  createAdminToken = (
    tenantId: string,
    name: string,
    actor: string,
    options?: { expiresAt?: string | null },
  ) => this.#run(() => this.#b.tenancy.createAdminToken(tenantId, name, actor, options));
  listAdminTokens = (tenantId: string | null) =>
    this.#run(() => this.#b.tenancy.listAdminTokens(tenantId));
  revokeAdminToken = (tenantId: string | null, tokenId: string, actor: string) =>
    this.#run(() => this.#b.tenancy.revokeAdminToken(tenantId, tokenId, actor));
  verifyAdminToken = (token: string) => this.#run(() => this.#b.tenancy.verifyAdminToken(token));
  getRootTokenHash = () => this.#run(() => this.#b.tenancy.getRootTokenHash());
  setRootTokenHash = (hash: string) => this.#run(() => this.#b.tenancy.setRootTokenHash(hash));

  createBranch = (tenantId: string, input: BranchInput, actor: string) =>
    this.#run(() => this.#b.tenancy.createBranch(tenantId, input, actor));
  listBranches = (tenantId: string) => this.#run(() => this.#b.tenancy.listBranches(tenantId));
  getBranch = (tenantId: string, branchId: string) =>
    this.#run(() => this.#b.tenancy.getBranch(tenantId, branchId));
  registerTerminal = (tenantId: string, input: { branchId: string; name: string }, actor: string) =>
    this.#run(() => this.#b.tenancy.registerTerminal(tenantId, input, actor));
  revokeTerminal = (tenantId: string, terminalId: string, actor: string) =>
    this.#run(() => this.#b.tenancy.revokeTerminal(tenantId, terminalId, actor));
  reassignTerminal = (tenantId: string, terminalId: string, branchId: string, actor: string) =>
    this.#run(() => {
      this.#b.flushContacts();
      return this.#b.tenancy.reassignTerminal(tenantId, terminalId, branchId, actor);
    });
  getTerminal = (tenantId: string, terminalId: string) =>
    this.#run(() => {
      this.#b.flushContacts();
      return this.#b.tenancy.getTerminal(tenantId, terminalId);
    });
  verifyTerminalToken = (token: string) =>
    this.#run(() => this.#b.tenancy.verifyTerminalToken(token));
  recordTerminalContact = (scope: TerminalScope, contact: TerminalContact) =>
    this.#run(() =>
      this.#b.recordTerminalContact(scope, { ...contact, at: contact.at ?? this.#options.now() }),
    );

  upsertProducts = (tenantId: string, inputs: ProductInput[], actor: string) =>
    this.#run(() => this.#b.upsertProducts(tenantId, inputs, actor));
  deleteProducts = (tenantId: string, ids: string[], actor: string) =>
    this.#run(() => this.#b.products.delete(tenantId, ids, actor));
  upsertCategories = (tenantId: string, inputs: CategoryInput[], actor: string) =>
    this.#run(() =>
      andThen(this.#b.tenancy.requireTenant(tenantId), () =>
        this.#b.categories.upsert(tenantId, inputs, actor),
      ),
    );
  deleteCategories = (tenantId: string, ids: string[], actor: string) =>
    this.#run(() => this.#b.categories.delete(tenantId, ids, actor));
  checkProducts = (tenantId: string, inputs: ProductInput[]) =>
    this.#run(() => this.#b.checkProducts(tenantId, inputs));
  getProducts = (tenantId: string, ids: string[]) =>
    this.#run(() => this.#b.products.getLive(tenantId, ids));
  listProducts = (tenantId: string, filter: ProductListFilter, page: PageArgs) =>
    this.#run(() => this.#b.productList.listProducts(tenantId, filter, page));

  pullProducts = (tenantId: string, branchId: string, cp: Checkpoint | null, limit: number) =>
    this.#run(() => this.#b.products.pull(tenantId, branchId, cp, limit));
  pullCategories = (tenantId: string, cp: Checkpoint | null, limit: number) =>
    this.#run(() => this.#b.categories.pull(tenantId, '', cp, limit));
  pullInventory = (tenantId: string, branchId: string, cp: Checkpoint | null, limit: number) =>
    this.#run(() => this.#b.inventory.pull(tenantId, branchId, cp, limit));
  pullSales = (scope: TerminalScope, cp: Checkpoint | null, limit: number) =>
    this.#run(() => this.#b.sales.pullSales(scope, cp, limit));
  productsByIds = (tenantId: string, branchId: string, ids: string[]) =>
    this.#run(() => this.#b.products.byIds(tenantId, branchId, ids));
  categoriesByIds = (tenantId: string, ids: string[]) =>
    this.#run(() => this.#b.categories.byIds(tenantId, '', ids));

  ingestSales = (scope: TerminalScope, sales: unknown[]) =>
    this.#run(() => this.#b.ingestSales(scope, sales));
  pushInventory = (scope: TerminalScope, rows: InventoryPushRow[]) =>
    this.#run(() => this.#b.inventory.push(scope, rows));
  repairInventory = (
    tenantId: string,
    branchId: string,
    options: { dryRun: boolean },
    actor: string,
  ) =>
    this.#run(() =>
      andThen(this.#b.tenancy.requireBranch(tenantId, branchId), () =>
        this.#b.inventory.repair(tenantId, branchId, options, actor),
      ),
    );

  pullCustomers = (tenantId: string, cp: Checkpoint | null, limit: number) =>
    this.#run(() => this.#b.customers.pull(tenantId, cp, limit));
  pushCustomers = (scope: TerminalScope, rows: CustomerPushRow[]) =>
    this.#run(() =>
      pushCustomerRows(
        this.#b.customers,
        scope,
        rows,
        this.#options.now().getTime(),
        this.#options.customerClockSkewMs,
      ),
    );
  upsertCustomers = (tenantId: string, inputs: CustomerUpsert[], actor: string) =>
    this.#run(() =>
      andThen(this.#b.tenancy.requireTenant(tenantId), () => {
        if (inputs.length > UPSERT_MAX) {
          throw new PosError('POS_INPUT_INVALID', `at most ${UPSERT_MAX} customers per upsert`);
        }
        return upsertCustomerRows(this.#b.customers, this.#clock, tenantId, inputs, actor);
      }),
    );
  getCustomers = (tenantId: string, ids: string[]) =>
    this.#run(async () =>
      [...(await this.#b.customers.read(tenantId, ids)).values()].map((m) => withoutDeleted(m.doc)),
    );
  listCustomers = (tenantId: string, page: PageArgs) =>
    this.#run(() => this.#b.customers.list(tenantId, page));
  customerDuplicates = (tenantId: string) =>
    this.#run(() => this.#b.customers.duplicates(tenantId));
  mergeCustomers = (
    tenantId: string,
    survivorId: string,
    mergedId: string,
    note: string,
    actor: string,
  ) =>
    this.#run(() =>
      mergeCustomerRows(this.#b.customers, tenantId, survivorId, mergedId, note, actor),
    );

  listOverLimitCharges = (tenantId: string, status: 'open' | 'resolved' | 'all') =>
    this.#run(() => this.#b.customers.overLimit(tenantId, status));
  resolveOverLimitCharge = (tenantId: string, saleId: string, note: string, actor: string) =>
    this.#run(() => this.#b.customers.resolveOverLimit(tenantId, saleId, note, actor));

  listRejectedEvents = (tenantId: string, filter: RejectedEventFilter, page: PageArgs) =>
    this.#run(() => this.#b.deadLetters.list(tenantId, filter, page));
  rejectedEventsHead = (tenantId: string) => this.#run(() => this.#b.deadLetters.head(tenantId));
  rejectedEventsAfter = (
    tenantId: string,
    filter: RejectedEventFilter,
    after: string | null,
    limit: number,
  ) => this.#run(() => this.#b.deadLetters.after(tenantId, filter, after, limit));
  acceptRejectedSale = (tenantId: string, id: string, note: string, actor: string) =>
    this.#run(() => this.#b.deadLetters.accept(tenantId, id, note, actor));
  discardRejectedSale = (tenantId: string, id: string, note: string, actor: string) =>
    this.#run(() => this.#b.deadLetters.discard(tenantId, id, note, actor));

  querySales = (tenantId: string, filter: SalesFilter, page: PageArgs) =>
    this.#run(() => this.#b.sales.querySales(tenantId, filter, page));
  summarizeSales = (tenantId: string, filter: SalesFilter) =>
    this.#run(() => andThen(this.#b.sales.summarizeSales(tenantId, filter), sortSalesGroups));
  saleGaps = (tenantId: string, filter: { branchId?: string; terminalId?: string }) =>
    this.#run(() => this.#b.sales.saleGaps(tenantId, filter));
  saleForReturn = (scope: TerminalScope, by: SaleLookup) =>
    this.#run(() => this.#b.sales.saleForReturn(scope, by));
  returnsOf = (tenantId: string, saleIds: string[]) =>
    this.#run(() => this.#b.sales.returnsOf(tenantId, saleIds));
  listTerminalStatus = (
    tenantId: string,
    filter: { branchId?: string; staleAfterMs?: number; now?: Date },
  ) =>
    this.#run(() => {
      this.#b.flushContacts();
      return this.#b.terminalStatuses(
        tenantId,
        filter.branchId ?? null,
        filter.now ?? this.#options.now(),
        filter.staleAfterMs ?? this.#options.staleAfterMs,
      );
    });
  listAuditLog = (tenantId: string, page: PageArgs, filter: AuditFilter = {}) =>
    this.#run(() => this.#b.audit.list(tenantId, page, filter));

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
    this.#run(() => this.#b.streamHeads(tenantId, branchId));

  prune = (options: { olderThanMs?: number; now?: Date } = {}) =>
    this.#run(() => {
      const now = options.now ?? this.#options.now();
      const olderThanMs = options.olderThanMs ?? this.#options.retentionMs;
      return this.#b.prune(new Date(now.getTime() - olderThanMs));
    });

  ping = () => this.#run(() => this.#b.ping());

  /** Writes what is buffered and releases the storage. Idempotent. */
  close(): Promise<void> {
    return this.#b.close();
  }
}
