import { afterAll, describe, expect, it } from 'vitest';
import { Cloud, eventually } from '../testing/index.ts';
import type { GraphQLAnswer } from './test-fixtures.ts';
import type { Gql, TestTerminal } from './test-api.ts';
import {
  UPSERT_PRODUCTS,
  createBranch,
  dataOf,
  productInput,
  pullAll,
  pushSales,
  registerTerminal,
  saleOf,
} from './test-api.ts';

function clientOf(cloud: Cloud): Gql {
  return async (query, variables = {}, token = cloud.rootToken) => {
    const response = await fetch(cloud.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return {
      status: response.status,
      headers: response.headers,
      ...(await response.json()),
    } as GraphQLAnswer;
  };
}

describe('a pos server process killed with SIGKILL under load', () => {
  let cloud: Cloud | undefined;
  afterAll(async () => {
    await cloud?.destroy();
  });

  it('loses nothing it acknowledged and books every sale exactly once after a restart', async () => {
    cloud = await Cloud.start({ env: { POS_LOG_LEVEL: 'silent' } });
    const gql = clientOf(cloud);
    await createBranch(gql, 'b-1');
    const terminals: TestTerminal[] = [];
    for (let i = 0; i < 4; i++) terminals.push(await registerTerminal(gql, 'b-1'));

    const acknowledgedSales = new Map<string, string[]>(terminals.map((x) => [x.terminalId, []]));
    const attempted = new Map<string, object[]>(terminals.map((x) => [x.terminalId, []]));
    const acknowledgedProducts: string[] = [];
    let killed = false;
    const pusher = async (terminal: TestTerminal) => {
      for (let batch = 0; !killed; batch++) {
        const sales = Array.from({ length: 20 }, (_, i) =>
          saleOf(terminal, 'pos-k', batch * 20 + i + 1),
        );
        attempted.get(terminal.terminalId)!.push(...sales);
        try {
          expect(await pushSales(gql, terminal, sales)).toEqual([]);
        } catch {
          return; // the connection died with the process: this batch was never acknowledged
        }
        acknowledgedSales.get(terminal.terminalId)!.push(...sales.map((s) => s.id));
      }
    };
    const importer = async () => {
      for (let round = 0; !killed; round++) {
        const input = Array.from({ length: 50 }, (_, i) => productInput(round * 50 + i));
        try {
          dataOf(await gql(UPSERT_PRODUCTS, { input }));
        } catch {
          return;
        }
        acknowledgedProducts.push(...input.map((p) => p.id));
      }
    };
    const load = Promise.all([...terminals.map(pusher), importer()]);
    // Killed once enough is acknowledged, wherever the writes are then.
    const ackedCount = () => [...acknowledgedSales.values()].reduce((n, ids) => n + ids.length, 0);
    await eventually(() => ackedCount() > 100 && acknowledgedProducts.length > 50, 30_000);
    await cloud.kill();
    killed = true;
    await load;

    await cloud.start();
    for (const terminal of terminals) {
      const { docs } = await pullAll(gql, 'sales', terminal.token, 0, 500);
      for (const id of acknowledgedSales.get(terminal.terminalId)!) {
        expect(docs.get(id)).toMatchObject({ syncState: 'synced', invoiceNo: expect.any(Number) });
      }
    }
    const { docs: products } = await pullAll(gql, 'products', terminals[0]!.token, 0, 1_000);
    for (const id of acknowledgedProducts) expect(products.has(id)).toBe(true);

    // Terminals deliver their whole queue again (at-least-once): each sale is booked exactly once.
    for (const terminal of terminals) {
      const queue = attempted.get(terminal.terminalId)!;
      for (let i = 0; i < queue.length; i += 200) {
        // Duplicates answer the ingested copy (RxDB adopts it); nothing is refused.
        const answer = await pushSales(gql, terminal, queue.slice(i, i + 200));
        expect(answer.filter((doc: any) => doc.syncState !== 'synced')).toEqual([]);
      }
    }
    const total = [...attempted.values()].reduce((n, queue) => n + queue.length, 0);
    const booked = dataOf(await gql('{ sales(branchId: "b-1") { totalCount } }')).sales;
    expect(booked.totalCount).toBe(total);
    const gaps = dataOf(await gql('{ saleGaps(branchId: "b-1") { gaps { from } } }')).saleGaps;
    expect(gaps.flatMap((g: any) => g.gaps)).toEqual([]);
  }, 60_000);
});
