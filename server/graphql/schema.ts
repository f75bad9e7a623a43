import type { GraphQLSchema } from 'graphql';
import { builder } from './builder.ts';
// Each type file adds its types and root fields to the builder when imported.
import './checkpoint.ts';
import './product.ts';
import './category.ts';
import './customer.ts';
import './inventory.ts';
import './sale.ts';
import './reconcile.ts';
import './tenant.ts';
import './branch.ts';
import './offline-policy.ts';
import './terminal.ts';
import './rejected-event.ts';
import './audit-log.ts';

let schema: GraphQLSchema | undefined;

/** The GraphQL schema, built once: the builder is module state, so a second `toSchema` would repeat it. */
export function buildSchema(): GraphQLSchema {
  schema ??= builder.toSchema({ sortSchema: true });
  return schema;
}
