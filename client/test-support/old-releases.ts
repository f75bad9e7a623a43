import { createRxDatabase } from 'rxdb';
import type { RxJsonSchema } from 'rxdb';
import { replicateGraphQL } from 'rxdb/plugins/replication-graphql';
import type { Checkpoint } from '../../replication/index.ts';
import { createPullQueryBuilder, createPullResponseModifier } from '../../replication/index.ts';
import type { BranchProduct, Sale } from '../../schema/index.ts';
import { asVersion1Sale, customerRxSchema, productRxSchema } from '../../schema/index.ts';
import { getRxStorageSqlite } from '../storage/index.ts';
import { TERMINAL_DATABASE_NAME } from '../terminal-database.ts';

const money = { type: 'integer', minimum: 0 } as const;
const id = { type: 'string', maxLength: 64 } as const;

/**
 * The `sales` schema as releases of protocol versions 4 and 5 declared it (version 1), frozen here:
 * the current schema moves on, a data dir of those releases does not.
 */
export const SALES_SCHEMA_V1 = {
  title: 'sales',
  description: 'Sales made on this terminal, queued for push, then replaced by the ingested copy.',
  version: 1,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 36 },
    terminalId: id,
    posId: id,
    localEventId: { type: 'integer', minimum: 1 },
    branchId: id,
    cashierId: { type: ['string', 'null'], maxLength: 64 },
    createdAt: { type: 'string', maxLength: 24 },
    currency: { type: 'string', minLength: 3, maxLength: 3 },
    lines: {
      type: 'array',
      maxItems: 1000,
      items: {
        type: 'object',
        properties: {
          productId: id,
          sku: { type: 'string', maxLength: 64 },
          name: { type: 'string', maxLength: 200 },
          quantity: { type: 'integer', minimum: 1, maximum: 1_000_000 },
          unitPriceMinor: money,
          discountMinor: money,
          taxRateBps: { type: 'integer', minimum: 0, maximum: 10_000 },
          taxMinor: money,
          lineTotalMinor: money,
        },
        required: [
          'productId',
          'sku',
          'name',
          'quantity',
          'unitPriceMinor',
          'discountMinor',
          'taxRateBps',
          'taxMinor',
          'lineTotalMinor',
        ],
        additionalProperties: false,
      },
    },
    totals: {
      type: 'object',
      properties: {
        subtotalMinor: money,
        discountMinor: money,
        taxMinor: money,
        totalMinor: money,
      },
      required: ['subtotalMinor', 'discountMinor', 'taxMinor', 'totalMinor'],
      additionalProperties: false,
    },
    payments: {
      type: 'array',
      maxItems: 20,
      items: {
        type: 'object',
        properties: {
          method: { type: 'string', enum: ['cash', 'card', 'voucher', 'other'] },
          amountMinor: money,
        },
        required: ['method', 'amountMinor'],
        additionalProperties: false,
      },
    },
    changeMinor: money,
    invoiceNo: { type: ['integer', 'null'], minimum: 1 },
    ingestedAt: { type: ['string', 'null'], maxLength: 24 },
    syncState: {
      type: 'string',
      enum: ['queued', 'synced', 'needs_attention', 'discarded'],
      maxLength: 16,
    },
    lastError: {
      type: ['object', 'null'],
      properties: {
        code: { type: 'string', maxLength: 64 },
        message: { type: 'string', maxLength: 2000 },
      },
      required: ['code', 'message'],
      additionalProperties: false,
    },
    syncAttempts: { type: 'integer', minimum: 0 },
  },
  required: [
    'id',
    'terminalId',
    'posId',
    'localEventId',
    'branchId',
    'cashierId',
    'createdAt',
    'currency',
    'lines',
    'totals',
    'payments',
    'changeMinor',
    'invoiceNo',
    'ingestedAt',
    'syncState',
    'lastError',
    'syncAttempts',
  ],
  additionalProperties: false,
  indexes: [['syncState', 'createdAt']],
} as unknown as RxJsonSchema<Sale>;

/** The `sales` schema as releases before protocol version 4 declared it: no `discarded` state. */
export const SALES_SCHEMA_V0 = {
  ...SALES_SCHEMA_V1,
  version: 0,
  properties: {
    ...SALES_SCHEMA_V1.properties,
    syncState: { type: 'string', enum: ['queued', 'synced', 'needs_attention'], maxLength: 16 },
  },
} as unknown as RxJsonSchema<Sale>;

/**
 * The `products` schema as releases before the name key declared it (version 0: no `nameKey`, names
 * indexed within a category only), frozen here.
 */
