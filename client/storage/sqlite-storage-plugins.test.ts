import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { addRxPlugin, createRxDatabase, randomToken } from 'rxdb';
import type { RxCollection, RxJsonSchema } from 'rxdb';
import { RxDBAttachmentsPlugin } from 'rxdb/plugins/attachments';
import { RxDBCleanupPlugin } from 'rxdb/plugins/cleanup';
import { getCRDTSchemaPart, RxDBcrdtPlugin } from 'rxdb/plugins/crdt';
import { disableWarnings, RxDBDevModePlugin } from 'rxdb/plugins/dev-mode';
import { RxDBMigrationSchemaPlugin } from 'rxdb/plugins/migration-schema';
import { RxDBQueryBuilderPlugin } from 'rxdb/plugins/query-builder';
import { replicateGraphQL } from 'rxdb/plugins/replication-graphql';
import { wrappedValidateAjvStorage } from 'rxdb/plugins/validate-ajv';
import { createSchema, createYoga } from 'graphql-yoga';
import { filter, firstValueFrom } from 'rxjs';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getRxStorageSqlite } from './sqlite-storage.ts';
import { itemSchema, makeItem, makeTempDir } from './test-fixtures.ts';

type Collections = {
  items: RxCollection<any>;
  inventory: RxCollection<any>;
  notes: RxCollection<any>;
};

beforeAll(() => {
  // The dev-mode banner says dev-mode is on; these tests turn it on on purpose.
  disableWarnings();
  addRxPlugin(RxDBDevModePlugin);
  addRxPlugin(RxDBQueryBuilderPlugin);
  addRxPlugin(RxDBcrdtPlugin);
  addRxPlugin(RxDBCleanupPlugin);
  addRxPlugin(RxDBAttachmentsPlugin);
  addRxPlugin(RxDBMigrationSchemaPlugin);
});

