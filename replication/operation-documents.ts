import {
  branchProductSchema,
  categorySchema,
  customerSchema,
  inventoryItemSchema,
  saleSchema,
} from '../schema/index.ts';
import { selectionSetOf } from './selection-set.ts';

/** The replicated streams, one RxDB collection each on the terminal. */
export const STREAMS = ['products', 'categories', 'inventory', 'sales', 'customers'] as const;

/** A replicated stream. */
export type StreamName = (typeof STREAMS)[number];

/** The streams a terminal pushes; the catalog is pull only. */
export const PUSH_STREAMS = ['sales', 'inventory', 'customers'] as const;

/** The streams every terminal of a tenant pulls alike; the others are per branch. */
export const TENANT_STREAMS = ['products', 'categories', 'customers'] as const;

/** Whether a stream is tenant-wide (one seq per tenant) rather than per branch. */
export function isTenantStream(stream: StreamName): stream is (typeof TENANT_STREAMS)[number] {
  return (TENANT_STREAMS as readonly string[]).includes(stream);
}

/** A stream a terminal pushes. */
export type PushStreamName = (typeof PUSH_STREAMS)[number];

/** `products` -> `Products`, for operation and type names. */
function capitalize(stream: string): string {
  return stream.charAt(0).toUpperCase() + stream.slice(1);
}

/**
 * The fields of each stream's documents, `_deleted` included: the document shape of the pull response,
 * the push conflicts and the input rows. Derived from the zod schemas of `schema/`.
 */
export const DOCUMENT_SELECTIONS: Readonly<Record<StreamName, string>> = {
  products: `${selectionSetOf(branchProductSchema)} _deleted`,
  categories: `${selectionSetOf(categorySchema)} _deleted`,
  inventory: `${selectionSetOf(inventoryItemSchema, ['crdts'])} _deleted`,
  sales: `${selectionSetOf(saleSchema)} _deleted`,
  customers: `${selectionSetOf(customerSchema)} _deleted`,
};

/** The operation name of a stream's pull query: `pullProducts`, `pullCategories`, ... */
export function pullOperationName(stream: StreamName): string {
  return `pull${capitalize(stream)}`;
}

/** The operation name of a stream's push mutation: `pushSales`, `pushInventory`. */
export function pushOperationName(stream: PushStreamName): string {
  return `push${capitalize(stream)}`;
}

/** The operation name of a stream's subscription: `streamProducts`, ... */
export function streamOperationName(stream: StreamName): string {
  return `stream${capitalize(stream)}`;
}

/**
 * Pull query of a stream: changes after `checkpoint` (null = from the start), at most `limit`. The
 * answered checkpoint is selected whole (`seq snapshotFloor`): the terminal sends it back as it came.
 * `queueDepth` is the terminal's count of queued sales, reported with every pull so the server can show
 * it per terminal without a separate request; it changes nothing in the answer.
 */
function pullDocument(stream: StreamName): string {
  const name = pullOperationName(stream);
  return (
    `query ${name}($checkpoint: CheckpointInput, $limit: Int!, $queueDepth: Int) { ` +
    `${name}(checkpoint: $checkpoint, limit: $limit, queueDepth: $queueDepth) { ` +
    `documents { ${DOCUMENT_SELECTIONS[stream]} } checkpoint { seq snapshotFloor } } }`
  );
}

/**
 * Push mutation of a stream, RxDB's shape: rows of `{ assumedMasterState, newDocumentState }`, answered
 * with the master documents that conflicted (empty when every row was accepted). A conflict is not an
 * error: the terminal's conflict handler decides. An inventory row the cloud refused is answered as
 * pushed with `refusal { code message }` set; the terminal takes it out of the conflicts.
 */
function pushDocument(stream: PushStreamName): string {
  const name = pushOperationName(stream);
  const rowType = `${{ sales: 'Sale', inventory: 'Inventory', customers: 'Customer' }[stream]}PushRow`;
  // A refused inventory or customer row comes back as pushed, with its refusal (sales carry theirs
  // in lastError).
  const refusal = stream === 'sales' ? '' : ' refusal { code message }';
  return (
    `mutation ${name}($rows: [${rowType}!]!) { ` +
    `${name}(rows: $rows) { ${DOCUMENT_SELECTIONS[stream]}${refusal} } }`
  );
}

/**
 * Subscription of a stream. It carries a hint, never documents: `{ latestSeq }`, the newest seq of the
 * stream in the terminal's scope. A terminal answers every hint by pulling from its own checkpoint, so
 * the stream can never move a checkpoint past changes not yet pulled, and a lost or repeated hint is
 * harmless. Auth travels in the WebSocket connection params, so the subscription takes no arguments.
 */
