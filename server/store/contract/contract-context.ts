import { afterEach, beforeEach } from 'vitest';
import type { CloudStore } from '../cloud-store.ts';
import type { CloudStoreFactory, ContractStore, World } from './harness.ts';
import { TestClock, createWorld } from './harness.ts';

/** The per-test state of the contract suite, rebuilt before each test. */
export type ContractContext = {
  readonly store: CloudStore;
  readonly world: World;
  readonly clock: TestClock;
  /** Closes and reopens the store on the same data; `store` is the new instance afterwards. */
  reopen(): Promise<CloudStore>;
  /** See `ContractStore.overwriteInventoryDocument`. */
  overwriteInventoryDocument(tenantId: string, id: string, doc: unknown): Promise<void>;
  /** See `ContractStore.storeSaleAsLegacy`. */
  storeSaleAsLegacy: ContractStore['storeSaleAsLegacy'];
  /** See `ContractStore.recordAuditEntry`. */
  recordAuditEntry: ContractStore['recordAuditEntry'];
  /** A second fresh store (for property runs that need an empty one per run). */
  fresh(): Promise<{ store: CloudStore; world: World }>;
};

export function useContractContext(factory: CloudStoreFactory): ContractContext {
  let opened: ContractStore;
  let store: CloudStore;
  let world: World;
  let clock: TestClock;
  const extra: ContractStore[] = [];
  beforeEach(async () => {
    clock = new TestClock();
    opened = await factory({ now: clock.now });
    store = opened.store;
    world = await createWorld(store);
  });
  afterEach(async () => {
    await opened.destroy();
    await Promise.all(extra.splice(0).map((s) => s.destroy()));
  });
  return {
    get store() {
      return store;
    },
    get world() {
      return world;
    },
    get clock() {
      return clock;
    },
    async reopen() {
      store = await opened.reopen();
      return store;
    },
    overwriteInventoryDocument(tenantId, id, doc) {
      return opened.overwriteInventoryDocument(tenantId, id, doc);
    },
    storeSaleAsLegacy(tenantId, id) {
      return opened.storeSaleAsLegacy(tenantId, id);
    },
    recordAuditEntry(...args) {
      return opened.recordAuditEntry(...args);
    },
    async fresh() {
      const another = await factory({ now: clock.now });
      extra.push(another);
      return { store: another.store, world: await createWorld(another.store) };
    },
  };
}
