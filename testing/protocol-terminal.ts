import { createClient } from 'graphql-ws/client';
import type { Client } from 'graphql-ws/client';
import { WebSocket } from 'ws';
import {
  CATALOG_STREAM_ENUM,
  PULL_DOCUMENTS,
  PUSH_DOCUMENTS,
  RECONCILE_BUCKET_COUNT,
  RECONCILE_CATALOG_DOCUMENT,
  STREAM_DOCUMENTS,
  computeBucketDigests,
  contentHash,
} from '../replication/index.ts';
import type { Sale } from '../schema/index.ts';
import {
  SALE_V2_DEFAULTS,
  computeSaleLine,
  computeSaleTotals,
  createUuidV7,
} from '../schema/index.ts';
import type { RegisteredTerminal } from './cloud.ts';
import type { Random } from './random.ts';
import { realNow } from './random.ts';
import type { TerminalProgress } from './terminal-host-protocol.ts';
import { changeOfPrice } from './terminal-host-protocol.ts';

type CatalogStream = 'products' | 'categories';

type GraphQLAnswer = {
  data?: any;
  errors?: { message: string; extensions?: { code?: string } }[];
};

export type ProtocolTerminalOptions = {
  key: string;
  registered: RegisteredTerminal;
  /** The GraphQL URL it talks to (a fault proxy's, usually). */
  url: string;
  random: Random;
  /** Pause between two sales in ms (jittered); 0: the terminal only listens. */
  sellEveryMs: number;
  /** Streams to subscribe to; default products and categories. */
  streams?: readonly CatalogStream[];
  /** Called when the catalog shows a newer admin change (`at`: `realNow()`). */
  onArrival?: (key: string, change: number, at: number) => void;
  /** Largest sales per push. */
  pushBatchSize?: number;
};

/** A sale this terminal's cashier was told about, as the invariants need it. */
export type AcknowledgedSale = Pick<
  Sale,
  'id' | 'terminalId' | 'posId' | 'localEventId' | 'branchId'
>;

/**
 * A terminal without RxDB that speaks the same protocol as the real one: sales pushed with
 * `pushSales` until the cloud answers for them, the catalog pulled by seq checkpoint and woken by the
 * `streamX` hints on its own graphql-ws connection. Hundreds fit in one process, so a fleet can reach
 * the cloud's limits; the real terminals of the fleet prove the engine itself.
 *
 * Its sales are "acknowledged" once a push holding them was answered: that is when a real terminal
 * would take them off its queue. It keeps them in memory: the simulator never kills this process.
 */
export class ProtocolTerminal {
  readonly key: string;
  readonly registered: RegisteredTerminal;
  readonly posId: string;
  readonly catalog = { products: new Map<string, any>(), categories: new Map<string, any>() };
  /** Sales answered by the cloud (booked or duplicate), in order. */
  readonly acknowledged: AcknowledgedSale[] = [];
  /** Sales the cloud refused (needs_attention): none is expected. */
  readonly refused: { sale: AcknowledgedSale; code: string }[] = [];
  /** Pushes sent a second time on purpose (the duplicate fault) and their answers. */
  duplicatesSent = 0;
  duplicatesAnswered = 0;
  changeSeen = 0;
  online = false;
  clockSkewMs = 0;
  /** Deliver every push twice (the duplicate fault). */
  duplicate = false;
  #options: ProtocolTerminalOptions;
  #queue: Sale[] = [];
  #nextLocalEventId = 1;
  #checkpoints: Record<CatalogStream, unknown> = { products: null, categories: null };
  #pulling: Record<CatalogStream, Promise<void> | null> = { products: null, categories: null };
  #pullAgain: Record<CatalogStream, boolean> = { products: false, categories: false };
  #client: Client | undefined;
  #socketOpen = false;
  #running = false;
  #selling = false;
  #wakePush: (() => void) | undefined;
  #loops: Promise<void>[] = [];
  #failures = 0;

  constructor(options: ProtocolTerminalOptions) {
    this.#options = options;
    this.key = options.key;
    this.registered = options.registered;
    this.posId = `proto-${options.key}`;
  }

