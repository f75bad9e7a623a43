import type { SalesFilter } from '../cloud-store.ts';

/**
 * Every field of a sales filter, an absent one `null`. Both adapters build each sales read (the
 * list, its count, its sums) from this object, so a field added to `SalesFilter` fails to compile
 * until each adapter filters on it.
 */
export type ResolvedSalesFilter = {
  [K in keyof SalesFilter]-?: Exclude<SalesFilter[K], undefined> | null;
};

export function resolveSalesFilter(filter: SalesFilter): ResolvedSalesFilter {
  return {
    branchId: filter.branchId ?? null,
    terminalId: filter.terminalId ?? null,
    from: filter.from ?? null,
    to: filter.to ?? null,
    invoiceNo: filter.invoiceNo ?? null,
    eventKey: filter.eventKey ?? null,
    kind: filter.kind ?? null,
  };
}
