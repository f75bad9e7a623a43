import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '../../replication/index.ts';
import { makeSale } from '../../schema/index.ts';
import { hashSaleContent } from './pushed-sale-check.ts';

describe('hashSaleContent', () => {
  it('hashes a plain sale as the release before sales schema version 2 did', () => {
    const sale = makeSale();
    const {
      invoiceNo: _i,
      ingestedAt: _at,
      syncState: _s,
      lastError: _e,
      syncAttempts: _n,
      kind: _k,
      customerId: _c,
      returnOf: _r,
      reason: _why,
      offline: _o,
      lastContactAt: _l,
      override: _ov,
      accountCheck: _ac,
      accountVerification: _av,
      accountLedgerSeq: _als,
      ...v1Content
    } = sale;
    const v1Lines = sale.lines.map(({ originalLine: _ol, restock: _rs, ...line }) => line);
    const before = sha256Hex(canonicalJson({ ...v1Content, lines: v1Lines }));
    expect(hashSaleContent(sale)).toBe(before);
  });

  it('tells content that differs in a version-2 field apart', () => {
    const sale = makeSale();
    const hashes = new Set([
      hashSaleContent(sale),
      hashSaleContent({ ...sale, offline: true }),
      hashSaleContent({ ...sale, customerId: 'cust-1' }),
      hashSaleContent({ ...sale, lastContactAt: sale.createdAt }),
    ]);
    expect(hashes.size).toBe(4);
  });
});
