import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from './test-fixtures.ts';
import { removeDataDir, startTestServer } from './test-fixtures.ts';
import type { TestTerminal } from './test-api.ts';
import {
  UPSERT_PRODUCTS,
  createBranch,
  dataOf,
  productInput,
  pullPage,
  pushSales,
  registerTerminal,
  saleOf,
} from './test-api.ts';

const WRITERS = 3;
const ROUNDS = 15;
const FRESH_PER_ROUND = 10;
const HOT_IDS = 20;
const TERMINALS = 4;
const PUSHES = 12;
const SALES_PER_PUSH = 10;

/**
 * A terminal pulling products and its sales acknowledgements in small pages while others write, keeping
 * every checkpoint it was handed. Checkpoints must only grow; a page with documents must move it.
 */
class Puller {
  readonly products = new Map<string, any>();
  readonly sales = new Map<string, any>();
  productSeq = 0;
  salesSeq = 0;
  pages = 0;

  constructor(
    readonly t: TestServer,
    readonly terminal: TestTerminal,
  ) {}

  /** One round over both streams; answers whether anything new arrived. */
  async step(): Promise<boolean> {
    const products = await pullPage(
      this.t.gql,
      'products',
      this.terminal.token,
      this.productSeq,
      7,
    );
    const sales = await pullPage(this.t.gql, 'sales', this.terminal.token, this.salesSeq, 5);
    this.pages += 2;
    for (const [page, before] of [
      [products, this.productSeq],
      [sales, this.salesSeq],
    ] as const) {
      if (page.documents.length > 0) expect(page.checkpoint.seq).toBeGreaterThan(before);
      else expect(page.checkpoint.seq).toBe(before);
    }
    for (const doc of products.documents) this.products.set(doc.id, doc);
    for (const doc of sales.documents) this.sales.set(doc.id, doc);
    this.productSeq = products.checkpoint.seq;
    this.salesSeq = sales.checkpoint.seq;
    return products.documents.length > 0 || sales.documents.length > 0;
  }
}

describe('checkpoint invariant over HTTP with concurrent writers and pullers', () => {
  let t: TestServer;
  let terminals: TestTerminal[];

  beforeAll(async () => {
    t = await startTestServer({
      config: { rateLimitPerSecond: 100_000, rateLimitBurst: 100_000 },
    });
    await createBranch(t.gql, 'b-1');
    terminals = [];
    for (let i = 0; i < TERMINALS; i++) terminals.push(await registerTerminal(t.gql, 'b-1'));
  });
  afterAll(async () => {
    await t.stop();
    removeDataDir(t.dataDir);
  });

  it('every puller ends with every latest version and never held a checkpoint past a change it missed', async () => {
    const pushed = new Map<string, string[]>(terminals.map((x) => [x.terminalId, []]));
    const adminWriter = async (w: number) => {
      for (let r = 0; r < ROUNDS; r++) {
        const fresh = Array.from({ length: FRESH_PER_ROUND }, (_, i) =>
          productInput(100_000 * (w + 1) + r * FRESH_PER_ROUND + i),
        );
        const hot = Array.from({ length: 5 }, (_, i) =>
          productInput((r * 5 + i + w) % HOT_IDS, { name: `hot w${w} r${r}` }),
        );
        dataOf(await t.gql(UPSERT_PRODUCTS, { input: [...fresh, ...hot] }));
      }
    };
    const salePusher = async (terminal: TestTerminal) => {
      for (let p = 0; p < PUSHES; p++) {
        const sales = Array.from({ length: SALES_PER_PUSH }, (_, i) =>
          saleOf(terminal, 'pos-x', p * SALES_PER_PUSH + i + 1),
        );
        expect(await pushSales(t.gql, terminal, sales)).toEqual([]);
        pushed.get(terminal.terminalId)!.push(...sales.map((s) => s.id));
      }
    };
    const pullers = terminals.map((terminal) => new Puller(t, terminal));
    let writing = true;
    const pullLoop = async (puller: Puller) => {
      while (writing) await puller.step();
      // Writers are done: drain from the checkpoint held. A change committed with a seq below a
      // checkpoint this puller already held would never be served again, so it would be missing here.
      while (await puller.step());
    };
    const loops = pullers.map(pullLoop);
    await Promise.all([
      ...Array.from({ length: WRITERS }, (_, w) => adminWriter(w)),
      ...terminals.map(salePusher),
    ]);
    writing = false;
    await Promise.all(loops);

    // The truth, read after every writer finished: the cloud record of each product id written.
    const ids = [
      ...Array.from({ length: HOT_IDS }, (_, i) => productInput(i).id),
      ...Array.from({ length: WRITERS }, (_, w) =>
        Array.from(
          { length: ROUNDS * FRESH_PER_ROUND },
          (_, i) => productInput(100_000 * (w + 1) + i).id,
        ),
      ).flat(),
    ];
    const truth = dataOf(
      await t.gql('query ($ids: [String!]!) { products(ids: $ids) { id name priceMinor } }', {
        ids,
      }),
    ).products as { id: string; name: string; priceMinor: number }[];
    expect(truth).toHaveLength(ids.length);

    for (const puller of pullers) {
      // Pulls interleaved with writes, not one snapshot after them.
      expect(puller.pages).toBeGreaterThan(20);
      expect(puller.products.size).toBe(truth.length);
      for (const product of truth) {
        expect(puller.products.get(product.id)).toMatchObject({
          name: product.name,
          priceMinor: product.priceMinor,
          _deleted: false,
        });
      }
      const own = pushed.get(puller.terminal.terminalId)!;
      expect(puller.sales.size).toBe(own.length);
      for (const id of own) {
        expect(puller.sales.get(id)).toMatchObject({
          syncState: 'synced',
          invoiceNo: expect.any(Number),
        });
      }
    }
    const invoices = pullers.flatMap((p) => [...p.sales.values()].map((s) => s.invoiceNo));
    expect(new Set(invoices).size).toBe(TERMINALS * PUSHES * SALES_PER_PUSH);
  });
});
