import type { WithDeleted } from 'rxdb';
import type { Checkpoint, ManifestEntry, StreamName } from '../../replication/index.ts';
import type { RefusalCode } from './pushed-sale-check.ts';
import type {
  Branch,
  BranchProduct,
  Category,
  CategoryInput,
  Customer,
  CustomerUpsert,
  InventoryItem,
  OfflinePolicy,
  Product,
  ProductInput,
  RejectedEvent,
  ReturnedLine,
  Sale,
  SaleProblem,
  SaleTotals,
  Tenant,
  Terminal,
} from '../../schema/index.ts';

/** Tenants, admin tokens, branches and terminals: who a token is and where it belongs. */
export interface TenancyStore {
  /** Creates a tenant; `POS_INPUT_INVALID` when the id exists. */
  createTenant(input: Tenant, actor: string): Promise<Tenant>;
  listTenants(): Promise<Tenant[]>;
  /**
   * Creates an admin token for a tenant, valid until `expiresAt` (ISO, in the future; `null`: until
   * revoked). The plaintext is returned once; only its SHA-256 is stored.
   */
  createAdminToken(
    tenantId: string,
    name: string,
    actor: string,
    options?: { expiresAt?: string | null },
  ): Promise<IssuedAdminToken>;
  /** Tenant admin tokens (of one tenant, or of every tenant for `null`), oldest first; never a secret. */
  listAdminTokens(tenantId: string | null): Promise<AdminTokenInfo[]>;
  /**
   * Revokes a tenant admin token (idempotent): it stops resolving at once. `tenantId` scopes the lookup
   * (`POS_NOT_FOUND` for a token of another tenant); `null` finds it in any tenant (root).
   */
  revokeAdminToken(
    tenantId: string | null,
    tokenId: string,
    actor: string,
  ): Promise<AdminTokenInfo>;
  /**
   * Resolves a presented admin token (root or tenant) by its hash; `null` when unknown. A revoked or
   * expired (by the store's clock) tenant token resolves with `status` saying so.
   */
  verifyAdminToken(token: string): Promise<AdminIdentity | null>;
  /** The SHA-256 hex of the root token, or `null` before the first start stored one. */
  getRootTokenHash(): Promise<string | null>;
  /** Stores the SHA-256 hex of the root token (see `hashToken`); replaces the previous one. */
  setRootTokenHash(hash: string): Promise<void>;
  /** Creates a branch; `POS_INPUT_INVALID` when the id exists in the tenant. */
  createBranch(tenantId: string, input: BranchInput, actor: string): Promise<Branch>;
  listBranches(tenantId: string): Promise<Branch[]>;
  getBranch(tenantId: string, branchId: string): Promise<Branch | null>;
  /** Registers a terminal to a branch; the plaintext token is returned once, only its hash is stored. */
  registerTerminal(
    tenantId: string,
    input: { branchId: string; name: string },
    actor: string,
  ): Promise<RegisteredTerminal>;
  /** Revokes a terminal's token (idempotent); its verify then answers `revoked: true`. */
  revokeTerminal(tenantId: string, terminalId: string, actor: string): Promise<Terminal>;
  /**
   * Moves a terminal to another branch and issues a new token (the old one stops working). The terminal
   * must re-snapshot: its checkpoints belong to the old branch's streams.
   */
  reassignTerminal(
    tenantId: string,
    terminalId: string,
    branchId: string,
    actor: string,
  ): Promise<RegisteredTerminal>;
  getTerminal(tenantId: string, terminalId: string): Promise<Terminal | null>;
  /** Resolves a presented terminal token by its hash; `null` when unknown. */
  verifyTerminalToken(token: string): Promise<TerminalIdentity | null>;
  /**
   * Records that a terminal pulled or pushed, with what it reported (queue depth, checkpoint). Called on
   * every pull and push, so it must be cheap: an adapter may buffer contacts in memory and write them
   * later (coalesced per terminal) without the durability of a sale. Losing the last seconds of "last
   * contact" to a crash is acceptable; what it must keep: every contact recorded before a read
   * (`getTerminal`, `listTerminalStatus`) or a `reassignTerminal` of this instance is visible to it or
   * applied before it, and a clean `close()` writes every buffered contact.
   */
  recordTerminalContact(scope: TerminalScope, contact: TerminalContact): Promise<void>;
}