describe('RxDB plugins on this storage', () => {
  let temp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    temp = makeTempDir();
  });
  afterEach(() => temp.remove());

  function storage() {
    return wrappedValidateAjvStorage({ storage: getRxStorageSqlite({ directory: temp.dir }) });
  }

  it('dev-mode with schema validation accepts valid documents and rejects invalid ones', async () => {
    const db = await createRxDatabase<Collections>({
      name: 'devmode',
      storage: storage(),
      multiInstance: false,
    });
    await db.addCollections({ items: { schema: itemSchema } });
    await db.items.insert(makeItem(1));
    await expect(db.items.insert({ ...makeItem(2), price: -5 })).rejects.toMatchObject({
      code: 'VD2',
    });
    expect(await db.items.count().exec()).toBe(1);
    await db.close();
  });

  it('the query builder and reactive queries see every write', async () => {
    const db = await createRxDatabase<Collections>({
      name: 'reactive',
      storage: storage(),
      multiInstance: false,
    });
    await db.addCollections({ items: { schema: itemSchema } });
    const inserted = await db.items.bulkInsert(Array.from({ length: 30 }, (_, n) => makeItem(n)));
    expect(inserted.error).toEqual([]);
    const cheap = await db.items.find().where('price').lt(3000).sort('price').limit(5).exec();
    const expected = Array.from({ length: 30 }, (_, n) => makeItem(n))
      .filter((i) => i.price < 3000)
      .sort((a, b) => a.price - b.price || a.id.localeCompare(b.id))
      .slice(0, 5)
      .map((i) => i.id);
    expect(cheap.map((d) => d.id)).toEqual(expected);

    const fruitCount = db.items.count({ selector: { group: 'fruit' } }).$;
    const before = await firstValueFrom(fruitCount);
    const after = firstValueFrom(fruitCount.pipe(filter((n) => n === before + 1)));
    await db.items.insert(makeItem(1000, { group: 'fruit' }));
    expect(await after).toBe(before + 1);
    await db.close();
  });

  it('the crdt plugin merges counter operations and keeps them across a reopen', async () => {
    type Counter = { id: string; onHand: number; crdts?: unknown };
    const schema: RxJsonSchema<Counter> = {
      version: 0,
      primaryKey: 'id',
      type: 'object',
      properties: {
        id: { type: 'string', maxLength: 40 },
        onHand: { type: 'number' },
        crdts: getCRDTSchemaPart(),
      },
      required: ['id', 'onHand'],
      crdt: { field: 'crdts' },
    };
    const open = async () => {
      const db = await createRxDatabase<Collections>({
        name: 'crdt',
        storage: storage(),
        multiInstance: false,
      });
      await db.addCollections({ inventory: { schema } });
      return db;
    };
    let db = await open();
    const doc = await db.inventory.insertCRDT({ ifMatch: { $set: { id: 'p1', onHand: 10 } } });
    await doc.updateCRDT({ ifMatch: { $inc: { onHand: -3 } } });
    await doc.updateCRDT({ ifMatch: { $inc: { onHand: 5 } } });
    await db.close();
    db = await open();
    const reopened = await db.inventory.findOne('p1').exec();
    expect(reopened.onHand).toBe(12);
    expect(reopened.toJSON().crdts.operations.flat()).toHaveLength(3);
    await db.close();
  });

  it('the cleanup plugin purges tombstones from the SQLite table', async () => {
    const db = await createRxDatabase<Collections>({
      name: 'cleanup',
      storage: storage(),
      multiInstance: false,
      cleanupPolicy: { minimumDeletedTime: 0, runEach: 60_000, awaitReplicationsInSync: false },
    });
    await db.addCollections({ items: { schema: itemSchema } });
    await db.items.bulkInsert([makeItem(1), makeItem(2)]);
    await (await db.items.findOne('item-00001').exec()).remove();
    const raw = db.items.storageInstance;
    expect(await raw.findDocumentsById(['item-00001'], true)).toHaveLength(1);
    await db.items.cleanup(0);
    expect(await raw.findDocumentsById(['item-00001'], true)).toEqual([]);
    expect(await raw.findDocumentsById(['item-00002'], true)).toHaveLength(1);
    await db.close();
  });

  it('the attachments plugin stores and reads attachment data', async () => {
    const db = await createRxDatabase<Collections>({
      name: 'attach',
      storage: storage(),
      multiInstance: false,
    });
    await db.addCollections({ items: { schema: { ...itemSchema, attachments: {} } } });
    const doc = await db.items.insert(makeItem(1));
    await doc.putAttachment({
      id: 'label.txt',
      data: new Blob(['shelf label']),
      type: 'text/plain',
    });
    await db.close();
    const db2 = await createRxDatabase<Collections>({
      name: 'attach',
      storage: storage(),
      multiInstance: false,
    });
    await db2.addCollections({ items: { schema: { ...itemSchema, attachments: {} } } });
    const attachment = (await db2.items.findOne('item-00001').exec()).getAttachment('label.txt');
    expect(await attachment.getStringData()).toBe('shelf label');
    await db2.close();
  });

  it('migrates documents to a new schema version on the same file', async () => {
    const db = await createRxDatabase<Collections>({
      name: 'migrate',
      storage: storage(),
      multiInstance: false,
    });
    await db.addCollections({ items: { schema: itemSchema } });
    await db.items.bulkInsert([makeItem(1), makeItem(2)]);
    await db.close();
    const db2 = await createRxDatabase<Collections>({
      name: 'migrate',
      storage: storage(),
      multiInstance: false,
    });
    await db2.addCollections({
      items: {
        schema: { ...itemSchema, version: 1 },
        migrationStrategies: { 1: (doc: any) => ({ ...doc, price: doc.price + 1 }) },
      },
    });
    const docs = await db2.items.find({ sort: [{ id: 'asc' }] }).exec();
    expect(docs.map((d) => d.price)).toEqual([makeItem(1).price + 1, makeItem(2).price + 1]);
    await db2.close();
  });

  it('two RxDB databases on one file in one process share data and change events', async () => {
    const open = async () => {
      const db = await createRxDatabase<Collections>({
        name: 'shared',
        storage: storage(),
        multiInstance: false,
        ignoreDuplicate: true,
      });
      await db.addCollections({ items: { schema: itemSchema } });
      return db;
    };
    const a = await open();
    const b = await open();
    const seenByB = firstValueFrom(b.items.$);
    await a.items.insert(makeItem(7));
    expect((await seenByB).documentId).toBe('item-00007');
    expect((await b.items.findOne('item-00007').exec()).name).toBe(makeItem(7).name);
    await a.close();
    // The file stays open for the other database until it closes too.
    expect(await b.items.count().exec()).toBe(1);
    await b.close();
  });
});

