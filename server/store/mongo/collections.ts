import type { AnyBulkWriteOperation, Collection, Db, Document, IndexDescription } from 'mongodb';
import type { WithDeleted } from 'rxdb';
import type { Customer, InventoryItem, OfflinePolicy, Sale } from '../../../schema/index.ts';
import type { IngestProblem } from '../cloud-store.ts';
import { entityTypeOfAction } from '../core/audit-entry.ts';
import type { ReturnCounter } from '../core/return-booking.ts';

/** A catalog record (products or categories): the cloud document plus what pulls and digests need. */
export type CatalogDoc<T> = {
  tenantId: string;
  id: string;
  seq: number;
  deleted: boolean;
  changedAt: string;
  viewHash: string;
  idHash32: number;
  branchSpecific: boolean;
  doc: T;
};

export type StreamHeadDoc = { _id: string; floor: number };
export type SettingDoc = { _id: string; value: string };
export type TenantDoc = { _id: string; name: string; createdAt: string };
export type AdminTokenDoc = {
  _id: string;
  tenantId: string;
  name: string;
  tokenHash: string;
  createdAt: string;
  /** Absent on tokens written before expiry and revocation existed: read as `null`. */
  expiresAt?: string | null;
  revokedAt?: string | null;
};
export type BranchDoc = {
  tenantId: string;
  id: string;
  name: string;
  currency: string | null;
  createdAt: string;
};
export type TerminalDoc = {
  tenantId: string;
  id: string;
  branchId: string;
  name: string;
  tokenHash: string;
  createdAt: string;
  revokedAt: string | null;
  lastPullAt: string | null;
  lastPushAt: string | null;
  queueDepth: number | null;
  checkpoints: Record<string, number>;
};
export type SaleDoc = {
  tenantId: string;
  id: string;
  branchId: string;
  terminalId: string;
  posId: string;
  localEventId: number;
  eventKey: string;
  /** '' for every booking (one per key); a dead letter id on an accept booked by an older release. */
  acceptedFrom: string;
  contentHash: string;
  invoiceNo: number;
  createdAt: string;
  ingestedAt: string;
  doc: Sale;
  /** Absent on bookings made before sales schema version 2: those are sales. */
  kind?: Sale['kind'];
  /** The original a return points at; absent or null otherwise. */
  returnOf?: string | null;
};
/** What was returned of one original sale (`ReturnCounter`), changed by conditional updates. */
export type ReturnCounterDoc = ReturnCounter & { tenantId: string };
/** An offline policy: scope '' for the tenant's, a branch id for a branch's override. */
export type OfflinePolicyDoc = {
  tenantId: string;
  scope: string;
  policy: OfflinePolicy;
  updatedAt: string;
};
export type SaleAckDoc = {
  tenantId: string;
  branchId: string;
  terminalId: string;
  saleId: string;
  seq: number;
  ingested: boolean;
  doc: Sale;
};
export type PosProgressDoc = {
  tenantId: string;
  terminalId: string;
  posId: string;
  branchId: string;
  highestContiguous: number;
  highestSeen: number;
};
export type DeadLetterDoc = {
  /** UUIDv7: time-ordered, so listing by `_id` is arrival order. */
  _id: string;
  tenantId: string;
  branchId: string;
  terminalId: string;
  eventKey: string;
  eventId: string | null;
  posId: string | null;
  localEventId: number | null;
  code: string;
  message: string;
  problems: IngestProblem[];
  /** Canonical JSON of the payload as received (keeps keys MongoDB would refuse, like `$x`). */
  payload: string;
  payloadHash: string;
  receivedAt: string;
  resolvedAt: string | null;
  resolution: 'accepted' | 'discarded' | null;
  resolutionNote: string | null;
  resolvedBy: string | null;
};
export type InventoryDoc = {
  tenantId: string;
  branchId: string;
  id: string;
  seq: number;
  deleted: boolean;
  changedAt: string;
  doc: WithDeleted<InventoryItem>;
};
/** The terminal an inventory operation creator belongs to (the first that wrote under it). */
export type InventoryCreatorDoc = {
  tenantId: string;
  creator: string;
  terminalId: string;
};
export type CustomerDoc = {
  tenantId: string;
  id: string;
  seq: number;
  /** The customer a duplicate was merged into (balances sum the entries of merged customers too). */
  mergedInto: string | null;
  /** Normalised phone and email, for duplicate detection. */
  phoneKey: string | null;
  emailKey: string | null;
  changedAt: string;
  doc: WithDeleted<Customer>;
};
/** One booking on a customer account: never changed or deleted; `seq` is the tenant's ledger position. */
export type LedgerEntryDoc = {
  tenantId: string;
  seq: number;
  saleId: string;
  customerId: string;
  kind: string;
  /** What the booking adds to the balance: a charge positive, a settlement or refund negative. */
  amountMinor: number;
  branchId: string;
  terminalId: string;
  createdAt: string;
  /** A charge's verification ('verified', 'over_limit'); an operator resolves over-limit ones. */
  verification: 'verified' | 'over_limit' | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
  resolutionNote: string | null;
};
export type AuditDoc = {
  /** UUIDv7: time-ordered, so listing by `_id` is oldest first. */
  _id: string;
  tenantId: string;
  at: string;
  actor: string;
  action: string;
  /** Absent on entries written before filters existed until the backfill of `ensureIndexes`. */
  entityType?: string;
  target: string | null;
  details: Record<string, unknown>;
  offline?: boolean;
};