/** The catalog streams (products, categories): admin writes, branch-view pulls and reconcile. */
export interface CatalogStore {
  /** Creates or replaces up to `UPSERT_MAX` products at once; each gets a new products seq. */
  upsertProducts(tenantId: string, inputs: ProductInput[], actor: string): Promise<Product[]>;
  /**
   * The checks of `upsertProducts` without the write (a dry run): throws what the upsert would throw,
   * stores nothing.
   */
  checkProducts(tenantId: string, inputs: ProductInput[]): Promise<void>;
  /** Deletes products: they stay as tombstones with a new seq. Unknown ids are ignored; returns the ids deleted. */
  deleteProducts(tenantId: string, ids: string[], actor: string): Promise<string[]>;
  upsertCategories(tenantId: string, inputs: CategoryInput[], actor: string): Promise<Category[]>;
  deleteCategories(tenantId: string, ids: string[], actor: string): Promise<string[]>;
  /** Cloud records (not branch views) for the admin; deleted ones are left out. */
  getProducts(tenantId: string, ids: string[]): Promise<Product[]>;
  /** Live cloud records in id order, filtered, for the admin. */
  listProducts(
    tenantId: string,
    filter: ProductListFilter,
    page: PageArgs,
  ): Promise<Connection<Product>>;
  /**
   * The branch view of the global products stream: branch price applied (`toBranchProduct`), and a
   * tombstone (`_deleted: true`, with the product's seq) for a product deleted or outside the branch's
   * assortment, so a product that leaves a branch reaches it as a tombstone.
   */
  pullProducts(
    tenantId: string,
    branchId: string,
    checkpoint: Checkpoint | null,
    limit: number,
  ): Promise<PullResult<BranchProduct>>;
  pullCategories(
    tenantId: string,
    checkpoint: Checkpoint | null,
    limit: number,
  ): Promise<PullResult<Category>>;
  /** Branch views by id for a reconcile plan; ids not in the branch view come back as tombstones. */
  productsByIds(
    tenantId: string,
    branchId: string,
    ids: string[],
  ): Promise<WithDeleted<BranchProduct>[]>;
  categoriesByIds(tenantId: string, ids: string[]): Promise<WithDeleted<Category>[]>;
  /** Bucket digests (`computeBucketDigests`) of the branch view, with the stream head it reflects. */
  catalogDigests(
    tenantId: string,
    branchId: string,
    stream: CatalogStream,
    bucketCount: number,
  ): Promise<{ digests: string[]; checkpoint: Checkpoint }>;
  /**
   * id→hash entries of the branch view in the given buckets; `POS_CATALOG_MANIFEST_TOO_LARGE` when more
   * than `MANIFEST_MAX_ENTRIES` would be returned.
   */
  catalogManifest(
    tenantId: string,
    branchId: string,
    stream: CatalogStream,
    bucketCount: number,
    buckets: number[],
  ): Promise<{ entries: ManifestEntry[]; checkpoint: Checkpoint }>;
}

