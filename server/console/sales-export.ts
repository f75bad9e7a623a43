import Papa from 'papaparse';
import type { Sale } from '../../schema/index.ts';
import { currencyDigits, minorToDecimal } from './money-text.ts';

/** Columns of the sales CSV export, in order: one row per booked sale. */
export const SALES_CSV_COLUMNS = [
  'invoice_no',
  'branch_id',
  'terminal_id',
  'sale_id',
  'created_at',
  'ingested_at',
  'currency',
  'lines',
  'subtotal',
  'discount',
  'tax',
  'total',
  'payments',
] as const;

/** The sale fields an export needs; what the console and `pos export` ask the API for. */
export const SALE_EXPORT_FIELDS =
  'id invoiceNo branchId terminalId createdAt ingestedAt currency lines { productId } ' +
  'totals { subtotalMinor discountMinor taxMinor totalMinor } payments { method amountMinor }';

export type ExportedSale = Pick<
  Sale,
  | 'id'
  | 'invoiceNo'
  | 'branchId'
  | 'terminalId'
  | 'createdAt'
  | 'ingestedAt'
  | 'currency'
  | 'totals'
  | 'payments'
> & { lines: unknown[] };

/** The CSV header line, with its line break. */
export function salesCsvHeader(): string {
  return `${Papa.unparse([SALES_CSV_COLUMNS as unknown as string[]], { newline: '\r\n' })}\r\n`;
}

/**
 * CSV lines of sales (RFC 4180 quoting by papaparse, `\r\n`): amounts as exact decimals in the sale's
 * currency, payments as `method:amount` joined by `;`.
 */
export function salesCsvRows(sales: ExportedSale[]): string {
  if (sales.length === 0) return '';
  const rows = sales.map((sale) => {
    const digits = currencyDigits(sale.currency);
    const money = (minor: number) => minorToDecimal(minor, digits);
    return [
      String(sale.invoiceNo ?? ''),
      sale.branchId,
      sale.terminalId,
      sale.id,
      sale.createdAt,
      sale.ingestedAt ?? '',
      sale.currency,
      String(sale.lines.length),
      money(sale.totals.subtotalMinor),
      money(sale.totals.discountMinor),
      money(sale.totals.taxMinor),
      money(sale.totals.totalMinor),
      sale.payments.map((p) => `${p.method}:${money(p.amountMinor)}`).join(';'),
    ];
  });
  // Every field quoted where needed; a leading = + - @ is neutralised so a spreadsheet does not run
  // a formula from a name or id.
  return `${Papa.unparse(rows, { newline: '\r\n', escapeFormulae: true })}\r\n`;
}

/** NDJSON lines of sales: one JSON object per line, amounts in minor units as the API has them. */
export function salesNdjsonRows(sales: ExportedSale[]): string {
  return sales.map((sale) => `${JSON.stringify(sale)}\n`).join('');
}

/** The sales GraphQL query the exports page through (500 a page, the API's maximum). */
export const EXPORT_SALES_QUERY = `query ($branchId: String, $terminalId: String, $from: String, $to: String, $invoiceNo: Int, $after: String, $first: Int = 500) {
  sales(branchId: $branchId, terminalId: $terminalId, from: $from, to: $to, invoiceNo: $invoiceNo, first: $first, after: $after) {
    totalCount edges { node { ${SALE_EXPORT_FIELDS} } }
    pageInfo { endCursor hasNextPage }
  }
}`;

/** A sales filter as the console and the CLI pass it to the API. */
export type SalesExportFilter = {
  branchId?: string;
  terminalId?: string;
  from?: string;
  to?: string;
  invoiceNo?: number;
};

/**
 * Pages through the sales of a filter and hands each page's text to `write` as it arrives: memory
 * stays one page whatever the number of sales.
 */
export async function exportSales(
  gql: (
    query: string,
    variables: Record<string, unknown>,
  ) => Promise<{ data?: any; errors?: { message: string; extensions?: Record<string, any> }[] }>,
  filter: SalesExportFilter,
  format: 'csv' | 'ndjson',
  write: (text: string) => void | Promise<void>,
): Promise<number> {
  if (format === 'csv') await write(salesCsvHeader());
  let after: string | null = null;
  let count = 0;
  for (;;) {
    const answer = await gql(EXPORT_SALES_QUERY, { ...filter, after });
    if (answer.errors?.length) {
      const error = answer.errors[0]!;
      throw Object.assign(new Error(error.message), {
        code: String(error.extensions?.['code'] ?? 'POS_INTERNAL'),
      });
    }
    const page = answer.data.sales;
    const sales = page.edges.map((e: { node: ExportedSale }) => e.node);
    count += sales.length;
    await write(format === 'csv' ? salesCsvRows(sales) : salesNdjsonRows(sales));
    if (!page.pageInfo.hasNextPage) return count;
    after = page.pageInfo.endCursor;
  }
}