describe('GraphQL replication on this storage', () => {
  type Note = { id: string; text: string; updatedAt: number };
  const noteSchema: RxJsonSchema<Note> = {
    version: 0,
    primaryKey: 'id',
    type: 'object',
    properties: {
      id: { type: 'string', maxLength: 40 },
      text: { type: 'string' },
      updatedAt: { type: 'integer', minimum: 0, maximum: 1e15, multipleOf: 1 },
    },
    required: ['id', 'text', 'updatedAt'],
  };

  /** A small GraphQL master holding notes in memory, ordered by a server sequence. */
  function startMaster() {
    const notes = new Map<string, Note & { _deleted: boolean; seq: number }>();
    let seq = 0;
    const yoga = createYoga({
      logging: false,
      schema: createSchema({
        typeDefs: `
          type Note { id: String! text: String! updatedAt: Float! _deleted: Boolean! }
          type Checkpoint { seq: Int! }
          type NotePull { documents: [Note!]! checkpoint: Checkpoint }
          input CheckpointInput { seq: Int! }
          input NoteInput { id: String! text: String! updatedAt: Float! _deleted: Boolean! }
          input NotePushRow { assumedMasterState: NoteInput, newDocumentState: NoteInput! }
          type Query { pullNotes(checkpoint: CheckpointInput, limit: Int!): NotePull! }
          type Mutation { pushNotes(rows: [NotePushRow!]!): [Note!]! }
        `,
        resolvers: {
          Query: {
            pullNotes: (_: unknown, args: { checkpoint?: { seq: number }; limit: number }) => {
              const after = args.checkpoint?.seq ?? 0;
              const documents = [...notes.values()]
                .filter((n) => n.seq > after)
                .sort((a, b) => a.seq - b.seq)
                .slice(0, args.limit);
              const last = documents[documents.length - 1];
              return { documents, checkpoint: { seq: last ? last.seq : after } };
            },
          },
          Mutation: {
            pushNotes: (_: unknown, args: { rows: any[] }) => {
              const conflicts = [];
              for (const row of args.rows) {
                const current = notes.get(row.newDocumentState.id);
                if (current && current.updatedAt !== row.assumedMasterState?.updatedAt) {
                  conflicts.push(current);
                  continue;
                }
                notes.set(row.newDocumentState.id, { ...row.newDocumentState, seq: ++seq });
              }
              return conflicts;
            },
          },
        },
      }),
    });
    const server = createServer(yoga);
    return new Promise<{
      url: string;
      notes: typeof notes;
      put: (n: Note) => void;
      close: () => void;
    }>((resolve) =>
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        resolve({
          url: `http://127.0.0.1:${port}/graphql`,
          notes,
          put: (n) => notes.set(n.id, { ...n, _deleted: false, seq: ++seq }),
          close: () => server.close(),
        });
      }),
    );
  }

  it('pushes local notes to the master and pulls the master notes into SQLite', async () => {
    const temp = makeTempDir();
    const master = await startMaster();
    master.put({ id: 'from-master', text: 'hello terminal', updatedAt: 1 });
    const db = await createRxDatabase<Collections>({
      name: `repl${randomToken(4)}`,
      storage: wrappedValidateAjvStorage({ storage: getRxStorageSqlite({ directory: temp.dir }) }),
      multiInstance: false,
    });
    await db.addCollections({ notes: { schema: noteSchema } });
    await db.notes.insert({ id: 'from-terminal', text: 'hello cloud', updatedAt: 2 });

    const replication = replicateGraphQL<Note, { seq: number }>({
      collection: db.notes,
      url: { http: master.url },
      replicationIdentifier: 'notes-test',
      live: false,
      pull: {
        batchSize: 10,
        queryBuilder: (checkpoint, limit) => ({
          query: `query($checkpoint: CheckpointInput, $limit: Int!) { pullNotes(checkpoint: $checkpoint, limit: $limit) { documents { id text updatedAt _deleted } checkpoint { seq } } }`,
          operationName: null as unknown as string,
          variables: { checkpoint: checkpoint ?? null, limit },
        }),
      },
      push: {
        batchSize: 10,
        queryBuilder: (rows) => ({
          query: `mutation($rows: [NotePushRow!]!) { pushNotes(rows: $rows) { id text updatedAt _deleted } }`,
          operationName: null as unknown as string,
          variables: { rows },
        }),
      },
    });
    const errors: unknown[] = [];
    replication.error$.subscribe((e) => errors.push(e));
    await replication.awaitInitialReplication();
    await replication.cancel();

    expect(errors).toEqual([]);
    expect(master.notes.get('from-terminal')?.text).toBe('hello cloud');
    expect((await db.notes.findOne('from-master').exec()).text).toBe('hello terminal');
    await db.close();
    master.close();
    temp.remove();
  });
});