/** The sales ledger and its dead letters: ingest, acknowledgements, operator decisions. */
export interface SalesLedgerStore {
  /**
   * Ingests sales pushed by one terminal, one outcome per input in order, with invoice numbers
   * (docs/design.md#sale-ingest). Inputs are `unknown`: validation is the store's job here
   * because a refusal must be stored in the dead-letter table with the payload as received.
   *
   * Scope violations (a sale whose `branchId` or `terminalId` differ from `scope`) do not throw: like any
   * invalid sale they are a per-sale `rejected` outcome (`POS_SYNC_EVENT_INVALID`, a problem with rule
   * `scope_mismatch`, a dead letter), so one bad row never blocks the rest of a terminal's queue, and
   * nothing reaches another branch's or terminal's stream. Only a `scope` the store does not know (its
   * branch missing) throws (`POS_NOT_FOUND`).
   */
  ingestSales(scope: TerminalScope, sales: unknown[]): Promise<SaleIngestOutcome[]>;
  /**
   * A booked sale of the terminal's branch, by id or invoice number, with what was returned of each of
   * its lines: what a terminal needs to return another terminal's sale (docs/design.md#returns). Null
   * when no sale (of kind `sale`) of that branch matches.
   */
  saleForReturn(scope: TerminalScope, by: SaleLookup): Promise<SaleForReturn | null>;
  /**
   * The terminal's sales acknowledgements, from its branch's sales stream: ingested copies (with
   * `invoiceNo`, `ingestedAt`, `syncState: 'synced'`), refusals (the terminal's sale with
   * `syncState: 'needs_attention'` and `lastError`), and dead-letter decisions (accepted → ingested copy;
   * discarded → `syncState: 'discarded'` with the operator's note in `lastError`).
   */
  pullSales(
    scope: TerminalScope,
    checkpoint: Checkpoint | null,
    limit: number,
  ): Promise<PullResult<Sale>>;
  listRejectedEvents(
    tenantId: string,
    filter: RejectedEventFilter,
    page: PageArgs,
  ): Promise<Connection<DeadLetter>>;
  /**
   * The cursor of the tenant's newest dead letter (null when there is none): where a feed of what is
   * filed from now on starts, read without walking the list.
   */
  rejectedEventsHead(tenantId: string): Promise<string | null>;
  /**
   * Dead letters filed after `after` (a cursor of this method, of `rejectedEventsHead` or of
   * `listRejectedEvents`), oldest first, at most `limit`, without counting the rest: what a feed
   * reads at each notice. `cursor` is the last entry's, or `after` when there is none.
   */
  rejectedEventsAfter(
    tenantId: string,
    filter: RejectedEventFilter,
    after: string | null,
    limit: number,
  ): Promise<{ entries: DeadLetter[]; cursor: string | null; more: boolean }>;
  /** Ingests a rejected sale as received (flagged `acceptedFrom`), audited; the terminal sees it by pull. */
  acceptRejectedSale(
    tenantId: string,
    id: string,
    note: string,
    actor: string,
  ): Promise<DeadLetter>;
  /** Closes a rejected event without ingesting it, audited; the terminal sees the decision by pull. */
  discardRejectedSale(
    tenantId: string,
    id: string,
    note: string,
    actor: string,
  ): Promise<DeadLetter>;
}

/** The per-branch inventory streams. */
export interface InventoryStore {
  /**
   * The branch's inventory stream (each branch has its own seq). A stored row that is not a valid
   * document of its row is left out of the page and listed in `skipped` (its seq is still passed, so
   * one bad row never stops the branch's pulls); `repairInventory` rewrites it under a new seq.
   */
  pullInventory(
    tenantId: string,
    branchId: string,
    checkpoint: Checkpoint | null,
    limit: number,
  ): Promise<InventoryPullResult>;
  /**
   * Merges pushed inventory documents (rxdb crdt plugin) into the branch's masters by the union of their
   * operations, each merged document getting a new seq. Returns the merged masters that differ from the
   * pushed `newDocumentState` (RxDB's conflict answer), so the terminal adopts the merge.
   *
   * Each row is checked on its own before the merge (`inventory-rules.ts`): every operation of its log
   * against the fields a terminal may change and their types, id, branch and product pinned to the
   * scope, and the merged document against the shared schema. A row that fails is not stored and is
   * answered in `refused` (`POS_FORBIDDEN` for another scope, `POS_SYNC_EVENT_INVALID` otherwise); the
   * other rows of the batch are merged as usual.
   */
  pushInventory(scope: TerminalScope, rows: InventoryPushRow[]): Promise<InventoryPushResult>;
  /**
   * The branch's stored inventory rows that are not valid documents (written before the push checks),
   * repaired unless `dryRun`: the row's valid operations are replayed, or, when they do not make a valid
   * document, the row starts again at 0. Each repaired row gets a new seq (terminals pull it) and one
   * audit entry. Answers what was (or would be) done, row by row.
   */
  repairInventory(
    tenantId: string,
    branchId: string,
    options: { dryRun: boolean },
    actor: string,
  ): Promise<InventoryRepair[]>;
}

