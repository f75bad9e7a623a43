import { z } from 'zod';
import {
  DEFAULT_BACKOFF,
  DEFAULT_MAX_SERVER_ATTEMPTS,
  PULL_LIMIT_MAX,
  PUSH_ROWS_MAX,
} from '../replication/index.ts';
import { PosError, currencySchema } from '../schema/index.ts';

/**
 * Every option of `openTerminal`, validated once at the boundary (a bad option fails fast with every
 * problem listed). The terminal's id and branch are not options: the cloud states them for the token
 * (`currentTerminal`, see client/README.md, "Identity").
 */
export const terminalOptionsSchema = z
  .object({
    /** Folder of the terminal's SQLite file (`terminal.sqlite`); one terminal process per folder. */
    dataDir: z.string().min(1),
    /** The cloud's GraphQL endpoint, `http(s)://host:port/graphql`; WebSocket is derived from it. */
    serverUrl: z.url(),
    /** The terminal token issued by `registerTerminal` / `reassignTerminal`. */
    token: z.string().min(8),
    /** Sale currency; defaults to the branch's currency, else the currency of the products sold. */
    currency: currencySchema.optional(),
    /** First run only: how long to keep trying to reach the cloud before `POS_SYNC_OFFLINE`. */
    firstContactTimeoutMs: z.int().min(0).default(30_000),
    /** Start replication at once (false: offline until `start()`). */
    autoStart: z.boolean().default(true),
    /** Documents per catalog/inventory pull request (snapshot batches). */
    pullBatchSize: z.int().min(1).max(PULL_LIMIT_MAX).default(PULL_LIMIT_MAX),
    /** Sales per push request. */
    pushBatchSize: z.int().min(1).max(PUSH_ROWS_MAX).default(200),
    /** Push requests in flight at once. */
    pushConcurrency: z.int().min(1).max(16).default(2),
    /** Server-side failures of one sale before it goes to `needs_attention`. */
    maxServerAttempts: z.int().min(1).max(1000).default(DEFAULT_MAX_SERVER_ATTEMPTS),
    /** Backoff of failed pushes and pulls: first ceiling and cap, in ms. */
    backoffBaseMs: z.int().min(1).default(DEFAULT_BACKOFF.baseMs),
    backoffCapMs: z.int().min(1).default(DEFAULT_BACKOFF.capMs),
    /**
     * Settled sales (synced, with the cloud's invoice number) older than this are pruned from the
     * terminal, in the background; queued, refused and discarded sales are kept. 0 keeps every sale.
     */
    salesRetentionMs: z
      .int()
      .min(0)
      .default(90 * 24 * 60 * 60 * 1000),
    /** Sales pruned per write (one SQLite transaction) by the retention. */
    salesPruneBatchSize: z.int().min(1).max(10_000).default(200),
    /** Time between two passes of the retention (the first runs when the terminal opens). */
    salesPruneIntervalMs: z
      .int()
      .min(1)
      .default(60 * 60 * 1000),
    /**
     * How often an online terminal pulls its branch's offline policy (also at start and on every
     * reconnect): an admin's change reaches an online terminal within this time, without a restart.
     */
    offlinePolicyRefreshMs: z.int().min(50).default(30_000),
    /** Catalog collections commit with NORMAL durability (they can be pulled again); sales always FULL. */
    catalogSynchronous: z.enum(['FULL', 'NORMAL']).default('NORMAL'),
    /** pino level of the terminal's JSON logs. */
    logLevel: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
  })
  .strict();

/** Options of `openTerminal` as given. */
export type TerminalOptions = z.input<typeof terminalOptionsSchema>;

/** Options of `openTerminal` after defaults. */
export type ResolvedTerminalOptions = z.output<typeof terminalOptionsSchema>;

/** Parses the options, throwing one `POS_INPUT_INVALID` that lists every problem. */
export function resolveTerminalOptions(input: unknown): ResolvedTerminalOptions {
  const result = terminalOptionsSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  throw new PosError('POS_INPUT_INVALID', `invalid terminal options: ${problems.join('; ')}`, {
    problems,
  });
}

/** The WebSocket URL of a GraphQL endpoint (`http:` → `ws:`, `https:` → `wss:`). */
export function toWebSocketUrl(serverUrl: string): string {
  const url = new URL(serverUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}
