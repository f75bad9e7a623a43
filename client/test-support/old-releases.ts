import { createRxDatabase } from 'rxdb';
import type { RxJsonSchema } from 'rxdb';
import type { Sale } from '../../schema/index.ts';
import { customerRxSchema, saleRxSchema } from '../../schema/index.ts';
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