/**
 * The tenant's customers stream: terminals push and pull it, merged field by field by hybrid logical
 * clocks (`replication/customer-merge.ts`); admins upsert, list, find duplicates and merge.
 */
export interface CustomerStore {
  /** The tenant's customers stream after `checkpoint` (one seq per tenant), as RxDB pulls it. */
  pullCustomers(
    tenantId: string,
    checkpoint: Checkpoint | null,
    limit: number,
  ): Promise<PullResult<Customer>>;
  /**
   * Merges pushed customer documents into the masters field by field. Each row is checked on its own
   * (`customer-rules.ts`): tenant pinned to the scope, the cloud's fields unchanged, every clock at
   * most the configured skew ahead of the store's clock, the merged document valid. A refused row is
   * answered in `refused` and stores nothing; the other rows merge as usual. `conflicts` are the
   * merged masters that differ from what was pushed (RxDB's answer).
   */
  pushCustomers(scope: TerminalScope, rows: CustomerPushRow[]): Promise<CustomerPushResult>;
  /**
   * Creates or changes customers (at most `UPSERT_MAX`): the fields given are stamped with the
   * cloud's clock, later than any clock the stored document holds, so the admin's edit wins. A new
   * customer needs `name`. Audited.
   */
  upsertCustomers(tenantId: string, inputs: CustomerUpsert[], actor: string): Promise<Customer[]>;
  /** Customers by id (unknown ids are left out). */
  getCustomers(tenantId: string, ids: string[]): Promise<Customer[]>;
  /** Customers in stream order (the oldest change first), for the admin. */
  listCustomers(tenantId: string, page: PageArgs): Promise<Connection<Customer>>;
  /**
   * Likely duplicates: groups of customers not merged away that share a normalised phone number or
   * email address, for an operator to merge.
   */
  customerDuplicates(tenantId: string): Promise<CustomerDuplicateGroup[]>;
  /**
   * Merges `mergedId` into `survivorId` (audited): the merged customer gets `mergedInto`, customers
   * merged into it before are pointed at the survivor, and the survivor's balance is recomputed from
   * the ledger with the merged accounts' entries, which stay as they were. `POS_NOT_FOUND` for an
   * unknown id, `POS_INPUT_INVALID` for a customer merged already, itself, or another currency.
   */
  mergeCustomers(
    tenantId: string,
    survivorId: string,
    mergedId: string,
    note: string,
    actor: string,
  ): Promise<{ survivor: Customer; merged: Customer }>;
  /** Account charges the cloud found over the limit at ingest (booked all the same), oldest first. */
  listOverLimitCharges(
    tenantId: string,
    status: 'open' | 'resolved' | 'all',
  ): Promise<OverLimitCharge[]>;
  /** An operator's decision on an over-limit charge (audited); `POS_NOT_FOUND` when there is none. */
  resolveOverLimitCharge(
    tenantId: string,
    saleId: string,
    note: string,
    actor: string,
  ): Promise<OverLimitCharge>;
}

/** An account charge over the limit, raised to an operator. */
export type OverLimitCharge = {
  saleId: string;
  customerId: string;
  branchId: string;
  terminalId: string;
  amountMinor: number;
  ledgerSeq: number;
  createdAt: string;
  resolvedAt: string | null;
  resolvedBy: string | null;
  resolutionNote: string | null;
};

