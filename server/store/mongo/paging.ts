import type { Collection, Filter } from 'mongodb';
import { PosError } from '../../../schema/index.ts';
import type { Connection, PageArgs } from '../cloud-store.ts';
import { checkPageSize } from '../cursor.ts';

/** Cursors are opaque to clients; inside they are the `_id` (a UUIDv7 string) of the last row. */
export function encodeIdCursor(id: string): string {
  return Buffer.from(`id:${id}`, 'utf8').toString('base64url');
}

export function decodeIdCursor(cursor: string | null | undefined): string | null {
  if (cursor === null || cursor === undefined || cursor === '') return null;
  const match = /^id:([0-9a-f-]{36})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new PosError('POS_INPUT_INVALID', 'invalid cursor', { cursor });
  return match[1]!;
}

/** A page of a collection keyed by time-ordered string `_id`s, with the filter's total count. */
export async function pageOf<T extends { _id: string }, N>(
  coll: Collection<T>,
  filter: Filter<T>,
  page: PageArgs,
  nodeOf: (doc: T) => N,
): Promise<Connection<N>> {
  const first = checkPageSize(page.first);
  const after = decodeIdCursor(page.after);
  const pageFilter = (after === null ? filter : { ...filter, _id: { $gt: after } }) as Filter<T>;
  const [rows, totalCount] = await Promise.all([
    coll.find(pageFilter, { sort: { _id: 1 }, limit: first + 1 }).toArray(),
    coll.countDocuments(filter),
  ]);
  const edges = rows
    .slice(0, first)
    .map((row) => ({ cursor: encodeIdCursor(row._id), node: nodeOf(row as T) }));
  return {
    totalCount,
    edges,
    pageInfo: { endCursor: edges.at(-1)?.cursor ?? null, hasNextPage: rows.length > first },
  };
}
