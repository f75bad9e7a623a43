import { INTERNAL_STORAGE_NAME, normalizeMangoQuery, prepareQuery } from 'rxdb';
import type { RxStorageInstance, RxStorageInstanceCreationParams } from 'rxdb';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { makeBranchProduct, withNameKey } from '../../schema/index.ts';
import type { TerminalDatabase } from '../terminal-database.ts';
import { openTerminalDatabase } from '../terminal-database.ts';
import { removeDir, tempDir } from '../test-support/cloud-process.ts';
import type { SubscriptionCounter } from './read-only-storage.ts';
import { createReadOnlyStorage } from './read-only-storage.ts';

describe('read-only views of the terminal database', () => {
  let dataDir: string;
  let db: TerminalDatabase;
  let counter: SubscriptionCounter;
  const view = (collectionName: string, schema?: unknown) => {
    const instance = [...db.storageInstances].find((i) => i.collectionName === collectionName);
    return createReadOnlyStorage(
      db,
      ['products', 'categories', 'inventory', 'sales'],
      counter,
    ).createStorageInstance({
      databaseName: db.name,
      collectionName,
      schema: schema ?? instance?.schema,
      options: {},
      multiInstance: false,
      databaseInstanceToken: 'page',
      devMode: false,
    } as RxStorageInstanceCreationParams<any, unknown>) as Promise<
      RxStorageInstance<any, unknown, unknown>
    >;
  };

  beforeEach(async () => {
    dataDir = tempDir('pos-ro-');
    db = await openTerminalDatabase({ dataDir, catalogSynchronous: 'NORMAL' });
    counter = { open: 0 };
    // The replication's path: the storage instance, which the collection hooks do not see.
    await db.products.storageInstance.bulkWrite(
      ['p-1', 'p-2', 'p-3'].map((id, i) => ({
        document: {
          ...withNameKey(makeBranchProduct({ id, sku: `SKU-${i}`, name: `Name ${i}` })),
          _deleted: false,
          _meta: { lwt: Date.now() },
          _rev: '1-a',
          _attachments: {},
        },
      })),
      'test',
    );
  });

  afterEach(async () => {
    await db.close();
    removeDir(dataDir);
  });

  test('refuse writes, remove and cleanup, and change nothing', async () => {
    const products = await view('products');
    const [stored] = await products.findDocumentsById(['p-1'], false);
    await expect(
      products.bulkWrite([{ previous: stored, document: { ...stored, priceMinor: 1 } }], 'page'),
    ).rejects.toMatchObject({ code: 'POS_FORBIDDEN' });
    await expect(products.remove()).rejects.toMatchObject({ code: 'POS_FORBIDDEN' });
    await expect(products.cleanup(0)).rejects.toMatchObject({ code: 'POS_FORBIDDEN' });
    const after = await db.products.find().exec();
    expect(after.map((doc) => [doc.id, doc.priceMinor])).toEqual([
      ['p-1', 1299],
      ['p-2', 1299],
      ['p-3', 1299],
    ]);
  });

  test('answer writes to the internal collection with conflicts carrying the stored document', async () => {
    const internal = await view(INTERNAL_STORAGE_NAME);
    const [token] = await internal.findDocumentsById(['storage-token|storageToken'], false);
    expect(token).toBeDefined();
    const forged = { ...token, data: { ...token.data, token: 'forged' }, _rev: '1-page' };
    const result = await internal.bulkWrite([{ document: forged }], 'page');
    expect(result.error).toEqual([
      expect.objectContaining({ status: 409, documentId: token.id, documentInDb: token }),
    ]);
    const [still] = await internal.findDocumentsById([token.id], false);
    expect(still).toEqual(token);
  });

  test('expose neither the local documents (identity) nor a collection under another schema', async () => {
    const local = [...db.storageInstances].find((i) => i.collectionName.includes('local'));
    if (local) {
      await expect(view(local.collectionName)).rejects.toMatchObject({ code: 'POS_FORBIDDEN' });
    }
    const products = [...db.storageInstances].find((i) => i.collectionName === 'products')!;
    await expect(view('products', { ...products.schema, version: 9 })).rejects.toMatchObject({
      code: 'POS_FORBIDDEN',
    });
  });

  test('run the Mango query with the daemon’s own plan, not the page’s', async () => {
    const products = await view('products');
    const mango = normalizeMangoQuery(products.schema, {
      selector: { sku: 'SKU-2' },
    });
    const forged = prepareQuery(products.schema, mango);
    // A page could name any "index" in its plan; the storage turns index fields into SQL.
    (forged.queryPlan as { index: string[] }).index = ['id); DROP TABLE products; --'];
    const result = await products.query(forged);
    expect(result.documents.map((doc) => doc.id)).toEqual(['p-3']);
    expect(await db.products.count().exec()).toBe(3);
  });

  test('close() ends the view’s change stream and leaves the daemon’s instance open', async () => {
    const products = await view('products');
    const seen: number[] = [];
    products.changeStream().subscribe((bulk) => seen.push(bulk.events.length));
    expect(counter.open).toBe(1);
    await products.close();
    expect(counter.open).toBe(0);
    expect(await db.products.count().exec()).toBe(3);
  });
});