/** Read-only views for the admin and the stream-head poller. */
export interface AdminQueries {
  /** Booked sales, newest last (ingest order), filtered; `from`/`to` bound `createdAt` (from ≤ t < to). */
  querySales(tenantId: string, filter: SalesFilter, page: PageArgs): Promise<Connection<Sale>>;
  /**
   * Count and sums of the documents `querySales` lists for the same filter (every field of it), one
   * group per currency and kind present, ordered by currency then kind (`SALE_KINDS` order). Every
   * sales summary is made of these groups (`totalsByCurrency`); kinds are never summed together here.
   */
  summarizeSales(tenantId: string, filter: SalesFilter): Promise<SalesGroup[]>;
  /** The booked returns of each of these sales, in ingest order (every id present in the map). */
  returnsOf(tenantId: string, saleIds: string[]): Promise<Map<string, Sale[]>>;
  /** Lost-sale detection: per posId, the highest contiguous localEventId and the missing ranges. */
  saleGaps(
    tenantId: string,
    filter: { branchId?: string; terminalId?: string },
  ): Promise<PosGaps[]>;
  /** Every terminal (of a branch) with its last contact, queue depth, checkpoint lag, gaps and staleness. */
  listTerminalStatus(
    tenantId: string,
    filter: { branchId?: string; staleAfterMs?: number; now?: Date },
  ): Promise<TerminalStatus[]>;
  /**
   * Audit entries matching the filter, oldest first; `totalCount` counts the filtered entries and the
   * cursor pages within the filter.
   */
  listAuditLog(
    tenantId: string,
    page: PageArgs,
    filter?: AuditFilter,
  ): Promise<Connection<AuditEntry>>;
  /** Current max seq of each stream as seen from a branch (products/categories are tenant-wide). */
  streamHeads(tenantId: string, branchId: string): Promise<StreamHeads>;
}

/** Retention, health and shutdown. */
export interface StoreLifecycle {
  /**
   * Deletes tombstones and audit entries older than `olderThanMs` (default: the adapter's configured
   * retention) and raises each stream's retention floor, so pulls from before it get
   * `POS_CATALOG_RESNAPSHOT_REQUIRED`.
   */
  prune(options?: { olderThanMs?: number; now?: Date }): Promise<PruneReport>;
  /**
   * Proves the storage answers (a cheap round trip, for `/healthz`); throws `POS_SYNC_STORAGE_FAILED`
   * when it does not, e.g. after `close()`.
   */
  ping(): Promise<void>;
  /** Writes what is buffered (terminal contacts) and releases the storage. Idempotent. */
  close(): Promise<void>;
}

/**
 * The cloud's storage port: the narrow parts above, which a consumer may depend on one by one. The
 * GraphQL layer talks only to these interfaces; adapters (SQLite embedded, MongoDB) implement them all
 * by wiring their storage primitives into `StoreCore` (`core/`), and pass `runCloudStoreContract`.
 *
 * Rules every adapter keeps:
 * - Everything is scoped by `tenantId`; nothing a method returns or changes crosses tenants.
 * - Scope comes from the caller (the token), never from a document body: `ingestSales` and
 *   `pushInventory` refuse documents whose branch or terminal differ from the scope.
 * - Every stream has a server-assigned `seq`, unique per stream and visible in order
 *   (docs/design.md#checkpoint-invariant): a pull returns `seq > checkpoint.seq` in order, and its
 *   checkpoint is the `seq` of the last document returned (or the request's when nothing is new),
 *   raised to the retention floor when no retained document lies between the two (so a snapshot of a
 *   stream ending in pruned tombstones does not end below the floor and get refused forever).
 * - A pull whose checkpoint is older than the retained changes throws `PosError`
 *   `POS_CATALOG_RESNAPSHOT_REQUIRED` (any stream) instead of silently skipping pruned tombstones,
 *   except a snapshot in progress: a page ending below the floor answers `{ seq, snapshotFloor }`,
 *   served again while the floor is unchanged (`pullBound` and `pageOf` in `pull-window.ts` are the
 *   rules; every adapter uses them).
 * - Failures of the storage itself surface as `PosError` `POS_SYNC_STORAGE_FAILED`; unknown ids as
 *   `POS_NOT_FOUND`; bad arguments as `POS_INPUT_INVALID`. A failed call changes nothing.
 * - Admin writes take an `actor` (who did it, e.g. `root` or `admin:<tokenId>`) and append an audit entry
 *   with the write (in its transaction on SQLite, right after it on MongoDB).
 */