function streamDocument(stream: StreamName): string {
  const name = streamOperationName(stream);
  return `subscription ${name} { ${name} { latestSeq } }`;
}

/** Pull queries by stream. */
export const PULL_DOCUMENTS: Readonly<Record<StreamName, string>> = {
  products: pullDocument('products'),
  categories: pullDocument('categories'),
  inventory: pullDocument('inventory'),
  sales: pullDocument('sales'),
  customers: pullDocument('customers'),
};

/** Push mutations by stream. */
export const PUSH_DOCUMENTS: Readonly<Record<PushStreamName, string>> = {
  sales: pushDocument('sales'),
  inventory: pushDocument('inventory'),
  customers: pushDocument('customers'),
};

/** Subscriptions by stream. */
export const STREAM_DOCUMENTS: Readonly<Record<StreamName, string>> = {
  products: streamDocument('products'),
  categories: streamDocument('categories'),
  inventory: streamDocument('inventory'),
  sales: streamDocument('sales'),
  customers: streamDocument('customers'),
};

/**
 * Reconcile, one query used in two rounds (see `reconcile-plan.ts`):
 * 1. `digests` holds the terminal's `bucketCount` bucket digests, `manifestBuckets` is omitted: the
 *    server answers the buckets whose digest differs;
 * 2. `digests` is empty and `manifestBuckets` lists some differing buckets: the server answers their
 *    `{ id hash }` entries (at most `MANIFEST_MAX_ENTRIES`, else `POS_CATALOG_MANIFEST_TOO_LARGE`).
 * `checkpoint` is the stream's seq when the server computed its side, for the terminal's report.
 */
export const RECONCILE_CATALOG_DOCUMENT =
  'query reconcileCatalog($stream: CatalogStream!, $bucketCount: Int!, $digests: [String!]!, ' +
  '$manifestBuckets: [Int!]) { reconcileCatalog(stream: $stream, bucketCount: $bucketCount, ' +
  'digests: $digests, manifestBuckets: $manifestBuckets) { ' +
  'checkpoint { seq } differingBuckets manifest { id hash } } }';

/**
 * Fetches catalog documents by id in the branch view, for the `missing` and `stale` ids of a reconcile
 * plan. Ids the branch does not carry come back as tombstones (`_deleted: true`).
 */
export const CATALOG_BY_IDS_DOCUMENTS = {
  products:
    'query productsByIds($ids: [String!]!) { productsByIds(ids: $ids) { ' +
    `${DOCUMENT_SELECTIONS.products} } }`,
  categories:
    'query categoriesByIds($ids: [String!]!) { categoriesByIds(ids: $ids) { ' +
    `${DOCUMENT_SELECTIONS.categories} } }`,
} as const;

/** The catalog streams reconcile covers, as the `CatalogStream` GraphQL enum spells them. */
export const CATALOG_STREAM_ENUM = { products: 'PRODUCTS', categories: 'CATEGORIES' } as const;

/**
 * The terminal's own scope, from its token alone: a terminal is configured with a server URL and a
 * token, and learns its `terminalId`, `branchId` and the branch's currency from this query.
 */
export const CURRENT_TERMINAL_DOCUMENT =
  'query currentTerminal { currentTerminal { terminalId tenantId branchId name currency } }';

/**
 * A booked sale of the terminal's branch, by `saleId` or `invoiceNo`, with what was returned of each
 * of its lines (by line index): what a terminal needs to return another terminal's sale online.
 */
export const SALE_FOR_RETURN_DOCUMENT =
  'query saleForReturn($saleId: String, $invoiceNo: SafeInt) { saleForReturn(saleId: $saleId, ' +
  `invoiceNo: $invoiceNo) { sale { ${DOCUMENT_SELECTIONS.sales} } returned { quantity ` +
  'discountMinor taxMinor } } }';

/**
 * The offline limits in force for the terminal's branch (`currentTerminal.offlinePolicy`), aliased
 * so the answer is `data.offlinePolicy.offlinePolicy`: fetched at start, on reconnect and
 * periodically while online (docs/design.md#offline-limits).
 */
export const OFFLINE_POLICY_DOCUMENT =
  'query offlinePolicy { offlinePolicy: currentTerminal { offlinePolicy { thresholdMs ' +
  'maxSaleMinor maxTotalMinor methods } } }';
