import { randomUUID } from 'node:crypto';
import type { Collection } from 'mongodb';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { openMongoCloudStore } from './mongo-cloud-store.ts';
import { StreamSeq } from './stream-seq.ts';
import { startTestMongo } from './test-mongo.ts';

const mongo = await startTestMongo();

type Row = { _id: string; tenantId: string; seq: number; version: number };

if ('skip' in mongo) {
  console.log(`skipping StreamSeq on MongoDB: ${mongo.skip}`);
  describe.skip(`StreamSeq on MongoDB — skipped: ${mongo.skip}`, () => {
    it('runs against MongoDB', () => {});
  });
} else {
  afterAll(() => mongo.close());
  const url = mongo.url;

  describe(`StreamSeq on MongoDB (${mongo.kind})`, () => {
    /** A collection and a writer of `version`s of rows, with one writer that can be held. */
    async function setUp() {
      const client = new MongoClient(url);
      await client.connect();
      const db = client.db(`pos_test_${randomUUID().slice(0, 8)}`);
      const rows = db.collection<Row>('rows');
      await rows.createIndexes([
        { key: { tenantId: 1, seq: 1 }, name: 'rows_seq', unique: true },
        { key: { tenantId: 1, seqs: 1 }, name: 'rows_seq_slots', unique: true },
      ]);
      const seq = new StreamSeq(db.collection('stream_heads'), { warn: () => {} });
      const key = { tenantId: 't', stream: 'products' as const, scope: '' };
      const write = (collection: Collection<Row>, id: string, version: number) =>
        seq.write(
          key,
          collection,
          { tenantId: 't' },
          'rows_seq',
          [id],
          (_id, s) => ({
            updateOne: {
              filter: { _id, tenantId: 't' },
              update: { $set: { seq: s, version } },
              upsert: true,
            },
          }),
          // An update that met a newer seq of its row inserts instead and meets the id: again.
          async (_id, indexName) => indexName === '_id_',
        );
      // A slow writer: it reads the maximum, then its write waits until `release()`.
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let reachedWrite!: () => void;
      const atWrite = new Promise<void>((resolve) => (reachedWrite = resolve));
      let held = false;
      const slow = new Proxy(rows, {
        get(target, property, receiver) {
          if (property !== 'bulkWrite') return Reflect.get(target, property, receiver);
          return async (...args: Parameters<Collection<Row>['bulkWrite']>) => {
            if (!held) {
              held = true;
              reachedWrite();
              await released;
            }
            return target.bulkWrite(...args);
          };
        },
      }) as Collection<Row>;
      const pullAfter = async (after: number) =>
        (
          await rows
            .find({ tenantId: 't', seq: { $gt: after } })
            .sort({ seq: 1 })
            .toArray()
        ).map((r) => [r._id, r.seq, r.version]);
      return {
        rows,
        write,
        slow,
        atWrite,
        release,
        pullAfter,
        close: async () => {
          await db.dropDatabase();
          await client.close();
        },
      };
    }

    it('never hands a writer with a stale maximum a seq freed by a document that moved on', async () => {
      const t = await setUp();
      try {
        await t.write(t.rows, 'a', 1); // a@1
        const slowWrite = t.write(t.slow, 'b', 1); // reads max 1, is held before writing b@2
        await t.atWrite;
        // Meanwhile `x` takes seq 2 and moves on to 3, freeing 2; a puller reads up to 3.
        await t.write(t.rows, 'x', 1);
        await t.write(t.rows, 'x', 2);
        expect(await t.pullAfter(1)).toEqual([['x', 3, 2]]);
        t.release();
        await slowWrite;
        // Seq 2 was taken once: the slow writer went on to 4, after the puller's checkpoint.
        expect(await t.pullAfter(3)).toEqual([['b', 4, 1]]);
        expect(await t.rows.findOne({ _id: 'x' })).toMatchObject({ seq: 3, seqs: [2, 3] });
      } finally {
        await t.close();
      }
    });

    it('never lets a writer with a stale maximum change the row that holds max+1 under the same seq', async () => {
      const t = await setUp();
      try {
        await t.write(t.rows, 'a', 1); // a@1
        const slowWrite = t.write(t.slow, 'x', 2); // reads max 1, is held before writing x@2
        await t.atWrite;
        // Meanwhile `x` is written at seq 2 (version 1) and a puller reads it.
        await t.write(t.rows, 'x', 1);
        expect(await t.pullAfter(1)).toEqual([['x', 2, 1]]);
        t.release();
        await slowWrite;
        // Version 2 of x did not overwrite seq 2 in place: it came at seq 3, which the puller reads.
        expect(await t.pullAfter(2)).toEqual([['x', 3, 2]]);
      } finally {
        await t.close();
      }
    });

    it('gives rows written before the seq slots existed their seq as taken when the store opens', async () => {
      const dbName = `pos_test_${randomUUID().slice(0, 8)}`;
      const client = new MongoClient(url);
      await client.connect();
      try {
        // As an earlier release left them: no `seqs` (two such rows would break the unique index).
        const old = [1, 2].map((n) => ({ tenantId: 't', id: `p-${n}`, seq: n, deleted: false }));
        await client.db(dbName).collection('products').insertMany(old);
        const store = await openMongoCloudStore({ url, dbName, logger: { warn: () => {} } });
        await store.close();
        const rows = await client
          .db(dbName)
          .collection('products')
          .find({}, { sort: { seq: 1 }, projection: { _id: 0, id: 1, seqs: 1 } })
          .toArray();
        expect(rows).toEqual([
          { id: 'p-1', seqs: [1] },
          { id: 'p-2', seqs: [2] },
        ]);
        const indexes = await client.db(dbName).collection('products').indexes();
        expect(indexes.map((i) => i.name)).toContain('products_seq_slots');
      } finally {
        await client.db(dbName).dropDatabase();
        await client.close();
      }
    });
  });
}