/** The offline limits of terminals (docs/design.md#offline-limits). */
export interface OfflinePolicyStore {
  /**
   * The policy in force for a branch (its own, else the tenant's, else the default), or the tenant's
   * (else the default) when `branchId` is null. `POS_NOT_FOUND` for an unknown branch.
   */
  getOfflinePolicy(tenantId: string, branchId: string | null): Promise<EffectiveOfflinePolicy>;
  /**
   * Sets the tenant's policy (`branchId` null) or a branch's override; `policy` null removes it.
   * Validated (`POS_INPUT_INVALID`), audited. Answers the policy now in force there.
   */
  setOfflinePolicy(
    tenantId: string,
    branchId: string | null,
    policy: OfflinePolicy | null,
    actor: string,
  ): Promise<EffectiveOfflinePolicy>;
}

/** A policy and where it comes from. */
export type EffectiveOfflinePolicy = {
  policy: OfflinePolicy;
  source: 'default' | 'tenant' | 'branch';
};

export interface CloudStore
  extends
    TenancyStore,
    OfflinePolicyStore,
    CatalogStore,
    SalesLedgerStore,
    InventoryStore,
    CustomerStore,
    AdminQueries,
    StoreLifecycle {}

/**
 * Default age after which tombstones and audit entries may be pruned (90 days). One source of truth:
 * adapters default to it and the server's `POS_RETENTION` defaults to it.
 */
export const DEFAULT_RETENTION_MS = 90 * 24 * 60 * 60 * 1000;

/**
 * Default time without contact after which a terminal is listed as stale (15 minutes). Adapters default
 * to it and the server's `POS_STALE_TERMINAL_AFTER` defaults to it.
 */
export const DEFAULT_STALE_AFTER_MS = 15 * 60 * 1000;

/** Most products or categories one upsert (or ids one delete) call may carry. */
export const UPSERT_MAX = 5_000;

/** Most sales one `ingestSales` call may carry (a push is bounded by `PUSH_ROWS_MAX` already). */
export const INGEST_MAX = 5_000;

/** The catalog streams reconcile works on. */
export type CatalogStream = 'products' | 'categories';

/** Who a terminal is: derived from its token, never from a request body. */
export type TerminalScope = { tenantId: string; branchId: string; terminalId: string };

/** The answer to a presented terminal token. A revoked terminal still resolves, with `revoked: true`. */
export type TerminalIdentity = TerminalScope & { revoked: boolean };

/** A terminal and its plaintext token; the only time the token is visible. */
export type RegisteredTerminal = { terminal: Terminal; token: string };

/**
 * The answer to a presented admin token: the root token acts on any tenant. A tenant token that is
 * revoked or past its `expiresAt` still resolves, with its `status`, so the caller can say why it fails.
 */
export type AdminIdentity =
  | { kind: 'root' }
  | {
      kind: 'tenant';
      tenantId: string;
      tokenId: string;
      expiresAt: string | null;
      status: 'active' | 'revoked' | 'expired';
    };

/** A tenant admin token as listed: everything but its secret (only a hash of it is stored anyway). */
export type AdminTokenInfo = {
  tokenId: string;
  tenantId: string;
  name: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
};

/** An admin token and its plaintext; the only time the token is visible. */
export type IssuedAdminToken = AdminTokenInfo & { token: string };

/** Admin input to create a branch (the tenant comes from the token). */
export type BranchInput = Omit<Branch, 'tenantId'>;

/** What a terminal reported with a pull or push. */
export type TerminalContact = {
  kind: 'pull' | 'push';
  at?: Date;
  queueDepth?: number | null;
  /** The stream pulled and the checkpoint the terminal sent (its position before this pull). */
  stream?: StreamName;
  checkpoint?: Checkpoint | null;
};

/** A page of a stream, in the shape RxDB's replication expects. */
export type PullResult<T> = { documents: WithDeleted<T>[]; checkpoint: Checkpoint };

/** An inventory pull page, with the stored rows left out because they are invalid. */
export type InventoryPullResult = PullResult<InventoryItem> & {
  skipped: { id: string; seq: number; problem: string }[];
};

/** A pushed inventory row the store refused; `document` is the row as pushed. */
export type InventoryRefusal = {
  id: string;
  code: 'POS_FORBIDDEN' | 'POS_SYNC_EVENT_INVALID' | 'POS_INVENTORY_OPERATIONS_LIMIT';
  message: string;
  document: WithDeleted<InventoryItem>;
};

