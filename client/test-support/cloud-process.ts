import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Root token of test clouds. */
export const ROOT_TOKEN = 'terminal-tests-root-token-0123456789';

const POS_CLI = resolve(import.meta.dirname, '../../tools/cli/pos.js');

/** A free TCP port on loopback (the cloud keeps its port across restarts, like a real deployment). */
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

/** A temp dir removed by the caller. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Removes a temp dir. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * The cloud as a real process (`pos server`) on a fixed port over its own data dir, so tests can stop
 * and restart it and terminals see an outage, not a new server. Client tests must not import server/,
 * and a separate process is what a terminal meets in production anyway.
 */
export class CloudProcess {
  readonly port: number;
  readonly dataDir: string;
  readonly url: string;
  #child: ChildProcess | undefined;

  constructor(port: number, dataDir: string) {
    this.port = port;
    this.dataDir = dataDir;
    this.url = `http://127.0.0.1:${port}/graphql`;
  }

  static async start(env: Record<string, string> = {}): Promise<CloudProcess> {
    const cloud = new CloudProcess(await freePort(), tempDir('pos-cloud-'));
    await cloud.start(env);
    return cloud;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  /** Starts (or restarts) the process and resolves once it listens. */
  async start(env: Record<string, string> = {}): Promise<void> {
    const child = spawn(
      process.execPath,
      [
        POS_CLI,
        'server',
        '--port',
        String(this.port),
        '--data-dir',
        this.dataDir,
        '--admin-token',
        ROOT_TOKEN,
      ],
      {
        env: {
          ...process.env,
          POS_LOG_LEVEL: 'warn',
          POS_RATE_LIMIT_PER_SECOND: '100000',
          POS_RATE_LIMIT_BURST: '100000',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.#child = child;
    let output = '';
    await new Promise<void>((resolveStart, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('GraphQL')) resolveStart();
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => reject(new Error(`cloud exited with ${code}: ${output}`)));
    });
  }

  /** Stops the process (SIGTERM, clean shutdown) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    await exited;
  }

  /** Stops the process and removes its data. */
  async destroy(): Promise<void> {
    await this.stop();
    removeDir(this.dataDir);
  }

  /** One GraphQL operation over HTTP with the root token (or `token`); throws on errors. */
  async gql<T = any>(
    query: string,
    variables: Record<string, unknown> = {},
    token = ROOT_TOKEN,
  ): Promise<T> {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
    if (body.errors?.length) throw new Error(`GraphQL: ${JSON.stringify(body.errors)}`);
    return body.data as T;
  }

  async createBranch(id: string, currency = 'EUR'): Promise<void> {
    await this.gql(
      'mutation ($id: String!, $c: String) { createBranch(input: { id: $id, name: $id, currency: $c }) { id } }',
      { id, c: currency },
    );
  }

  async registerTerminal(
    branchId: string,
  ): Promise<{ terminalId: string; token: string; branchId: string }> {
    const data = await this.gql(
      'mutation ($b: String!) { registerTerminal(input: { branchId: $b, name: "Till" }) { terminalId token } }',
      { b: branchId },
    );
    return { ...data.registerTerminal, branchId };
  }

  async upsertProducts(products: object[]): Promise<void> {
    for (let i = 0; i < products.length; i += 5000) {
      await this.gql('mutation ($p: [ProductInput!]!) { upsertProducts(input: $p) { id } }', {
        p: products.slice(i, i + 5000),
      });
    }
  }

  async deleteProducts(ids: string[]): Promise<void> {
    await this.gql('mutation ($ids: [String!]!) { deleteProducts(ids: $ids) }', { ids });
  }

  async upsertCategories(categories: object[]): Promise<void> {
    await this.gql('mutation ($c: [CategoryInput!]!) { upsertCategories(input: $c) { id } }', {
      c: categories,
    });
  }

  /** Every booked sale of a branch (admin query, paginated). */
  async bookedSales(branchId: string): Promise<any[]> {
    const sales: any[] = [];
    let after: string | null = null;
    for (;;) {
      const data: any = await this.gql(
        'query ($b: String!, $after: String) { sales(branchId: $b, first: 500, after: $after) { edges { node { id terminalId posId localEventId invoiceNo branchId } } pageInfo { endCursor hasNextPage } } }',
        { b: branchId, after },
      );
      sales.push(...data.sales.edges.map((e: any) => e.node));
      if (!data.sales.pageInfo.hasNextPage) return sales;
      after = data.sales.pageInfo.endCursor;
    }
  }
}

/** A product input for `upsertProducts`. */
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
