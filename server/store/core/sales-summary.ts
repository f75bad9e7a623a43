import type { Sale } from '../../../schema/index.ts';
import type { SalesSummary } from '../cloud-store.ts';

/** One group of booked sale documents as an adapter counts them: per currency and kind. */
export type SummaryRow = { currency: string; kind: Sale['kind']; c: number; total: number };

/** The per-currency summary of an adapter's groups: returns are netted against sales. */
export function summarize(rows: readonly SummaryRow[]): SalesSummary[] {
  const byCurrency = new Map<string, SalesSummary>();
  for (const row of rows) {
    const summary = byCurrency.get(row.currency) ?? {
      currency: row.currency,
      salesCount: 0,
      salesMinor: 0,
      returnsCount: 0,
      returnsMinor: 0,
      settlementsCount: 0,
      settlementsMinor: 0,
      netMinor: 0,
    };
    const kind =
      row.kind === 'return' ? 'returns' : row.kind === 'settlement' ? 'settlements' : 'sales';
    summary[`${kind}Count`] += row.c;
    summary[`${kind}Minor`] += row.total;
    summary.netMinor = summary.salesMinor - summary.returnsMinor;
    byCurrency.set(row.currency, summary);
  }
  return [...byCurrency.values()].sort((a, b) => a.currency.localeCompare(b.currency));
}
