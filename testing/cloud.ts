import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PULL_DOCUMENTS } from '../replication/index.ts';

/** The `pos` command the cloud runs as: the production entry point, spawned, never imported. */
const POS_CLI = resolve(import.meta.dirname, '../tools/cli/pos.js');

/** The root admin token of a cloud started by this module (a test cloud, on loopback). */
export const TEST_ROOT_TOKEN = 'pos-testing-root-token-0123456789';

/** A terminal registered to a branch: what a terminal needs to start. */
export type RegisteredTerminal = { terminalId: string; token: string; branchId: string };

/** A booked sale as the admin `sales` query answers it (the fields the invariants need). */
export type BookedSale = {
  id: string;
  terminalId: string;
  posId: string;
  localEventId: number;
  invoiceNo: number;
  branchId: string;
  createdAt: string;
};

export type CloudOptions = {
  /** Extra environment of the server process (`POS_*` settings, see docs/api.md). */
  env?: Record<string, string>;
  /** Data dir of the embedded store; a new temp dir (removed by `destroy()`) by default. */
  dataDir?: string;
  /** Arguments for `node` before the script, e.g. `['--cpu-prof', '--cpu-prof-dir', dir]`. */
  nodeArgs?: string[];
};

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** A new temp dir; the caller removes it (`removeDir`). */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Removes a dir and everything in it. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** CPU time (user + system) of a process so far in ms, from /proc (Linux); null elsewhere. */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/** Resident memory of a process in bytes, from /proc (Linux); null elsewhere. */
export function processRssBytes(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * The cloud as a real `pos server` process on the embedded store, on a fixed loopback port over its
 * own data dir, so it can be SIGKILLed and started again and terminals see an outage, not a new
 * server. Rate limits are raised out of the way unless `env` sets them.
 */
export class Cloud {
  readonly port: number;
  readonly dataDir: string;
  readonly url: string;
  readonly rootToken = TEST_ROOT_TOKEN;
  #child: ChildProcess | undefined;
  #options: CloudOptions;
  #ownsDataDir: boolean;

  private constructor(port: number, options: CloudOptions) {
    this.port = port;
    this.#ownsDataDir = options.dataDir === undefined;
    this.dataDir = options.dataDir ?? tempDir('pos-cloud-');
    this.url = `http://127.0.0.1:${port}/graphql`;
    this.#options = options;
  }

  /** Starts a cloud and resolves once it listens. */
  static async start(options: CloudOptions = {}): Promise<Cloud> {
    const cloud = new Cloud(await freePort(), options);
    await cloud.start();
    return cloud;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  /** The server process id while it runs. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Starts (or restarts after a kill) the process on the same port and data dir. */
  async start(): Promise<void> {
    if (this.#child) return;
    const child = spawn(
      process.execPath,
      [
        ...(this.#options.nodeArgs ?? []),
        POS_CLI,
        'server',
        '--port',
        String(this.port),
        '--host',
        '127.0.0.1',
        '--data-dir',
        this.dataDir,
        '--admin-token',
        TEST_ROOT_TOKEN,
      ],
      {
        env: {
          ...process.env,
          POS_LOG_LEVEL: 'warn',
          POS_RATE_LIMIT_PER_SECOND: '100000',
          POS_RATE_LIMIT_BURST: '100000',
          ...this.#options.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.#child = child;
    let output = '';
    child.once('exit', () => {
      if (this.#child === child) this.#child = undefined;
    });
    await new Promise<void>((resolveStart, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('GraphQL')) resolveStart();
      });
      child.stderr!.on(
        'data',
        (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)),
      );
      child.once('exit', (code, signal) =>
        reject(new Error(`cloud exited with ${code ?? signal}: ${output.slice(-2_000)}`)),
      );
    });
  }

  /** SIGKILLs the process (no clean shutdown: what a crash or a pulled plug does) and waits for it. */
  async kill(): Promise<void> {
    await this.#end('SIGKILL');
  }

  /** Stops the process cleanly (SIGTERM) and waits for it to exit. */
  async stop(): Promise<void> {
    await this.#end('SIGTERM');
  }

  /** Stops the process and removes the data dir it created. */
  async destroy(): Promise<void> {
    await this.stop();
    if (this.#ownsDataDir) removeDir(this.dataDir);
  }

  async #end(signal: NodeJS.Signals): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill(signal);
    await exited;
  }

  /** One GraphQL operation over HTTP with the root token (or `token`); throws on GraphQL errors. */
  async gql<T = any>(
    query: string,
    variables: Record<string, unknown> = {},
    token: string = TEST_ROOT_TOKEN,
  ): Promise<T> {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: unknown[] };
    if (body.errors?.length)
      throw new Error(`GraphQL: ${JSON.stringify(body.errors).slice(0, 1_000)}`);
    return body.data as T;
  }

  async createBranch(id: string, currency = 'EUR'): Promise<void> {
    await this.gql(
      'mutation ($id: String!, $c: String) { createBranch(input: { id: $id, name: $id, currency: $c }) { id } }',
      { id, c: currency },
    );
  }

  async registerTerminal(branchId: string, name = 'Till'): Promise<RegisteredTerminal> {
    const data = await this.gql(
      'mutation ($b: String!, $n: String!) { registerTerminal(input: { branchId: $b, name: $n }) { terminalId token } }',
      { b: branchId, n: name },
    );
    return { ...data.registerTerminal, branchId };
  }

  /** Upserts products in batches of 5,000 (the cloud's limit per call). */
  async upsertProducts(products: readonly object[]): Promise<void> {
    for (let i = 0; i < products.length; i += 5_000) {
      await this.gql('mutation ($p: [ProductInput!]!) { upsertProducts(input: $p) { id } }', {
        p: products.slice(i, i + 5_000),
      });
    }
  }

  async upsertCategories(categories: readonly object[]): Promise<void> {
    await this.gql('mutation ($c: [CategoryInput!]!) { upsertCategories(input: $c) { id } }', {
      c: categories,
    });
  }

  async deleteProducts(ids: readonly string[]): Promise<void> {
    await this.gql('mutation ($ids: [String!]!) { deleteProducts(ids: $ids) }', { ids });
  }

  /** Every booked sale of a branch, in ingest order (admin query, paged). */
  async bookedSales(branchId: string): Promise<BookedSale[]> {
    const sales: BookedSale[] = [];
    let after: string | null = null;
    for (;;) {
      const data: any = await this.gql(
        'query ($b: String!, $after: String) { sales(branchId: $b, first: 500, after: $after) { edges { node { id terminalId posId localEventId invoiceNo branchId createdAt } } pageInfo { endCursor hasNextPage } } }',
        { b: branchId, after },
      );
      sales.push(...data.sales.edges.map((e: any) => e.node));
      if (!data.sales.pageInfo.hasNextPage) return sales;
      after = data.sales.pageInfo.endCursor;
    }
  }

  /**
   * The branch's inventory as its terminals pull it (there is no admin query for it): every live
   * row, read with the token of one of the branch's terminals.
   */
  async branchInventory(terminalToken: string): Promise<Map<string, any>> {
    const rows = new Map<string, any>();
    let checkpoint: unknown = null;
    for (;;) {
      const data: any = await this.gql(
        PULL_DOCUMENTS.inventory,
        { checkpoint, limit: 1_000 },
        terminalToken,
      );
      const page = data.pullInventory;
      for (const doc of page.documents) {
        if (doc._deleted) rows.delete(doc.id);
        else rows.set(doc.id, doc);
      }
      if (page.documents.length === 0) return rows;
      checkpoint = page.checkpoint;
    }
  }
}

/** A product input for `upsertProducts`: `p-<i>`, a price, no category, every branch. */
export function productInput(
  i: number,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id: `p-${i}`,
    sku: `SKU-${i}`,
    barcode: `40000${String(i).padStart(8, '0')}`,
    name: `Product ${i}`,
    categoryId: null,
    priceMinor: 100 + i,
    currency: 'EUR',
    taxRateBps: 700,
    active: true,
    branchIds: null,
    branchPrices: [],
    ...extra,
  };
}