export type Collections = {
  settings: Collection<SettingDoc>;
  streamHeads: Collection<StreamHeadDoc>;
  tenants: Collection<TenantDoc>;
  adminTokens: Collection<AdminTokenDoc>;
  branches: Collection<BranchDoc>;
  terminals: Collection<TerminalDoc>;
  products: Collection<CatalogDoc<any>>;
  categories: Collection<CatalogDoc<any>>;
  inventory: Collection<InventoryDoc>;
  inventoryCreators: Collection<InventoryCreatorDoc>;
  customers: Collection<CustomerDoc>;
  ledgerEntries: Collection<LedgerEntryDoc>;
  sales: Collection<SaleDoc>;
  saleAcks: Collection<SaleAckDoc>;
  posProgress: Collection<PosProgressDoc>;
  deadLetters: Collection<DeadLetterDoc>;
  auditLog: Collection<AuditDoc>;
  returnCounters: Collection<ReturnCounterDoc>;
  offlinePolicies: Collection<OfflinePolicyDoc>;
};

/**
 * Every index, by collection. Unique indexes carry the invariants (one seq per stream, one invoice
 * number per branch, one booking per idempotency key); the others serve exactly one pull or admin
 * query each (named after it). Names are stable: duplicate-key errors are recognised by them.
 */
