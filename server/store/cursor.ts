import { PosError } from '../../schema/index.ts';

/** Cursors are opaque to clients; inside they are the row's ingest number, which never changes. */
export function encodeCursor(n: number): string {
  return Buffer.from(`n:${n}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | null | undefined): number {
  if (cursor === null || cursor === undefined || cursor === '') return 0;
  const match = /^n:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new PosError('POS_INPUT_INVALID', 'invalid cursor', { cursor });
  return Number(match[1]);
}

/** Most items one page may hold. */
export const PAGE_MAX = 500;

export function checkPageSize(first: number): number {
  if (!Number.isInteger(first) || first < 1 || first > PAGE_MAX) {
    throw new PosError('POS_INPUT_INVALID', `first must be an integer in 1..${PAGE_MAX}`);
  }
  return first;
}

/** A cursor over a string key (a product id): the last key of the page. */
export function encodeKeyCursor(key: string): string {
  return Buffer.from(`k:${key}`, 'utf8').toString('base64url');
}

export function decodeKeyCursor(cursor: string | null | undefined): string | null {
  if (cursor === null || cursor === undefined || cursor === '') return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith('k:') || text.length < 3 || text.length > 200) {
    throw new PosError('POS_INPUT_INVALID', 'invalid cursor', { cursor });
  }
  return text.slice(2);
}