/** What `pushInventory` answers: the merged masters to adopt, and the rows refused. */
export type InventoryPushResult = {
  conflicts: WithDeleted<InventoryItem>[];
  refused: InventoryRefusal[];
};

/** One invalid stored inventory row and its repair. */
export type InventoryRepair = {
  id: string;
  problem: string;
  /** `foreign`: the id is not of the row's branch; not repairable in place, left out of pulls. */
  action: 'replayed' | 'reset' | 'foreign';
  /** On-hand stock after the repair (0 for `foreign`). */
  onHand: number;
  /** Whether it was written (false in a dry run). */
  repaired: boolean;
};

/** A customer row as RxDB pushes it; checked in full by the store. */
export type CustomerPushRow = { assumedMasterState?: unknown; newDocumentState: unknown };

/** A pushed customer row the store refused; `document` is the row as pushed. */
export type CustomerRefusal = {
  id: string;
  code: 'POS_FORBIDDEN' | 'POS_SYNC_EVENT_INVALID';
  message: string;
  document: Record<string, unknown>;
};

/** What `pushCustomers` answers: the merged masters to adopt, and the rows refused. */
export type CustomerPushResult = {
  conflicts: WithDeleted<Customer>[];
  refused: CustomerRefusal[];
};

/** Customers sharing a normalised phone number or email address. */
export type CustomerDuplicateGroup = {
  field: 'phone' | 'email';
  /** The normalised value they share. */
  key: string;
  customers: Customer[];
};

/** A push row for inventory as RxDB sends it. */
export type InventoryPushRow = {
  assumedMasterState?: WithDeleted<InventoryItem> | null;
  newDocumentState: WithDeleted<InventoryItem>;
};

/**
 * The outcome of one pushed sale.
 * - `ingested`: booked now, `sale` is the ingested copy (invoiceNo, ingestedAt, syncState `synced`).
 * - `duplicate`: same key and content as a booked sale, `sale` is the stored copy; nothing new booked.
 * - `rejected`: code `POS_SYNC_EVENT_INVALID`, stored as dead letter `rejectedEventId`; `sale` is what
 *   the push answers: the terminal's sale marked `needs_attention` (or `discarded`), also written to its
 *   sales stream when the payload was a valid sale; for any other payload with a string `id`, the
 *   pushed document echoed and marked so (`refusalAnswer`), answered by the push only; `null` when the
 *   payload has no `id` to answer to.
 */
export type SaleIngestOutcome =
  | { status: 'ingested' | 'duplicate'; key: string; sale: Sale }
  | {
      status: 'rejected';
      key: string | null;
      /** `POS_SYNC_EVENT_INVALID`, the return check's (`POS_RETURN_…`), `POS_FORBIDDEN` (customer). */
      code: RefusalCode;
      message: string;
      problems: IngestProblem[];
      rejectedEventId: string;
      sale: Sale | null;
    };

/** One reason a sale was refused: `validateSale`'s problems, or a conflict found at ingest. */
export type IngestProblem = {
  rule: SaleProblem['rule'] | 'key_conflict' | 'id_reused' | 'return_original' | 'account_customer';
  path: string;
  message: string;
};

/** A dead-letter entry with the operator's decision. */
export type DeadLetter = RejectedEvent & {
  resolution: 'accepted' | 'discarded' | null;
  resolutionNote: string | null;
  resolvedBy: string | null;
};

export type RejectedEventFilter = {
  branchId?: string;
  terminalId?: string;
  /** The refusal's error code (`POS_SYNC_EVENT_INVALID`, ...). */
  code?: string;
  /** One entry by id. */
  id?: string;
  /** Default `open`. */
  status?: 'open' | 'resolved' | 'all';
};

export type SalesFilter = {
  branchId?: string;
  terminalId?: string;
  from?: string;
  to?: string;
  /** Invoice numbers count per branch: with no `branchId`, one per branch may match. */
  invoiceNo?: number;
  /** The idempotency key (`saleIdempotencyKey`): the booked copy of an event, accepted ones included. */
  eventKey?: string;
  kind?: Sale['kind'];
};