export const INDEXES: Record<keyof Collections, IndexDescription[]> = {
  settings: [],
  streamHeads: [],
  tenants: [],
  adminTokens: [
    { key: { tokenHash: 1 }, name: 'admin_token_hash', unique: true },
    { key: { tenantId: 1, createdAt: 1, _id: 1 }, name: 'admin_token_list' },
  ],
  branches: [{ key: { tenantId: 1, id: 1 }, name: 'branch_id', unique: true }],
  terminals: [
    { key: { tenantId: 1, id: 1 }, name: 'terminal_id', unique: true },
    { key: { tokenHash: 1 }, name: 'terminal_token_hash', unique: true },
    { key: { tenantId: 1, branchId: 1, name: 1, id: 1 }, name: 'terminal_list' },
  ],
  products: catalogIndexes('products'),
  categories: catalogIndexes('categories'),
  inventory: [
    { key: { tenantId: 1, id: 1 }, name: 'inventory_id', unique: true },
    { key: { tenantId: 1, branchId: 1, seq: 1 }, name: 'inventory_seq', unique: true },
    { key: { tenantId: 1, branchId: 1, seqs: 1 }, name: 'inventory_seq_slots', unique: true },
    { key: { deleted: 1, changedAt: 1 }, name: 'inventory_retention' },
  ],
  inventoryCreators: [
    { key: { tenantId: 1, creator: 1 }, name: 'inventory_creator', unique: true },
  ],
  customers: [
    { key: { tenantId: 1, id: 1 }, name: 'customers_id', unique: true },
    { key: { tenantId: 1, seq: 1 }, name: 'customers_seq', unique: true },
    { key: { tenantId: 1, seqs: 1 }, name: 'customers_seq_slots', unique: true },
    { key: { tenantId: 1, phoneKey: 1, mergedInto: 1 }, name: 'customers_phone' },
    { key: { tenantId: 1, emailKey: 1, mergedInto: 1 }, name: 'customers_email' },
    { key: { tenantId: 1, mergedInto: 1 }, name: 'customers_merged' },
    // An account booking naming another tenant's customer is refused (by id across tenants).
    { key: { id: 1 }, name: 'customers_by_id' },
  ],
  ledgerEntries: [
    { key: { tenantId: 1, saleId: 1 }, name: 'ledger_sale', unique: true },
    { key: { tenantId: 1, seq: 1 }, name: 'ledger_seq', unique: true },
    { key: { tenantId: 1, customerId: 1, seq: 1 }, name: 'ledger_customer' },
    { key: { tenantId: 1, verification: 1, resolvedAt: 1, seq: 1 }, name: 'ledger_over_limit' },
  ],
  sales: [
    { key: { tenantId: 1, eventKey: 1, acceptedFrom: 1 }, name: 'sale_event_key', unique: true },
    { key: { tenantId: 1, branchId: 1, invoiceNo: 1 }, name: 'sale_invoice_no', unique: true },
    { key: { tenantId: 1, id: 1 }, name: 'sale_id', unique: true },
    { key: { tenantId: 1, ingestedAt: 1, branchId: 1, invoiceNo: 1 }, name: 'sale_query' },
    { key: { tenantId: 1, branchId: 1, ingestedAt: 1, invoiceNo: 1 }, name: 'sale_query_branch' },
    {
      key: { tenantId: 1, terminalId: 1, ingestedAt: 1, branchId: 1, invoiceNo: 1 },
      name: 'sale_query_terminal',
    },
    { key: { tenantId: 1, terminalId: 1, posId: 1, localEventId: 1 }, name: 'sale_pos_events' },
    { key: { tenantId: 1, returnOf: 1 }, name: 'sale_returns' },
  ],
  returnCounters: [{ key: { tenantId: 1, saleId: 1 }, name: 'return_counter_sale', unique: true }],
  offlinePolicies: [{ key: { tenantId: 1, scope: 1 }, name: 'offline_policy_scope', unique: true }],
  saleAcks: [
    { key: { tenantId: 1, branchId: 1, seq: 1 }, name: 'sale_ack_seq', unique: true },
    { key: { tenantId: 1, branchId: 1, seqs: 1 }, name: 'sale_ack_seq_slots', unique: true },
    { key: { tenantId: 1, branchId: 1, saleId: 1 }, name: 'sale_ack_sale', unique: true },
    { key: { tenantId: 1, branchId: 1, terminalId: 1, seq: 1 }, name: 'sale_ack_pull' },
  ],
  posProgress: [
    { key: { tenantId: 1, terminalId: 1, posId: 1 }, name: 'pos_progress_id', unique: true },
    { key: { tenantId: 1, branchId: 1, terminalId: 1, posId: 1 }, name: 'pos_progress_branch' },
  ],
  deadLetters: [
    { key: { tenantId: 1, resolvedAt: 1, _id: 1 }, name: 'dead_letter_list' },
    { key: { tenantId: 1, eventKey: 1, payloadHash: 1 }, name: 'dead_letter_payload' },
    {
      key: { tenantId: 1, terminalId: 1, posId: 1, localEventId: 1 },
      name: 'dead_letter_pos_events',
    },
  ],
  auditLog: [
    { key: { tenantId: 1, _id: 1 }, name: 'audit_list' },
    { key: { at: 1 }, name: 'audit_retention' },
    // One index per filter, each ending in _id so a filtered page is a range scan in cursor order.
    { key: { tenantId: 1, entityType: 1, target: 1, _id: 1 }, name: 'audit_entity' },
    { key: { tenantId: 1, actor: 1, _id: 1 }, name: 'audit_actor' },
    { key: { tenantId: 1, offline: 1, _id: 1 }, name: 'audit_offline' },
    { key: { tenantId: 1, at: 1, _id: 1 }, name: 'audit_at' },
  ],
};

function catalogIndexes(stream: string): IndexDescription[] {
  return [
    { key: { tenantId: 1, id: 1 }, name: `${stream}_id`, unique: true },
    // The pull: `seq > C` ordered by seq is a range scan of this index.
    { key: { tenantId: 1, seq: 1 }, name: `${stream}_seq`, unique: true },
    { key: { tenantId: 1, seqs: 1 }, name: `${stream}_seq_slots`, unique: true },
    { key: { tenantId: 1, deleted: 1, idHash32: 1 }, name: `${stream}_live` },
    { key: { deleted: 1, changedAt: 1 }, name: `${stream}_retention` },
    // SKU and barcode lookups for the uniqueness check of product upserts (not unique: older data
    // may hold duplicates; the check reports them when one is written again).
    ...(stream === 'products'
      ? [
          { key: { tenantId: 1, 'doc.sku': 1 }, name: 'products_sku' },
          { key: { tenantId: 1, 'doc.barcode': 1 }, name: 'products_barcode' },
        ]
      : []),
  ];
}

