import SchemaBuilder from '@pothos/core';
import { GraphQLError, Kind } from 'graphql';
import type { ValueNode } from 'graphql';
import type { GraphQLContext } from '../context.ts';

/** The Pothos builder every type file adds to. */
export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  Scalars: {
    SafeInt: { Input: number; Output: number };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
}>({
  // Fields are non-null unless they say otherwise: the model's nullability is explicit in schema/.
  defaultFieldNullability: false,
});

function parseSafeInt(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new GraphQLError(`SafeInt cannot represent ${JSON.stringify(value)}`, {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return value;
}

builder.scalarType('SafeInt', {
  description:
    'An integer between -(2^53-1) and 2^53-1. Money in minor units and stream sequences exceed the ' +
    '32 bits of Int (21,474,836.47 in a two-decimal currency is a plausible daily total).',
  serialize: (value) => parseSafeInt(value),
  parseValue: (value) => parseSafeInt(value),
  parseLiteral: (node) => {
    if (node.kind !== Kind.INT) throw new GraphQLError('SafeInt must be an integer literal');
    return parseSafeInt(Number(node.value));
  },
});

function literalToJson(node: ValueNode, variables?: Record<string, unknown> | null): unknown {
  switch (node.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
    case Kind.ENUM:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return node.values.map((v) => literalToJson(v, variables));
    case Kind.OBJECT:
      return Object.fromEntries(
        node.fields.map((f) => [f.name.value, literalToJson(f.value, variables)]),
      );
    case Kind.VARIABLE:
      return variables?.[node.name.value];
  }
}

builder.scalarType('JSON', {
  description:
    'Any JSON value. Used where the server stores a structure it does not own (the inventory crdt ' +
    'operation log, a refused payload as received).',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (node, variables) => literalToJson(node, variables),
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
