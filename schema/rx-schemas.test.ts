import { addRxPlugin, createRxDatabase } from 'rxdb';
import type { RxDatabase, RxJsonSchema } from 'rxdb';
import { RxDBcrdtPlugin } from 'rxdb/plugins/crdt';
import { RxDBDevModePlugin, disableWarnings } from 'rxdb/plugins/dev-mode';
import { RxDBMigrationSchemaPlugin } from 'rxdb/plugins/migration-schema';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { wrappedValidateAjvStorage } from 'rxdb/plugins/validate-ajv';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { categorySchema } from './category.ts';
import { categoryRxSchema } from './category-rx-schema.ts';
import { customerSchema } from './customer.ts';
import { customerRxSchema } from './customer-rx-schema.ts';
import { makeBranchProduct, makeCategory, makeSale } from './fixtures.ts';
import {
  adjustInventory,
  createInventoryItem,
  inventoryItemSchema,
  inventoryItemWireSchema,
} from './inventory.ts';
import { inventoryRxSchema } from './inventory-rx-schema.ts';
import { storedProductSchema, withNameKey } from './product.ts';
import { productRxMigrations, productRxSchema } from './product-rx-schema.ts';
import { saleSchema } from './sale.ts';
import { saleRxMigrations, saleRxSchema } from './sale-rx-schema.ts';

disableWarnings();
addRxPlugin(RxDBDevModePlugin);
addRxPlugin(RxDBcrdtPlugin);
addRxPlugin(RxDBMigrationSchemaPlugin);

type JsonNode = {
  type?: string | string[];
  anyOf?: JsonNode[];
  oneOf?: JsonNode[];
  properties?: Record<string, JsonNode>;
  required?: readonly string[];
  items?: JsonNode;
};

function typesOf(node: JsonNode): string[] {
  const own = node.type === undefined ? [] : [node.type].flat();
  const alternatives = [...(node.anyOf ?? []), ...(node.oneOf ?? [])].flatMap(typesOf);
  // JSON schema's integer is a number; zod's z.int() says integer, so compare them as one kind.
  return [
    ...new Set([...own, ...alternatives].map((t) => (t === 'number' ? 'integer' : t))),
  ].sort();
}

function objectPart(node: JsonNode): JsonNode | undefined {
  if (node.properties) return node;
  return [...(node.anyOf ?? []), ...(node.oneOf ?? [])].find((n) => n.properties);
}

/** Lists every difference in property names, required lists and types between two JSON schemas. */
function driftBetween(rx: JsonNode, zod: JsonNode, path: string, opaque: string[]): string[] {
  const drift: string[] = [];
  const rxTypes = typesOf(rx);
  const zodTypes = typesOf(zod);
  if (rxTypes.join() !== zodTypes.join()) drift.push(`${path}: rx ${rxTypes} vs zod ${zodTypes}`);
  if (opaque.includes(path)) return drift;
  const rxObject = objectPart(rx);
  const zodObject = objectPart(zod);
  if (rxObject || zodObject) {
    const rxProps = rxObject?.properties ?? {};
    const zodProps = zodObject?.properties ?? {};
    const keys = new Set([...Object.keys(rxProps), ...Object.keys(zodProps)]);
    for (const key of keys) {
      const a = rxProps[key];
      const b = zodProps[key];
      if (!a || !b) drift.push(`${path}.${key}: only in ${a ? 'rx' : 'zod'}`);
      else drift.push(...driftBetween(a, b, `${path}.${key}`, opaque));
    }
    const rxRequired = [...(rxObject?.required ?? [])].sort().join();
    const zodRequired = [...(zodObject?.required ?? [])].sort().join();
    if (rxRequired !== zodRequired)
      drift.push(`${path}: required rx [${rxRequired}] vs zod [${zodRequired}]`);
  }
  if (rx.items && zod.items) drift.push(...driftBetween(rx.items, zod.items, `${path}[]`, opaque));
  return drift;
}

