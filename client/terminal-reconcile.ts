import type { Logger } from 'pino';
import type { CatalogStream, StreamReconcileResult } from './catalog-reconcile.ts';
import { reconcileCatalogStream } from './catalog-reconcile.ts';
import type { GraphQLCaller } from './graphql-client.ts';
import type { TerminalDatabase } from './terminal-database.ts';
import type { ReconcileSummary } from './terminal-status.ts';

/** What `reconcile()` returns: the plan over both catalog streams and the documents written. */
export type ReconcileResult = {
  missing: string[];
  stale: string[];
  extra: string[];
  applied: number;
  streams: Record<CatalogStream, StreamReconcileResult>;
};

/** The operator's reconcile of the catalog, and the last one's outcome for the status. */
export class TerminalReconcile {
  readonly #db: TerminalDatabase;
  readonly #caller: GraphQLCaller;
  readonly #logger: () => Logger;
  readonly #onReconciled: () => void;
  #last: ReconcileSummary | null = null;

  constructor(init: {
    db: TerminalDatabase;
    caller: GraphQLCaller;
    logger: () => Logger;
    /** Called after every reconcile that went through. */
    onReconciled: () => void;
  }) {
    this.#db = init.db;
    this.#caller = init.caller;
    this.#logger = init.logger;
    this.#onReconciled = init.onReconciled;
  }

  get last(): ReconcileSummary | null {
    return this.#last;
  }

  /** Runs the bucket-digest reconcile of both catalog streams and applies the plan. */
  async run(): Promise<ReconcileResult> {
    const streams = {} as Record<CatalogStream, StreamReconcileResult>;
    for (const stream of ['categories', 'products'] as const) {
      streams[stream] = await reconcileCatalogStream(this.#caller, stream, this.#db[stream]);
    }
    const result: ReconcileResult = {
      missing: [...streams.categories.missing, ...streams.products.missing],
      stale: [...streams.categories.stale, ...streams.products.stale],
      extra: [...streams.categories.extra, ...streams.products.extra],
      applied: streams.categories.applied + streams.products.applied,
      streams,
    };
    this.#last = {
      at: new Date().toISOString(),
      missing: result.missing.length,
      stale: result.stale.length,
      extra: result.extra.length,
      applied: result.applied,
    };
    this.#logger().info({ reconcile: this.#last }, 'reconciled');
    this.#onReconciled();
    return result;
  }
}
