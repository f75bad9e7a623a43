import { z } from 'zod';

type JsonNode = {
  type?: string | string[];
  anyOf?: JsonNode[];
  properties?: Record<string, JsonNode>;
  items?: JsonNode;
};

function objectPartOf(node: JsonNode): JsonNode | undefined {
  if (node.properties) return node;
  if (node.items) return objectPartOf(node.items);
  for (const alternative of node.anyOf ?? []) {
    const found = objectPartOf(alternative);
    if (found) return found;
  }
  return undefined;
}

function fieldsOf(node: JsonNode, opaque: ReadonlySet<string>): string {
  const properties = node.properties ?? {};
  return Object.entries(properties)
    .map(([key, child]) => {
      const nested = opaque.has(key) ? undefined : objectPartOf(child);
      return nested ? `${key} { ${fieldsOf(nested, opaque)} }` : key;
    })
    .join(' ');
}

/**
 * The GraphQL selection set of a zod object schema: every field, nested objects and arrays of objects
 * expanded. Generated, so the operation documents cannot drift from the model. Fields named in `opaque`
 * are selected as a whole: the server declares them as a JSON scalar (the inventory's `crdts` log).
 */
export function selectionSetOf(schema: z.ZodType, opaque: readonly string[] = []): string {
  const json = z.toJSONSchema(schema, { unrepresentable: 'any' }) as JsonNode;
  return fieldsOf(json, new Set(opaque));
}
