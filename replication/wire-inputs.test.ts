import { describe, expect, it } from 'vitest';
import { makeSale, saleSchema } from '../schema/index.ts';
import {
  PULL_LIMIT_MAX,
  PUSH_ROWS_MAX,
  pullArgsSchema,
  pushArgsSchema,
  pushRowSchema,
  reconcileArgsSchema,
} from './wire-inputs.ts';

describe('wire inputs', () => {
  it('accepts a first pull and bounds the limit', () => {
    expect(pullArgsSchema.safeParse({ checkpoint: null, limit: 100 }).success).toBe(true);
    expect(pullArgsSchema.safeParse({ limit: PULL_LIMIT_MAX + 1 }).success).toBe(false);
    expect(pullArgsSchema.safeParse({ limit: 10, queueDepth: -1 }).success).toBe(false);
  });

  it('validates push rows with the shared document schema and bounds their number', () => {
    const args = pushArgsSchema(pushRowSchema(saleSchema));
    const row = { newDocumentState: { ...makeSale(), _deleted: false } };
    expect(args.safeParse({ rows: [row] }).success).toBe(true);
    expect(args.safeParse({ rows: [] }).success).toBe(false);
    expect(args.safeParse({ rows: Array(PUSH_ROWS_MAX + 1).fill(row) }).success).toBe(false);
    const bad = { newDocumentState: { ...makeSale(), currency: 'euro', _deleted: false } };
    expect(args.safeParse({ rows: [bad] }).success).toBe(false);
  });

  it('requires every bucket digest or none, and buckets in range', () => {
    const digest = '0'.repeat(32);
    expect(
      reconcileArgsSchema.safeParse({
        stream: 'PRODUCTS',
        bucketCount: 2,
        digests: [digest, digest],
      }).success,
    ).toBe(true);
    expect(
      reconcileArgsSchema.safeParse({ stream: 'PRODUCTS', bucketCount: 2, digests: [digest] })
        .success,
    ).toBe(false);
    expect(
      reconcileArgsSchema.safeParse({
        stream: 'CATEGORIES',
        bucketCount: 2,
        digests: [],
        manifestBuckets: [2],
      }).success,
    ).toBe(false);
  });
});
