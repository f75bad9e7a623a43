import type { Sale } from '../../../schema/index.ts';
import { accountEffectOf } from '../../../schema/index.ts';
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
  ingestSales: ([scope], outcomes) => [
    ...(outcomes.some((o) => o.status !== 'duplicate')
      ? [{ tenantId: scope.tenantId, stream: 'sales' as const, branchId: scope.branchId }]
      : []),
    // A booked account event moved its customer's balance: the customer row has a new seq.
    ...(outcomes.some((o) => o.status === 'ingested' && o.sale.accountLedgerSeq !== null)
      ? [{ tenantId: scope.tenantId, stream: 'customers' as const }]
      : []),
  ],
  acceptRejectedSale: ([tenantId], event) => [
    { tenantId, stream: 'sales', branchId: event.branchId },
    ...(movesAnAccount(event.payload) ? [{ tenantId, stream: 'customers' as const }] : []),
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

/** Whether an accepted payload is an account event (its booking wrote a ledger entry). */
function movesAnAccount(payload: unknown): boolean {
  if (typeof payload !== 'object' || payload === null) return false;
  const sale = payload as Partial<Sale>;
  if (!Array.isArray(sale.payments) || sale.customerId === undefined) return false;
  try {
    return (
      accountEffectOf({
        kind: sale.kind ?? 'sale',
        customerId: sale.customerId ?? null,
        payments: sale.payments,
        changeMinor: sale.changeMinor ?? 0,
      }) !== null
    );
  } catch {
    return false;
  }
}
