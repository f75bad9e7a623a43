import { PULL_DOCUMENTS, PUSH_DOCUMENTS } from '../replication/index.ts';
import type { StreamName } from '../replication/index.ts';
import type { Sale } from '../schema/index.ts';
import { makeSale } from '../schema/index.ts';
import type { GraphQLAnswer } from './test-fixtures.ts';

/** Something that runs one GraphQL operation over HTTP (`TestServer.gql` or a client of a child process). */
export type Gql = (
  query: string,
  variables?: Record<string, unknown>,
  token?: string | null,
) => Promise<GraphQLAnswer>;

/** A terminal as the admin API registers it. */
export type TestTerminal = { terminalId: string; branchId: string; token: string };

export const UPSERT_PRODUCTS =
  'mutation ($input: [ProductInput!]!, $tenantId: String) { upsertProducts(input: $input, tenantId: $tenantId) { id } }';

/** A `ProductInput` with a padded id, so ids sort like their numbers. */
export function productInput(i: number, extra: Record<string, unknown> = {}) {
  return {
    id: `p-${String(i).padStart(6, '0')}`,
    sku: `SKU-${i}`,
    name: `Product ${i}`,
    priceMinor: 100 + i,
    currency: 'EUR',
    taxRateBps: 700,
    ...extra,
  };
}

/** A valid sale of `terminal`, as a push row's `newDocumentState`. */
export function saleOf(
  terminal: TestTerminal,
  posId: string,
  localEventId: number,
  extra: Partial<Sale> = {},
) {
  return {
    ...makeSale({
      terminalId: terminal.terminalId,
      branchId: terminal.branchId,
      posId,
      localEventId,
      ...extra,
    }),
    _deleted: false,
  };
}

/** Throws with the errors when an answer has any, so a failing setup step says why. */
export function dataOf(answer: GraphQLAnswer): any {
  if (answer.errors?.length) throw new Error(JSON.stringify(answer.errors));
  return answer.data;
}

export async function createBranch(gql: Gql, id: string, token?: string): Promise<void> {
  dataOf(
    await gql(
      'mutation ($id: String!) { createBranch(input: { id: $id, name: $id, currency: "EUR" }) { id } }',
      { id },
      token,
    ),
  );
}

export async function registerTerminal(
  gql: Gql,
  branchId: string,
  token?: string,
): Promise<TestTerminal> {
  const { registerTerminal } = dataOf(
    await gql(
      'mutation ($b: String!) { registerTerminal(input: { branchId: $b, name: "Till" }) { terminalId token } }',
      { b: branchId },
      token,
    ),
  );
  return { ...registerTerminal, branchId };
}

/** Pushes sales; answers the conflicting master documents (empty: every sale ingested or duplicate). */
export async function pushSales(gql: Gql, terminal: TestTerminal, sales: object[]) {
  return dataOf(
    await gql(
      PUSH_DOCUMENTS.sales,
      { rows: sales.map((s) => ({ newDocumentState: s })) },
      terminal.token,
    ),
  ).pushSales as any[];
}

/** One pull page; throws on errors. */
export async function pullPage(
  gql: Gql,
  stream: StreamName,
  token: string,
  seq: number,
  limit: number,
): Promise<{ documents: any[]; checkpoint: { seq: number } }> {
  const name = `pull${stream[0]!.toUpperCase()}${stream.slice(1)}`;
  return dataOf(await gql(PULL_DOCUMENTS[stream], { checkpoint: { seq }, limit }, token))[name];
}

/** Pulls from `seq` until a page comes back empty; the latest version of each id, and the last seq. */
export async function pullAll(
  gql: Gql,
  stream: StreamName,
  token: string,
  seq = 0,
  limit = 100,
): Promise<{ docs: Map<string, any>; seq: number }> {
  const docs = new Map<string, any>();
  for (;;) {
    const page = await pullPage(gql, stream, token, seq, limit);
    if (page.documents.length === 0) return { docs, seq };
    for (const doc of page.documents) docs.set(doc.id, doc);
    seq = page.checkpoint.seq;
  }
}
