import type { ObjectRef } from '@pothos/core';
import { z } from 'zod';
import type { Connection } from '../store/index.ts';
import { builder } from './builder.ts';

/** Largest page an admin connection serves. */
export const PAGE_MAX = 500;

/** `first` and `after` of every connection field, as validated before the store sees them. */
export const pageArgsSchema = z.object({
  first: z.int().min(1).max(PAGE_MAX).default(50),
  after: z.string().max(500).nullable().optional(),
});

export const PageInfoRef = builder
  .objectRef<Connection<unknown>['pageInfo']>('PageInfo')
  .implement({
    fields: (t) => ({
      endCursor: t.exposeString('endCursor', { nullable: true }),
      hasNextPage: t.exposeBoolean('hasNextPage'),
    }),
  });

/** A Relay-style connection type `<Name>Connection` with `<Name>Edge`, for a node type. */
export function connectionType<T>(name: string, nodeRef: ObjectRef<any, T>) {
  const edge = builder.objectRef<{ cursor: string; node: T }>(`${name}Edge`).implement({
    fields: (t) => ({
      cursor: t.exposeString('cursor'),
      node: t.field({ type: nodeRef, resolve: (e) => e.node as never }),
    }),
  });
  return builder.objectRef<Connection<T>>(`${name}Connection`).implement({
    fields: (t) => ({
      totalCount: t.exposeInt('totalCount'),
      edges: t.field({ type: [edge], resolve: (c) => c.edges }),
      pageInfo: t.field({ type: PageInfoRef, resolve: (c) => c.pageInfo }),
    }),
  });
}
