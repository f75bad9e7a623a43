import type { CloudStore } from '../cloud-store.ts';

/**
 * A change of a stream, as far as a hint needs it. Products, categories and customers are tenant-wide;
 * inventory and sales are per branch, so their notices name the branch.
 */
export type StreamNotice =
  | { tenantId: string; stream: 'products' | 'categories' | 'customers' }
  | { tenantId: string; stream: 'inventory' | 'sales'; branchId: string };

type NoticeRules = {
  [K in keyof CloudStore]?: (
    args: Parameters<CloudStore[K]>,
    result: Awaited<ReturnType<CloudStore[K]>>,
  ) => StreamNotice[];
};

/** Which stream each write changed; none for a write that changed nothing (a redelivery, no match). */
const noticeRules: NoticeRules = {
  upsertProducts: ([tenantId]) => [{ tenantId, stream: 'products' }],
  deleteProducts: ([tenantId], deleted) =>
    deleted.length > 0 ? [{ tenantId, stream: 'products' }] : [],
  upsertCategories: ([tenantId]) => [{ tenantId, stream: 'categories' }],
  deleteCategories: ([tenantId], deleted) =>
    deleted.length > 0 ? [{ tenantId, stream: 'categories' }] : [],
  ingestSales: ([scope], outcomes) =>
    outcomes.some((o) => o.status !== 'duplicate')
      ? [{ tenantId: scope.tenantId, stream: 'sales', branchId: scope.branchId }]
      : [],
  acceptRejectedSale: ([tenantId], event) => [
    { tenantId, stream: 'sales', branchId: event.branchId },
  ],
  discardRejectedSale: ([tenantId], event) => [
    { tenantId, stream: 'sales', branchId: event.branchId },
  ],
  pushInventory: ([scope]) => [
    { tenantId: scope.tenantId, stream: 'inventory', branchId: scope.branchId },
  ],
  pushCustomers: ([scope]) => [{ tenantId: scope.tenantId, stream: 'customers' }],
  upsertCustomers: ([tenantId]) => [{ tenantId, stream: 'customers' }],
  mergeCustomers: ([tenantId]) => [{ tenantId, stream: 'customers' }],
  repairInventory: ([tenantId, branchId], repairs) =>
    repairs.some((r) => r.repaired) ? [{ tenantId, stream: 'inventory', branchId }] : [],
};

/**
 * The store that announces each stream change once, where the write happens, after it succeeded (a
 * failed write changed nothing). A proxy like `instrumentStore`: reads and other calls pass through.
 */
export function notifyOnWrite(
  store: CloudStore,
  notify: (notice: StreamNotice) => void,
): CloudStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || !Object.hasOwn(noticeRules, property)) return value;
      const rule = noticeRules[property as keyof CloudStore] as (
        args: unknown[],
        result: unknown,
      ) => StreamNotice[];
      return async (...args: unknown[]) => {
        const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        for (const notice of rule(args, result)) notify(notice);
        return result;
      };
    },
  });
}