export const PRODUCTS_SCHEMA_V0 = {
  title: 'products',
  description:
    'Branch view of the catalog: branch price applied, only products the branch carries.',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: id,
    sku: { type: 'string', minLength: 1, maxLength: 64 },
    barcode: { type: 'string', maxLength: 64 },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    categoryId: id,
    priceMinor: { type: 'integer', minimum: 0 },
    currency: { type: 'string', minLength: 3, maxLength: 3 },
    taxRateBps: { type: 'integer', minimum: 0, maximum: 10_000 },
    active: { type: 'boolean' },
    updatedAt: { type: 'string', maxLength: 24 },
  },
  required: [
    'id',
    'sku',
    'barcode',
    'name',
    'categoryId',
    'priceMinor',
    'currency',
    'taxRateBps',
    'active',
    'updatedAt',
  ],
  additionalProperties: false,
  indexes: ['sku', 'barcode', ['categoryId', 'name']],
} as RxJsonSchema<BranchProduct>;

/** Opens a terminal's file with the RxDB options every release used, without its collections. */
export function openTerminalFileAsRxDatabase(dataDir: string) {
  return createRxDatabase({
    name: TERMINAL_DATABASE_NAME,
    storage: getRxStorageSqlite({ directory: dataDir }),
    multiInstance: false,
    localDocuments: true,
  });
}

/**
 * Writes `sales` into a terminal file's `sales` collection under an older schema version, as a
 * release of that version left them (in bulk writes of 5,000; the version-2 fields stripped).
 */
export async function writeSalesAsVersion(
  version: 0 | 1,
  dataDir: string,
  sales: Sale[],
): Promise<void> {
  const db = await openTerminalFileAsRxDatabase(dataDir);
  try {
    const schema = version === 0 ? SALES_SCHEMA_V0 : SALES_SCHEMA_V1;
    await db.addCollections({ sales: { schema } });
    for (let i = 0; i < sales.length; i += 5_000) {
      await db['sales']!.bulkInsert(sales.slice(i, i + 5_000).map(asVersion1Sale));
    }
  } finally {
    await db.close();
  }
}

/**
 * Puts the products of a closed terminal's file back as a release before `products` schema version 1
 * left them: the collection (and its replication checkpoint) removed, then the catalog pulled from the
 * cloud into the version-0 table by a pull-only replication under the terminal's own replication
 * identifier, as that release's catalog stream did. The stored checkpoint is that release's.
 */
export async function storeProductsAsVersion0(
  dataDir: string,
  pull: { httpUrl: string; token: string; replicationIdentifier: string },
): Promise<void> {
  const db = await openTerminalFileAsRxDatabase(dataDir);
  try {
    await db.addCollections({ products: { schema: productRxSchema } });
    await db['products']!.remove();
    await db.addCollections({ products: { schema: PRODUCTS_SCHEMA_V0 } });
    const replication = replicateGraphQL<BranchProduct, Checkpoint>({
      collection: db['products']!,
      replicationIdentifier: pull.replicationIdentifier,
      url: { http: pull.httpUrl },
      headers: { Authorization: `Bearer ${pull.token}` },
      live: false,
      waitForLeadership: false,
      pull: {
        queryBuilder: createPullQueryBuilder('products'),
        responseModifier: createPullResponseModifier(),
        batchSize: 100,
      },
    });
    const errors: unknown[] = [];
    replication.error$.subscribe((error) => errors.push(error));
    await replication.awaitInitialReplication();
    await replication.cancel();
    if (errors.length > 0) throw new Error(`old release pull failed: ${String(errors[0])}`);
  } finally {
    await db.close();
  }
}

/**
 * Writes `products` into a terminal file's `products` collection under schema version 0, as a release
 * before version 1 left them (in bulk writes of 5,000), without a replication checkpoint.
 */
export async function writeProductsAsVersion0(
  dataDir: string,
  products: BranchProduct[],
): Promise<void> {
  const db = await openTerminalFileAsRxDatabase(dataDir);
  try {
    await db.addCollections({ products: { schema: PRODUCTS_SCHEMA_V0 } });
    for (let i = 0; i < products.length; i += 5_000) {
      await db['products']!.bulkInsert(products.slice(i, i + 5_000));
    }
  } finally {
    await db.close();
  }
}

/** `writeSalesAsVersion(0, …)`: a data dir of a release before protocol version 4. */
export function writeSalesAsVersion0(dataDir: string, sales: Sale[]): Promise<void> {
  return writeSalesAsVersion(0, dataDir, sales);
}

/**
 * Makes a closed terminal's file look as a release before the `customers` collection (protocol 5)
 * left it: no customers collection and an identity without a customers generation.
 */
export async function storeAsReleaseBeforeCustomers(dataDir: string): Promise<void> {
  const db = await openTerminalFileAsRxDatabase(dataDir);
  try {
    await db.addCollections({ customers: { schema: customerRxSchema } });
    await db['customers']!.remove();
    const identity = await db.getLocal<{ generations: Record<string, number> }>('identity');
    if (identity) {
      const data = identity.toJSON().data;
      const { customers: _dropped, ...generations } = data.generations;
      await db.upsertLocal('identity', { ...data, generations });
    }
  } finally {
    await db.close();
  }
}
