import type { WithDeleted } from 'rxdb';
import type { Checkpoint } from '../../../replication/index.ts';
import type { ProductInput, Sale } from '../../../schema/index.ts';
import { DEFAULT_TENANT_ID, makeProduct, makeSale } from '../../../schema/index.ts';
import type { CloudStore, PullResult, TerminalScope } from '../cloud-store.ts';
import type { AuditRecordOptions } from '../core/audit-entry.ts';

/** What an adapter's factory gives the contract: a fresh, empty store on its own data. */
export type ContractStore = {
  store: CloudStore;
  /** Closes the store and opens it again on the same data. */
  reopen(): Promise<CloudStore>;
  /** Closes and removes the data. */
  destroy(): Promise<void>;
  /**
   * Overwrites the stored document of an inventory row behind the store's back (seq unchanged), as a
   * release without the push checks could have stored it: for the repair and pull-tolerance tests.
   */
  overwriteInventoryDocument(tenantId: string, id: string, doc: unknown): Promise<void>;
  /**
   * Rewrites a booked sale as releases before sales schema version 2 stored it: without `kind`, on
   * the stored document and wherever the adapter keeps it beside (SQLite's column keeps the default
   * its migration gave such rows).
   */
  storeSaleAsLegacy(tenantId: string, id: string): Promise<void>;
  /**
   * Records an audit entry through the adapter's own audit log, as code other than the admin writes
   * does (an offline flag, an action the entity table does not know).
   */
  recordAuditEntry(
    tenantId: string,
    actor: string,
    action: string,
    target: string | null,
    options: AuditRecordOptions,
  ): Promise<void>;
};

/** Opens a fresh store whose clock is `now`. */
export type CloudStoreFactory = (options: { now: () => Date }) => Promise<ContractStore>;

/**
 * A settable clock shared by the store and the test. It starts at the real time: sales made by the
 * fixtures carry the real time, and the store refuses a `createdAt` far from its own clock.
 */
export class TestClock {
  #ms = Math.floor(Date.now() / 1000) * 1000;
  readonly now = (): Date => new Date(this.#ms);
  advance(ms: number): void {
    this.#ms += ms;
  }
}

/** One tenant with two branches and three terminals: the world most tests start from. */
export type World = {
  tenantId: string;
  t1: TerminalScope & { token: string };
  t2: TerminalScope & { token: string };
  t3: TerminalScope & { token: string };
};

export async function createWorld(
  store: CloudStore,
  tenantId: string = DEFAULT_TENANT_ID,
): Promise<World> {
  if (tenantId !== DEFAULT_TENANT_ID) {
    await store.createTenant({ id: tenantId, name: tenantId }, 'root');
  }
  await store.createBranch(tenantId, { id: 'b-1', name: 'Branch 1', currency: 'EUR' }, 'root');
  await store.createBranch(tenantId, { id: 'b-2', name: 'Branch 2' }, 'root');
  const register = async (branchId: string, name: string) => {
    const { terminal, token } = await store.registerTerminal(tenantId, { branchId, name }, 'root');
    return { tenantId, branchId, terminalId: terminal.id, token };
  };
  return {
    tenantId,
    t1: await register('b-1', 'Till 1'),
    t2: await register('b-1', 'Till 2'),
    t3: await register('b-2', 'Till 3'),
  };
}

/**
 * A product input (the server stamps `updatedAt`), its SKU derived from its id and without barcode or
 * category, so products made from it do not collide in a tenant and refer to nothing missing.
 */
export function productInput(overrides: Partial<ProductInput> = {}): ProductInput {
  const { updatedAt: _updatedAt, ...input } = makeProduct();
  const id = overrides.id ?? input.id;
  return { ...input, sku: `SKU-${id}`, barcode: null, categoryId: null, ...overrides };
}

/** A consistent sale of a terminal. */
export function saleOf(scope: TerminalScope, localEventId: number, overrides: Partial<Sale> = {}) {
  return makeSale({
    terminalId: scope.terminalId,
    branchId: scope.branchId,
    posId: 'pos-1',
    localEventId,
    ...overrides,
  });
}

/** Pulls a stream from `checkpoint` until a page comes back empty. */
export async function pullAll<T>(
  pull: (checkpoint: Checkpoint | null, limit: number) => Promise<PullResult<T>>,
  checkpoint: Checkpoint | null = null,
  limit = 100,
): Promise<{ documents: WithDeleted<T>[]; checkpoint: Checkpoint | null; pages: number }> {
  const documents: WithDeleted<T>[] = [];
  let pages = 0;
  for (;;) {
    const page = await pull(checkpoint, limit);
    pages++;
    if (page.documents.length === 0) return { documents, checkpoint, pages };
    documents.push(...page.documents);
    checkpoint = page.checkpoint;
  }
}

/** The latest state per id of a list of pulled documents. */
export function latestById<T extends { id: string }>(docs: WithDeleted<T>[]): Map<string, T> {
  return new Map(docs.map((d) => [d.id, d]));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Awaits a promise that must fail with a `PosError` of `code`. */
export async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  let error: unknown;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  if (!error || (error as { code?: string }).code !== code) {
    throw new Error(`expected ${code}, got ${error ? String((error as Error).stack) : 'success'}`);
  }
}

/** A sale of `scope` paid wholly on account by `customerId` (made offline). */
export function accountChargeOf(
  scope: TerminalScope,
  localEventId: number,
  customerId: string,
): Sale {
  const sale = saleOf(scope, localEventId, { posId: `pos-${scope.terminalId}` });
  return {
    ...sale,
    customerId,
    offline: true,
    payments: [{ method: 'account', amountMinor: sale.totals.totalMinor }],
    changeMinor: 0,
  };
}
