import type { SaleKind, SaleTotals } from '../../../schema/index.ts';
import { SALE_KINDS } from '../../../schema/index.ts';
import type { CurrencyTotals, KindTotals, SalesGroup, SalesTotals } from '../cloud-store.ts';

/** The port's order of groups: by currency, then by kind in `SALE_KINDS` order. */
export function sortSalesGroups(groups: SalesGroup[]): SalesGroup[] {
  const rank = (kind: SaleKind) => SALE_KINDS.indexOf(kind);
  return groups.sort((a, b) =>
    a.currency === b.currency ? rank(a.kind) - rank(b.kind) : a.currency < b.currency ? -1 : 1,
  );
}

const NOTHING: KindTotals = {
  count: 0,
  subtotalMinor: 0,
  discountMinor: 0,
  taxMinor: 0,
  totalMinor: 0,
};

function kindTotalsOf(group: SalesGroup | undefined): KindTotals {
  if (group === undefined) return NOTHING;
  const { count, subtotalMinor, discountMinor, taxMinor, totalMinor } = group;
  return { count, subtotalMinor, discountMinor, taxMinor, totalMinor };
}

/** Sales less returns, field by field: the revenue of the documents summed. */
function netOf(sales: KindTotals, returns: KindTotals): SaleTotals {
  return {
    subtotalMinor: sales.subtotalMinor - returns.subtotalMinor,
    discountMinor: sales.discountMinor - returns.discountMinor,
    taxMinor: sales.taxMinor - returns.taxMinor,
    totalMinor: sales.totalMinor - returns.totalMinor,
  };
}

/**
 * The summary of `summarizeSales` groups per currency: each kind apart and `net` = sales − returns.
 * Settlements pay down account charges already counted as sales, so they are never revenue.
 */
export function totalsByCurrency(groups: readonly SalesGroup[]): SalesTotals {
  const byCurrency = new Map<string, Map<SaleKind, SalesGroup>>();
  for (const group of groups) {
    const kinds = byCurrency.get(group.currency) ?? new Map<SaleKind, SalesGroup>();
    kinds.set(group.kind, group);
    byCurrency.set(group.currency, kinds);
  }
  const currencies: CurrencyTotals[] = [...byCurrency].map(([currency, kinds]) => {
    const sales = kindTotalsOf(kinds.get('sale'));
    const returns = kindTotalsOf(kinds.get('return'));
    const settlement = kinds.get('settlement');
    return {
      currency,
      sales,
      returns,
      settlements: { count: settlement?.count ?? 0, settledMinor: settlement?.settledMinor ?? 0 },
      net: netOf(sales, returns),
    };
  });
  return { count: groups.reduce((n, g) => n + g.count, 0), currencies };
}
