import { mkdirSync } from 'node:fs';
import { addRxPlugin, createRxDatabase } from 'rxdb';
import type { RxCollection, RxDatabase } from 'rxdb';
import { RxDBcrdtPlugin } from 'rxdb/plugins/crdt';
import { RxDBLocalDocumentsPlugin } from 'rxdb/plugins/local-documents';
import { RxDBMigrationSchemaPlugin } from 'rxdb/plugins/migration-schema';
import {
  createCatalogConflictHandler,
  customerConflictHandler,
  saleConflictHandler,
} from '../replication/index.ts';
import type { Category, Customer, InventoryItem, Sale, StoredProduct } from '../schema/index.ts';
import {
  PosError,
  categoryRxSchema,
  customerRxSchema,
  inventoryRxSchema,
  productRxMigrations,
  productRxSchema,
  saleRxMigrations,
  saleRxSchema,
} from '../schema/index.ts';
import { getRxStorageSqlite } from './storage/index.ts';

addRxPlugin(RxDBcrdtPlugin);
addRxPlugin(RxDBLocalDocumentsPlugin);
addRxPlugin(RxDBMigrationSchemaPlugin);

/** The terminal's collections. */
export type TerminalCollections = {
  products: RxCollection<StoredProduct>;
  categories: RxCollection<Category>;
  inventory: RxCollection<InventoryItem>;
  sales: RxCollection<Sale>;
  customers: RxCollection<Customer>;
};

/** The terminal's RxDB database. */
export type TerminalDatabase = RxDatabase<TerminalCollections>;

/** Documents moved per write when a schema migration runs (see `openTerminalDatabase`). */
const MIGRATION_BATCH = 2_000;

/** Name of the RxDB database, hence of the SQLite file `<dataDir>/terminal.sqlite`. */
export const TERMINAL_DATABASE_NAME = 'terminal';

/**
 * Opens the terminal's database: one SQLite file holding the catalog, the branch inventory, the sales,
 * the tenant's customers and (as RxDB local documents) the terminal's identity.
 *
 * Durability: sales and inventory commit with `synchronous=FULL` (a sale shown to a cashier survives a
 * power loss); the catalog collections with `catalogSynchronous` (NORMAL by default: they can be pulled
 * again, and WAL frames become durable in order, so the next sale's FULL commit flushes them too).
 * RxDB's replication bookkeeping commits NORMAL too: a lost checkpoint pulls again, a lost assumed
 * master state of an inventory row pushes again and the cloud answers with a conflict the CRDT
 * merge resolves; it spares two fsyncs per pulled change, in the delta's critical path.
 */
export async function openTerminalDatabase(options: {
  dataDir: string;
  catalogSynchronous: 'FULL' | 'NORMAL';
}): Promise<TerminalDatabase> {
  mkdirSync(options.dataDir, { recursive: true });
  const db = await createRxDatabase<TerminalCollections>({
    name: TERMINAL_DATABASE_NAME,
    // The storage's name includes its directory, so several terminals (tests, the simulator,
    // benchmarks) run in one process, each on its own file.
    storage: getRxStorageSqlite({
      directory: options.dataDir,
      synchronous: 'FULL',
      replicationMetaSynchronous: 'NORMAL',
    }),
    localDocuments: true,
    // One process per data dir (the storage locks the file), so no cross-tab leader election.
    multiInstance: false,
    eventReduce: true,
  });
  const catalog = { synchronous: options.catalogSynchronous };
  await db.addCollections({
    products: {
      schema: productRxSchema,
      conflictHandler: createCatalogConflictHandler<StoredProduct>(),
      instanceCreationOptions: catalog,
      migrationStrategies: productRxMigrations,
      autoMigrate: false,
    },
    categories: {
      schema: categoryRxSchema,
      conflictHandler: createCatalogConflictHandler<Category>(),
      instanceCreationOptions: catalog,
    },
    // The crdt plugin installs the inventory's conflict handler itself.
    inventory: { schema: inventoryRxSchema },
    sales: {
      schema: saleRxSchema,
      conflictHandler: saleConflictHandler,
      migrationStrategies: saleRxMigrations,
      autoMigrate: false,
    },
    // Edits made here offline survive power loss (FULL, the storage's default); a data dir of a
    // release before customers gets the empty collection here and pulls it from the start.
    customers: { schema: customerRxSchema, conflictHandler: customerConflictHandler },
  });
  // A file written by a release with an older schema migrates its stored documents before the
  // terminal opens, offline too (docs/design.md#migrations-on-open). RxDB's automatic migration
  // moves 10 documents per write; large batches keep the first start after an upgrade short on a
  // terminal holding a year of sales or a large catalog. RxDB carries each collection's replication
  // checkpoints across, so the streams continue where they were.
  for (const collection of [db.products, db.sales]) {
    if (await collection.migrationNeeded()) await collection.migratePromise(MIGRATION_BATCH);
  }
  refuseLocalCatalogWrites(db.products);
  refuseLocalCatalogWrites(db.categories);
  return db;
}

/**
 * The cloud owns the catalog: writes through the collection API (a POS front end, a bug) are refused.
 * Replication and reconcile write through the storage instance, which these hooks do not see.
 */
function refuseLocalCatalogWrites(collection: RxCollection<any>): void {
  const refuse = () => {
    throw new PosError(
      'POS_FORBIDDEN',
      `the ${collection.name} collection is owned by the cloud and read-only on the terminal`,
      { collection: collection.name },
    );
  };
  collection.preInsert(refuse, false);
  collection.preSave(refuse, false);
  collection.preRemove(refuse, false);
}