  /** Connects its stream, pulls the catalog and starts pushing (selling starts with `setSelling`). */
  async start(): Promise<void> {
    this.#running = true;
    const streams = this.#options.streams ?? ['products', 'categories'];
    this.#client = createClient({
      url: this.#options.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { headers: { Authorization: `Bearer ${this.registered.token}` } },
      lazy: false,
      keepAlive: 5_000,
      retryAttempts: Number.POSITIVE_INFINITY,
      shouldRetry: () => true,
      retryWait: async (retries) =>
        new Promise((r) =>
          setTimeout(r, this.#options.random.next() * Math.min(1_000, 50 * 2 ** retries)),
        ),
      on: {
        connected: () => {
          this.#socketOpen = true;
          for (const stream of streams) this.pull(stream);
        },
        closed: () => (this.#socketOpen = false),
      },
    });
    for (const stream of streams) {
      this.#client.subscribe(
        { query: STREAM_DOCUMENTS[stream] },
        { next: () => this.pull(stream), error: () => undefined, complete: () => undefined },
      );
    }
    await Promise.all(streams.map((stream) => this.pull(stream)));
    this.#loops.push(this.#pushLoop(), this.#sellLoop(), this.#safetyPulls(streams));
  }

  setSelling(selling: boolean): void {
    this.#selling = selling;
  }

  /** Stops its loops and closes its connection. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#wakePush?.();
    await this.#client?.dispose();
    await Promise.all(this.#loops);
  }

  progress(): TerminalProgress {
    const sold = this.#nextLocalEventId - 1;
    return {
      key: this.key,
      sold,
      ackedThrough: this.#queue.length > 0 ? this.#queue[0]!.localEventId - 1 : sold,
      changeSeen: this.changeSeen,
      online: this.online,
      queued: this.#queue.length,
      needsAttention: this.refused.length,
      halted: null,
    };
  }

  /** Pulls a catalog stream from its checkpoint until nothing is new; calls during a pull coalesce. */
  pull(stream: CatalogStream): Promise<void> {
    if (this.#pulling[stream]) {
      this.#pullAgain[stream] = true;
      return this.#pulling[stream];
    }
    const run = async () => {
      do {
        this.#pullAgain[stream] = false;
        try {
          await this.#pullOnce(stream);
        } catch {
          this.online = false; // the next hint, reconnect or safety pull goes again
        }
      } while (this.#pullAgain[stream] && this.#running);
    };
    this.#pulling[stream] = run().finally(() => (this.#pulling[stream] = null));
    return this.#pulling[stream];
  }

  async #pullOnce(stream: CatalogStream): Promise<void> {
    const field = stream === 'products' ? 'pullProducts' : 'pullCategories';
    for (;;) {
      const data = await this.#call(PULL_DOCUMENTS[stream], {
        checkpoint: this.#checkpoints[stream],
        limit: 1_000,
      });
      const page = data[field];
      const docs = this.catalog[stream];
      for (const doc of page.documents) {
        if (doc._deleted) docs.delete(doc.id);
        else docs.set(doc.id, doc);
        if (stream === 'products') {
          const change = changeOfPrice(doc.priceMinor ?? 0);
          if (change > this.changeSeen) {
            this.changeSeen = change;
            this.#options.onArrival?.(this.key, change, realNow());
          }
        }
      }
      this.#checkpoints[stream] = page.checkpoint;
      if (page.documents.length < 1_000) return;
    }
  }

  /**
   * Queries (pulls, reconcile) go over the open WebSocket, as a real terminal's do, and over HTTP
   * when there is none or the socket fails them; pushes always go over HTTP.
   */
  async #call(query: string, variables: Record<string, unknown>): Promise<any> {
    const overSocket = query.trimStart().startsWith('query')
      ? this.#querySocket(query, variables)
      : null;
    const body = (await overSocket?.catch(() => null)) ?? (await this.#fetch(query, variables));
    this.online = true;
    if (body.errors?.length) {
      const error = new Error(body.errors.map((e) => e.message).join('; '));
      (error as any).code = body.errors[0]!.extensions?.code;
      throw error;
    }
    return body.data;
  }

  /** One query over the open WebSocket; null when none is open, a rejection when it fails. */
  #querySocket(query: string, variables: Record<string, unknown>): Promise<GraphQLAnswer> | null {
    const client = this.#client;
    if (!client || !this.#socketOpen) return null;
    return new Promise<GraphQLAnswer>((resolve, reject) => {
      let answer: GraphQLAnswer | undefined;
      const timer = setTimeout(() => {
        cancel();
        reject(new Error('no answer over the WebSocket'));
      }, 20_000);
      const cancel = client.subscribe<any>(
        { query, variables },
        {
          next: (value) => (answer = value as GraphQLAnswer),
          error: (error) => {
            clearTimeout(timer);
            if (Array.isArray(error)) resolve({ errors: error as GraphQLAnswer['errors'] });
            else reject(new Error('WebSocket closed'));
          },
          complete: () => {
            clearTimeout(timer);
            if (answer) resolve(answer);
            else reject(new Error('WebSocket operation ended without an answer'));
          },
        },
      );
    });
  }

  async #fetch(query: string, variables: Record<string, unknown>): Promise<GraphQLAnswer> {
    const response = await fetch(this.#options.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${this.registered.token}`,
      },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(20_000),
    });
    return (await response.json()) as GraphQLAnswer;
  }

  /** Sells one sale from the local catalog, queued for push. */
  sell(): Sale | null {
    const products = [...this.catalog.products.values()].filter((p) => p.active);
    if (products.length === 0) return null;
    const random = this.#options.random;
    const lines = Array.from({ length: random.int(1, 3) }, () => {
      const p = random.pick(products);
      return computeSaleLine({
        productId: p.id,
        sku: p.sku,
        name: p.name,
        quantity: random.int(1, 3),
        unitPriceMinor: p.priceMinor,
        discountMinor: 0,
        taxRateBps: p.taxRateBps,
      });
    });
    const totals = computeSaleTotals(lines);
    const now = Date.now() + this.clockSkewMs;
    const sale: Sale = {
      id: createUuidV7(now),
      terminalId: this.registered.terminalId,
      posId: this.posId,
      localEventId: this.#nextLocalEventId++,
      branchId: this.registered.branchId,
      cashierId: null,
      createdAt: new Date(now).toISOString(),
      currency: products[0]!.currency,
      lines,
      totals,
      payments: [{ method: 'cash', amountMinor: totals.totalMinor }],
      changeMinor: 0,
      ...SALE_V2_DEFAULTS,
      invoiceNo: null,
      ingestedAt: null,
      syncState: 'queued',
      lastError: null,
      syncAttempts: 0,
    };
    this.#queue.push(sale);
    this.#wakePush?.();
    return sale;
  }

  async #sellLoop(): Promise<void> {
    const every = this.#options.sellEveryMs;
    if (every <= 0) return;
    while (this.#running) {
      await new Promise((r) => setTimeout(r, every * (0.5 + this.#options.random.next())));
      if (this.#selling && this.#running) this.sell();
    }
  }

  async #safetyPulls(streams: readonly CatalogStream[]): Promise<void> {
    while (this.#running) {
      await new Promise((r) => setTimeout(r, 5_000));
      if (this.#running) for (const stream of streams) void this.pull(stream);
    }
  }

  async #pushLoop(): Promise<void> {
    const size = this.#options.pushBatchSize ?? 100;
    while (this.#running) {
      if (this.#queue.length === 0) {
        await new Promise<void>((r) => {
          this.#wakePush = r;
          setTimeout(r, 500);
        });
        continue;
      }
      const batch = this.#queue.slice(0, size);
      const rows = batch.map((sale) => ({ newDocumentState: { ...sale, _deleted: false } }));
      try {
        const data = await this.#call(PUSH_DOCUMENTS.sales, { rows });
        if (this.duplicate) {
          this.duplicatesSent++;
          const again = await this.#call(PUSH_DOCUMENTS.sales, { rows });
          this.duplicatesAnswered += again.pushSales.length;
        }
        this.#settle(batch, data.pushSales);
        this.#failures = 0;
      } catch {
        this.online = false;
        this.#failures++;
        const ceiling = Math.min(1_000, 50 * 2 ** this.#failures);
        await new Promise((r) => setTimeout(r, this.#options.random.next() * ceiling));
      }
    }
  }

  #settle(batch: Sale[], conflicts: any[]): void {
    const refused = new Map<string, string>();
    for (const master of conflicts) {
      if (master.syncState === 'needs_attention')
        refused.set(master.id, master.lastError?.code ?? '?');
    }
    for (const sale of batch) {
      const identity = {
        id: sale.id,
        terminalId: sale.terminalId,
        posId: sale.posId,
        localEventId: sale.localEventId,
        branchId: sale.branchId,
      };
      const code = refused.get(sale.id);
      if (code) this.refused.push({ sale: identity, code });
      else this.acknowledged.push(identity);
    }
    this.#queue.splice(0, batch.length);
  }

  /** Catalog buckets whose digest differs from the cloud's branch view (empty: equal). */
  async differingBuckets(stream: CatalogStream): Promise<number[]> {
    const entries = [...this.catalog[stream].values()].map((doc) => ({
      id: doc.id,
      hash: contentHash(doc),
    }));
    const data = await this.#call(RECONCILE_CATALOG_DOCUMENT, {
      stream: CATALOG_STREAM_ENUM[stream],
      bucketCount: RECONCILE_BUCKET_COUNT,
      digests: computeBucketDigests(entries, RECONCILE_BUCKET_COUNT),
    });
    return data.reconcileCatalog.differingBuckets;
  }
}
