import { addRxPlugin, createRxDatabase } from 'rxdb';
import type { RxCollection, RxDatabase, WithDeleted } from 'rxdb';
import { RxDBcrdtPlugin } from 'rxdb/plugins/crdt';
import { replicateGraphQL } from 'rxdb/plugins/replication-graphql';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { afterEach, describe, expect, it } from 'vitest';
import type { InventoryItem } from '../schema/index.ts';
import {
  adjustInventory,
  countInventory,
  createInventoryItem,
  inventoryItemWireSchema,
  inventoryRxSchema,
} from '../schema/index.ts';
import { canonicalJson } from './canonical-json.ts';
import type { Checkpoint } from './checkpoint.ts';
import { createPullQueryBuilder, createPushQueryBuilder } from './query-builders.ts';
import { pushArgsSchema, pushRowSchema } from './wire-inputs.ts';

addRxPlugin(RxDBcrdtPlugin);

type Row = {
  assumedMasterState?: WithDeleted<InventoryItem> | null;
  newDocumentState: WithDeleted<InventoryItem>;
};

/**
 * A stand-in for the cloud's inventory stream with RxDB's push contract: a row is accepted only when
 * its assumed master state is the current master, otherwise the master comes back as a conflict and
 * the terminal's crdt handler merges.
 */
function createFakeInventoryServer() {
  const stored = new Map<string, { doc: WithDeleted<InventoryItem>; seq: number }>();
  let seq = 0;
  const fetch = async (request: Request): Promise<Response> => {
    const { operationName, variables } = (await request.json()) as {
      operationName: string;
      variables: Record<string, any>;
    };
    if (operationName === 'pullInventory') {
      const after = (variables['checkpoint'] as Checkpoint | null)?.seq ?? 0;
      const page = [...stored.values()]
        .filter((e) => e.seq > after)
        .sort((a, b) => a.seq - b.seq)
        .slice(0, variables['limit']);
      const checkpoint = page.length > 0 ? { seq: page[page.length - 1]!.seq } : { seq: after };
      return Response.json({
        data: { pullInventory: { documents: page.map((e) => e.doc), checkpoint } },
      });
    }
    const { rows } = pushArgsSchema(pushRowSchema(inventoryItemWireSchema)).parse(variables) as {
      rows: Row[];
    };
    const conflicts: WithDeleted<InventoryItem>[] = [];
    for (const row of rows) {
      const existing = stored.get(row.newDocumentState.id);
      const assumed = row.assumedMasterState ?? null;
      if (existing && (!assumed || canonicalJson(assumed) !== canonicalJson(existing.doc))) {
        conflicts.push(existing.doc);
        continue;
      }
      seq += 1;
      stored.set(row.newDocumentState.id, { doc: row.newDocumentState, seq });
    }
    return Response.json({ data: { pushInventory: conflicts } });
  };
  return { fetch, stored };
}

describe('inventory replication through RxDB replicateGraphQL', () => {
  const databases: RxDatabase[] = [];
  afterEach(async () => {
    await Promise.all(databases.splice(0).map((db) => db.remove()));
  });

  async function openTerminal(name: string): Promise<RxCollection<InventoryItem>> {
    const db = await createRxDatabase({
      name: `${name}-${Math.random().toString(36).slice(2)}`,
      storage: getRxStorageMemory(),
    });
    databases.push(db);
    const { inventory } = await db.addCollections({ inventory: { schema: inventoryRxSchema } });
    return inventory as RxCollection<InventoryItem>;
  }

  async function sync(
    inventory: RxCollection<InventoryItem>,
    fetch: (r: Request) => Promise<Response>,
  ): Promise<void> {
    const replication = replicateGraphQL<InventoryItem, Checkpoint>({
      collection: inventory,
      replicationIdentifier: 'inventory-test',
      url: { http: 'http://cloud.test/graphql' },
      fetch: fetch as typeof globalThis.fetch,
      live: true,
      waitForLeadership: false,
      push: { queryBuilder: createPushQueryBuilder('inventory') },
      pull: { queryBuilder: createPullQueryBuilder('inventory') },
    });
    const errors: unknown[] = [];
    replication.error$.subscribe((e) => errors.push(e));
    await replication.awaitInSync();
    await replication.cancel();
    expect(errors).toEqual([]);
  }

  it('keeps the adjustments of two terminals that created the same item while offline', async () => {
    const server = createFakeInventoryServer();
    const a = await openTerminal('terminal-a');
    const b = await openTerminal('terminal-b');

    const docA = await a.insert(createInventoryItem('b-1', 'p-1'));
    await docA.updateCRDT(adjustInventory(10, 'receiving'));
    const docB = await b.insert(createInventoryItem('b-1', 'p-1'));
    await docB.updateCRDT(adjustInventory(5, 'return'));
    await (await b.findOne('b-1:p-1').exec(true)).updateCRDT(adjustInventory(-2, 'shrinkage'));

    await sync(a, server.fetch);
    await sync(b, server.fetch);
    await sync(a, server.fetch);

    expect((await a.findOne('b-1:p-1').exec(true)).onHand).toBe(13);
    expect((await b.findOne('b-1:p-1').exec(true)).onHand).toBe(13);
    expect(server.stored.get('b-1:p-1')?.doc.onHand).toBe(13);
  });

  it('keeps goods received on one terminal during a count on another', async () => {
    const server = createFakeInventoryServer();
    const a = await openTerminal('terminal-a');
    const b = await openTerminal('terminal-b');
    const created = await a.insert(createInventoryItem('b-1', 'p-1'));
    await created.updateCRDT(adjustInventory(20, 'receiving'));
    await sync(a, server.fetch);
    await sync(b, server.fetch);

    const seenByA = (await a.findOne('b-1:p-1').exec(true)).onHand;
    await (
      await a.findOne('b-1:p-1').exec(true)
    ).updateCRDT(countInventory(17, seenByA, '2025-01-15T10:00:00.000Z'));
    await (await b.findOne('b-1:p-1').exec(true)).updateCRDT(adjustInventory(6, 'receiving'));
    await sync(a, server.fetch);
    await sync(b, server.fetch);
    await sync(a, server.fetch);

    expect((await a.findOne('b-1:p-1').exec(true)).onHand).toBe(23);
    expect((await b.findOne('b-1:p-1').exec(true)).onHand).toBe(23);
  });
});
