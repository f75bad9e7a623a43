import { Kind, parse } from 'graphql';
import type { OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { saleSchema } from '../schema/index.ts';
import {
  CATALOG_BY_IDS_DOCUMENTS,
  DOCUMENT_SELECTIONS,
  PULL_DOCUMENTS,
  PUSH_DOCUMENTS,
  RECONCILE_CATALOG_DOCUMENT,
  STREAMS,
  STREAM_DOCUMENTS,
} from './operation-documents.ts';

function operationOf(document: string): OperationDefinitionNode {
  const parsed = parse(document);
  expect(parsed.definitions).toHaveLength(1);
  const [definition] = parsed.definitions;
  if (definition?.kind !== Kind.OPERATION_DEFINITION) throw new Error('not an operation');
  return definition;
}

function variablesOf(operation: OperationDefinitionNode): string[] {
  return (operation.variableDefinitions ?? []).map((v) => v.variable.name.value);
}

describe('operation documents', () => {
  it.each(STREAMS)(
    'pull%s is a query named after the stream with checkpoint, limit and queueDepth',
    (stream) => {
      const operation = operationOf(PULL_DOCUMENTS[stream]);
      const name = `pull${stream[0]!.toUpperCase()}${stream.slice(1)}`;
      expect(operation.operation).toBe('query');
      expect(operation.name?.value).toBe(name);
      expect(variablesOf(operation)).toEqual(['checkpoint', 'limit', 'queueDepth']);
      expect(PULL_DOCUMENTS[stream]).toContain('checkpoint { seq snapshotFloor }');
      expect(PULL_DOCUMENTS[stream]).toContain(`documents { ${DOCUMENT_SELECTIONS[stream]} }`);
    },
  );

  it.each(['sales', 'inventory'] as const)('push %s is a mutation taking rows', (stream) => {
    const operation = operationOf(PUSH_DOCUMENTS[stream]);
    expect(operation.operation).toBe('mutation');
    expect(variablesOf(operation)).toEqual(['rows']);
  });

  it.each(STREAMS)('stream %s is a subscription carrying a hint, never documents', (stream) => {
    const operation = operationOf(STREAM_DOCUMENTS[stream]);
    expect(operation.operation).toBe('subscription');
    expect(STREAM_DOCUMENTS[stream]).not.toContain('documents');
    expect(STREAM_DOCUMENTS[stream]).toContain('latestSeq');
  });

  it('selects every sale field with nested objects expanded, and _deleted', () => {
    for (const key of Object.keys(saleSchema.shape)) {
      expect(DOCUMENT_SELECTIONS.sales).toMatch(new RegExp(`\\b${key}\\b`));
    }
    expect(DOCUMENT_SELECTIONS.sales).toContain('payments { method amountMinor }');
    expect(DOCUMENT_SELECTIONS.sales).toContain('lastError { code message }');
    expect(DOCUMENT_SELECTIONS.sales.endsWith('_deleted')).toBe(true);
  });

  it('selects the inventory crdt log as a whole (JSON scalar)', () => {
    expect(DOCUMENT_SELECTIONS.inventory).toMatch(/\bcrdts _deleted$/);
  });

  it('parses the reconcile and fetch-by-ids documents', () => {
    expect(operationOf(RECONCILE_CATALOG_DOCUMENT).name?.value).toBe('reconcileCatalog');
    expect(operationOf(CATALOG_BY_IDS_DOCUMENTS.products).name?.value).toBe('productsByIds');
    expect(operationOf(CATALOG_BY_IDS_DOCUMENTS.categories).name?.value).toBe('categoriesByIds');
  });
});