/** Count and sums of the booked documents of one currency and kind (`summarizeSales`). */
export type SalesGroup = {
  currency: string;
  /** Bookings made before sales schema version 2 carry no kind: they are sales. */
  kind: Sale['kind'];
  count: number;
  subtotalMinor: number;
  discountMinor: number;
  taxMinor: number;
  totalMinor: number;
  /**
   * Payments less change of settlements: what they paid onto customer accounts (their totals are
   * zero). 0 in the groups of the other kinds, whose payments less change are their totals.
   */
  settledMinor: number;
};

/** The admin product list: `search` matches id, SKU or barcode exactly or a name substring. */
export type ProductListFilter = { search?: string };

/** Which sale a terminal asks for: by id, or by the branch's invoice number. */
export type SaleLookup = { saleId: string } | { invoiceNo: number };

/** A sale and what the cloud booked as returned of each of its lines (`ReturnCounter.returned`). */
export type SaleForReturn = { sale: Sale; returned: ReturnedLine[] };

/** Count and sums of one kind of document in one currency. */
export type KindTotals = Pick<
  SalesGroup,
  'count' | 'subtotalMinor' | 'discountMinor' | 'taxMinor' | 'totalMinor'
>;

/**
 * The summary of one currency: sales, returns and settlements apart, and `net` = sales − returns.
 * Settlements are payments onto customer accounts, not revenue: never part of `net`.
 */
export type CurrencyTotals = {
  currency: string;
  sales: KindTotals;
  returns: KindTotals;
  settlements: { count: number; settledMinor: number };
  net: SaleTotals;
};

/** The summary of the documents matching a filter: their number and each currency's totals. */
export type SalesTotals = { count: number; currencies: CurrencyTotals[] };

/** Cursor pagination: `first` items after the opaque `after` cursor. */
export type PageArgs = { first: number; after?: string | null };

/** A Relay-style connection. */
export type Connection<T> = {
  totalCount: number;
  edges: { cursor: string; node: T }[];
  pageInfo: { endCursor: string | null; hasNextPage: boolean };
};

/** Lost-sale detection for one installation (posId) of a terminal. */
export type PosGaps = {
  tenantId: string;
  branchId: string;
  terminalId: string;
  posId: string;
  /** Highest n such that localEventIds 1..n all arrived (0 when 1 is missing). */
  highestContiguous: number;
  highestSeen: number;
  /** Missing localEventIds as inclusive ranges, ascending. */
  gaps: { from: number; to: number }[];
};

/** Current head seq of each stream for one branch (0 when empty). */
export type StreamHeads = Record<StreamName, number>;

/** A terminal as the admin `terminals` query shows it. */
export type TerminalStatus = Terminal & {
  lastPullAt: string | null;
  lastPushAt: string | null;
  queueDepth: number | null;
  /** The last checkpoint the terminal reported per stream (null: never reported). */
  checkpoints: Partial<Record<StreamName, number>>;
  /** Stream head minus reported checkpoint, per stream it reported. */
  lag: Partial<Record<StreamName, number>>;
  gaps: PosGaps[];
  /** No contact within `staleAfterMs` (a terminal never seen is stale). */
  stale: boolean;
};

/** One audited admin write. */
export type AuditEntry = {
  id: string;
  tenantId: string;
  at: string;
  actor: string;
  action: string;
  /** What the entry is about (`terminal`, `product`, ...); its id is `target` when there is one. */
  entityType: string;
  target: string | null;
  details: Record<string, unknown>;
  /** Made at a till while offline and recorded when it reached the cloud. */
  offline: boolean;
};

/** Filters of the audit log; every one given must match. `from` ≤ at < `to`. */
export type AuditFilter = {
  entityType?: string;
  /** Matches the entry's `target`. */
  entityId?: string;
  actor?: string;
  from?: string;
  to?: string;
  offline?: boolean;
};

/** What `prune` removed. */
export type PruneReport = {
  tombstones: number;
  auditEntries: number;
  /** New retention floor per stream key (`products`, `categories`, `inventory:<branchId>`) and tenant. */
  floors: { tenantId: string; stream: string; seq: number }[];
};