const pairs: [string, RxJsonSchema<any>, z.ZodType, string[]][] = [
  ['products', productRxSchema, storedProductSchema, []],
  ['categories', categoryRxSchema, categorySchema, []],
  ['sales', saleRxSchema, saleSchema, []],
  ['inventory', inventoryRxSchema, inventoryItemSchema, ['$.crdts']],
  ['customers', customerRxSchema, customerSchema, []],
];

describe('RxDB JSON schemas', () => {
  it.each(pairs)('%s matches its zod schema field by field', (_name, rx, zod, opaque) => {
    const fromZod = z.toJSONSchema(zod, { unrepresentable: 'any' }) as JsonNode;
    expect(driftBetween(rx as JsonNode, fromZod, '$', opaque)).toEqual([]);
  });

  it.each(pairs)('%s has primary key id and a migration to each version above 0', (name, rx) => {
    expect(rx.primaryKey).toBe('id');
    const migrations: Record<string, object> =
      name === 'sales' ? saleRxMigrations : name === 'products' ? productRxMigrations : {};
    const expected = Array.from({ length: rx.version }, (_, i) => String(i + 1));
    expect(Object.keys(migrations).sort()).toEqual(expected);
  });

  it('detects drift: a field missing from the RxDB schema is reported', () => {
    const { sku: _sku, ...properties } = productRxSchema.properties;
    const fromZod = z.toJSONSchema(storedProductSchema) as JsonNode;
    const drift = driftBetween({ ...productRxSchema, properties } as JsonNode, fromZod, '$', []);
    expect(drift).toContain('$.sku: only in zod');
  });
});

describe('RxDB collections built from the schemas', () => {
  let db: RxDatabase | undefined;
  afterEach(async () => {
    await db?.remove();
    db = undefined;
  });

  async function openDatabase() {
    db = await createRxDatabase({
      name: `schema-test-${Math.random().toString(36).slice(2)}`,
      storage: wrappedValidateAjvStorage({ storage: getRxStorageMemory() }),
    });
    return db.addCollections({
      products: { schema: productRxSchema, migrationStrategies: productRxMigrations },
      categories: { schema: categoryRxSchema },
      sales: { schema: saleRxSchema, migrationStrategies: saleRxMigrations },
      inventory: { schema: inventoryRxSchema },
    });
  }

  it('pass dev-mode checks and store documents valid under zod', async () => {
    const collections = await openDatabase();
    await collections.products.insert(withNameKey(makeBranchProduct()));
    await collections.products.insert(
      withNameKey(makeBranchProduct({ id: 'p-2', sku: 'S2', barcode: '', categoryId: '' })),
    );
    await collections.categories.insert(makeCategory());
    await collections.sales.insert(makeSale());
    await collections.sales.insert(
      makeSale({ invoiceNo: 7, ingestedAt: '2025-01-15T10:00:01.000Z', syncState: 'synced' }),
    );

    const byBarcode = await collections.products
      .findOne({ selector: { barcode: '4006381333931' } })
      .exec();
    expect(byBarcode?.id).toBe('p-1');
    const queued = await collections.sales
      .find({ selector: { syncState: 'queued' }, sort: [{ createdAt: 'asc' }] })
      .exec();
    expect(queued).toHaveLength(1);
  });

  it('refuse a document zod refuses', async () => {
    const collections = await openDatabase();
    await expect(
      collections.products.insert(withNameKey(makeBranchProduct({ priceMinor: -1 }))),
    ).rejects.toThrow();
    await expect(
      collections.sales.insert({
        ...makeSale(),
        payments: [{ method: 'bitcoin', amountMinor: 1 }],
      }),
    ).rejects.toThrow();
  });

  it('hold inventory as a crdt counter written through adjustInventory', async () => {
    const collections = await openDatabase();
    const doc = await collections.inventory.insert(createInventoryItem('b-1', 'p-1'));
    const after = await doc.updateCRDT([
      adjustInventory(5, 'receiving'),
      adjustInventory(-2, 'shrinkage'),
    ]);
    expect(after.onHand).toBe(3);
    expect(after.lastReason).toBe('shrinkage');
    expect(inventoryItemWireSchema.safeParse(after.toJSON()).success).toBe(true);
  });
});
