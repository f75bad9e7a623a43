import { describe, expect, it } from 'vitest';
import { makeSale } from '../schema/index.ts';
import { PULL_DOCUMENTS, PUSH_DOCUMENTS, STREAM_DOCUMENTS } from './operation-documents.ts';
import {
  createPullQueryBuilder,
  createPullStreamQueryBuilder,
  createPushQueryBuilder,
} from './query-builders.ts';
import { createPullResponseModifier } from './stream-hint.ts';

describe('query builders', () => {
  it('builds a pull from a checkpoint, sending its wire fields and dropping unknown ones', async () => {
    const build = createPullQueryBuilder('products');
    expect(await build({ seq: 42, snapshotFloor: null, extra: 'old' } as never, 500)).toEqual({
      query: PULL_DOCUMENTS.products,
      operationName: 'pullProducts',
      variables: { checkpoint: { seq: 42 }, limit: 500 },
    });
  });

  it('sends back the snapshot floor of a checkpoint a snapshot below the floor answered', async () => {
    const build = createPullQueryBuilder('categories');
    expect((await build({ seq: 7, snapshotFloor: 90 }, 500)).variables.checkpoint).toEqual({
      seq: 7,
      snapshotFloor: 90,
    });
  });

  it('builds the first pull with a null checkpoint and reports the queue depth', async () => {
    let depth = 3;
    const build = createPullQueryBuilder('sales', { getQueueDepth: () => depth });
    expect((await build(undefined, 100)).variables).toEqual({
      checkpoint: null,
      limit: 100,
      queueDepth: 3,
    });
    depth = 0;
    expect((await build(undefined, 100)).variables.queueDepth).toBe(0);
  });

  it('builds a push of rows, with a null assumed state for new documents', async () => {
    const sale = { ...makeSale(), _deleted: false };
    const build = createPushQueryBuilder('sales');
    expect(await build([{ newDocumentState: sale }])).toEqual({
      query: PUSH_DOCUMENTS.sales,
      operationName: 'pushSales',
      variables: { rows: [{ assumedMasterState: null, newDocumentState: sale }] },
    });
  });

  it('builds a stream subscription without sending headers as variables', async () => {
    const build = createPullStreamQueryBuilder('inventory');
    expect(await build({ authorization: 'Bearer secret' })).toEqual({
      query: STREAM_DOCUMENTS.inventory,
      operationName: 'streamInventory',
      variables: {},
    });
  });
});

describe('pull response modifier', () => {
  it('turns every stream event into RESYNC and passes pull responses through', async () => {
    const modify = createPullResponseModifier();
    expect(await modify({ latestSeq: 9 }, 'stream')).toBe('RESYNC');
    const pulled = { documents: [], checkpoint: { seq: 4 } };
    expect(await modify(pulled, 'handler', { seq: 4 })).toBe(pulled);
  });
});
