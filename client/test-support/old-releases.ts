import { createRxDatabase } from 'rxdb';
import type { RxJsonSchema } from 'rxdb';
import { replicateGraphQL } from 'rxdb/plugins/replication-graphql';
import type { Checkpoint } from '../../replication/index.ts';
import { createPullQueryBuilder, createPullResponseModifier } from '../../replication/index.ts';
import type { BranchProduct, Sale } from '../../schema/index.ts';
import { productRxSchema, saleRxSchema } from '../../schema/index.ts';
import { getRxStorageSqlite } from '../storage/index.ts';
import { TERMINAL_DATABASE_NAME } from '../terminal-database.ts';

/** The `sales` schema as releases before protocol version 4 declared it: no `discarded` state. */
export const SALES_SCHEMA_V0 = {
  ...saleRxSchema,
  version: 0,
  properties: {
    ...saleRxSchema.properties,
    syncState: { type: 'string', enum: ['queued', 'synced', 'needs_attention'], maxLength: 16 },
  },
} as RxJsonSchema<Sale>;

/** The `products` schema as releases before protocol version 6 declared it: no `nameKey`. */
export const PRODUCTS_SCHEMA_V0 = (() => {
  const { nameKey: _nameKey, ...properties } = productRxSchema.properties;
  return {
    ...productRxSchema,
    version: 0,
    properties,
    required: (productRxSchema.required as string[]).filter((field) => field !== 'nameKey'),
    indexes: ['sku', 'barcode', ['categoryId', 'name']],
  } as unknown as RxJsonSchema<BranchProduct>;
})();

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
 * Writes `sales` into a terminal file's `sales` collection under schema version 0, as a release before
 * version 1 left them (in bulk writes of 5,000).
 */
export async function writeSalesAsVersion0(dataDir: string, sales: Sale[]): Promise<void> {
  const db = await openTerminalFileAsRxDatabase(dataDir);
  try {
    await db.addCollections({ sales: { schema: SALES_SCHEMA_V0 } });
    for (let i = 0; i < sales.length; i += 5_000) {
      await db['sales']!.bulkInsert(sales.slice(i, i + 5_000));
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