const COLLECTION_NAMES: Record<keyof Collections, string> = {
  settings: 'settings',
  streamHeads: 'stream_heads',
  tenants: 'tenants',
  adminTokens: 'admin_tokens',
  branches: 'branches',
  terminals: 'terminals',
  products: 'products',
  categories: 'categories',
  inventory: 'inventory',
  inventoryCreators: 'inventory_creators',
  customers: 'customers',
  ledgerEntries: 'ledger_entries',
  sales: 'sales',
  saleAcks: 'sale_acks',
  posProgress: 'pos_progress',
  deadLetters: 'dead_letters',
  auditLog: 'audit_log',
  returnCounters: 'return_counters',
  offlinePolicies: 'offline_policies',
};

/**
 * The collections with the adapter's read and write concerns: every write waits for a majority (a
 * seq or invoice number a terminal saw can never be rolled back by a failover) and every read is
 * majority-committed. The seq allocator reads the maximum with `local` instead (`stream-seq.ts`).
 */
export function collectionsOf(db: Db): Collections {
  const out = {} as Record<string, Collection>;
  for (const [key, name] of Object.entries(COLLECTION_NAMES)) {
    out[key] = db.collection(name, {
      writeConcern: { w: 'majority' },
      readConcern: { level: 'majority' },
    });
  }
  return out as unknown as Collections;
}

/** The stream collections whose documents keep the seqs they held (`seqs`, see `stream-seq.ts`). */
const SLOTTED: (keyof Collections)[] = [
  'products',
  'categories',
  'inventory',
  'customers',
  'saleAcks',
];

/**
 * Creates every index (idempotent: an existing index with the same definition is a no-op). Documents
 * written before the seq slots existed get `seqs: [seq]` first, so the unique slot index can be built;
 * once that index exists every write keeps `seqs`, so the backfill runs once per collection, not on
 * every open.
 */
export async function ensureIndexes(collections: Collections): Promise<void> {
  await Promise.all([
    ...SLOTTED.map((key) => backfillSeqSlots(collections[key] as unknown as Collection)),
    backfillAuditFields(collections.auditLog),
  ]);
  await Promise.all(
    (Object.keys(INDEXES) as (keyof Collections)[]).map(async (key) => {
      const indexes = INDEXES[key];
      if (indexes.length > 0) await collections[key].createIndexes(indexes);
    }),
  );
}

async function backfillSeqSlots(collection: Collection): Promise<void> {
  let indexes: Document[];
  try {
    indexes = await collection.listIndexes().toArray();
  } catch (error) {
    // MongoDB answers NamespaceNotFound for a collection not created yet: nothing to backfill.
    if ((error as { code?: number }).code === 26) return;
    throw error;
  }
  if (indexes.some((index) => String(index['name']).endsWith('_seq_slots'))) return;
  const missing = collection.find(
    { seqs: { $exists: false } },
    { projection: { _id: 1, seq: 1 }, readConcern: { level: 'local' } },
  );
  let batch: AnyBulkWriteOperation[] = [];
  for await (const doc of missing) {
    batch.push({
      updateOne: { filter: { _id: doc._id }, update: { $set: { seqs: [doc['seq']] } } },
    });
    if (batch.length === 1_000) {
      await collection.bulkWrite(batch, { ordered: false });
      batch = [];
    }
  }
  if (batch.length > 0) await collection.bulkWrite(batch, { ordered: false });
}

/**
 * Audit entries written before entries carried an entity type and offline flag get them, so the
 * filters match old entries too. Runs until the filter indexes exist, so once per database.
 */
async function backfillAuditFields(coll: Collection<AuditDoc>): Promise<void> {
  let indexes: Document[];
  try {
    indexes = await coll.listIndexes().toArray();
  } catch (error) {
    if ((error as { code?: number }).code === 26) return;
    throw error;
  }
  if (indexes.some((index) => index['name'] === 'audit_entity')) return;
  const actions = await coll.distinct('action', { entityType: { $exists: false } });
  for (const action of actions) {
    await coll.updateMany(
      { action, entityType: { $exists: false } },
      { $set: { entityType: entityTypeOfAction(action) } },
    );
  }
  await coll.updateMany({ offline: { $exists: false } }, { $set: { offline: false } });
}
