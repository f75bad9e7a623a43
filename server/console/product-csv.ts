import type { ProductInput } from '../../schema/index.ts';
import { productInputSchema } from '../../schema/index.ts';
import { currencyDigits, decimalToMinor } from './money-text.ts';

import type { ProductCsvColumn } from './product-csv-columns.ts';
import { PRODUCT_CSV_COLUMNS } from './product-csv-columns.ts';

export { PRODUCT_CSV_COLUMNS, type ProductCsvColumn };

/** One refused row: its line in the file and every reason. */
export type BadProductRow = { line: number; id: string | null; reasons: string[] };

/** A row that passed the file checks, with the line it came from. */
export type GoodProductRow = { line: number; input: ProductInput };

/**
 * Checks a product file row by row, as the rows stream by: the header, each row's fields (prices
 * converted exactly to minor units), and ids, SKUs and barcodes repeated within the file. The catalog
 * checks (SKU or barcode of another product, unknown category) are the server's dry run.
 */
export class ProductCsvChecker {
  readonly #currency: string;
  readonly #digits: number;
  #columns: Map<number, ProductCsvColumn> | null = null;
  readonly #firstLineOf = {
    id: new Map<string, number>(),
    sku: new Map<string, number>(),
    barcode: new Map<string, number>(),
  };
  readonly good: GoodProductRow[] = [];
  readonly bad: BadProductRow[] = [];
  /** Problems of the header: when any, no row is read. */
  headerProblems: string[] = [];

  constructor(options: { currency: string }) {
    this.#currency = options.currency;
    this.#digits = currencyDigits(options.currency);
  }

  /** Reads the header row; false when it is unusable (see `headerProblems`). */
  header(fields: string[]): boolean {
    const columns = new Map<number, ProductCsvColumn>();
    const problems: string[] = [];
    fields.forEach((raw, index) => {
      const name = raw
        .trim()
        .toLowerCase()
        .replace(/^\uFEFF/, '');
      if (name === '') return;
      if (!(name in PRODUCT_CSV_COLUMNS)) problems.push(`unknown column "${raw.trim()}"`);
      else if ([...columns.values()].includes(name as ProductCsvColumn)) {
        problems.push(`column "${name}" appears twice`);
      } else columns.set(index, name as ProductCsvColumn);
    });
    for (const [name, spec] of Object.entries(PRODUCT_CSV_COLUMNS)) {
      if (spec.required && ![...columns.values()].includes(name as ProductCsvColumn)) {
        problems.push(`missing column "${name}"`);
      }
    }
    this.headerProblems = problems;
    this.#columns = problems.length === 0 ? columns : null;
    return this.#columns !== null;
  }

  /** Checks one data row found at `line`. A row of empty fields only is skipped. */
  row(fields: string[], line: number): void {
    const columns = this.#columns;
    if (!columns) throw new Error('header() first');
    if (fields.every((f) => f.trim() === '')) return;
    const value: Partial<Record<ProductCsvColumn, string>> = {};
    const reasons: string[] = [];
    if (fields.length > columns.size && fields.slice(columns.size).some((f) => f.trim() !== '')) {
      reasons.push(`${fields.length} fields, the header has ${columns.size}`);
    }
    for (const [index, name] of columns) value[name] = (fields[index] ?? '').trim();
    const priceMinor = decimalToMinor(value.price ?? '', this.#digits);
    if (priceMinor === null) {
      reasons.push(
        `price "${value.price ?? ''}" is not a decimal with at most ${this.#digits} decimals in ${this.#currency}`,
      );
    }
    const taxRateBps = decimalToMinor(value.tax_rate ?? '', 2);
    if (taxRateBps === null || taxRateBps > 10_000) {
      reasons.push(
        `tax_rate "${value.tax_rate ?? ''}" is not a percentage 0–100 with at most 2 decimals`,
      );
    }
    const active = parseActive(value.active ?? '');
    if (active === null) reasons.push(`active "${value.active}" is not true/false, yes/no or 1/0`);
    const candidate = {
      id: value.id ?? '',
      sku: value.sku ?? '',
      name: value.name ?? '',
      barcode: value.barcode ? value.barcode : null,
      categoryId: value.category_id ? value.category_id : null,
      priceMinor: priceMinor ?? 0,
      currency: this.#currency,
      taxRateBps: taxRateBps ?? 0,
      active: active ?? true,
      branchIds: null,
      branchPrices: [],
    };
    const parsed = productInputSchema.safeParse(candidate);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = String(issue.path[0] ?? '');
        // Price and tax problems were reported in the file's own terms above.
        if (field === 'priceMinor' || field === 'taxRateBps') continue;
        reasons.push(`${COLUMN_OF_FIELD[field] ?? field}: ${issue.message}`);
      }
    }
    for (const key of ['id', 'sku', 'barcode'] as const) {
      const text = candidate[key];
      if (text === null || text === '') continue;
      const first = this.#firstLineOf[key].get(text);
      if (first !== undefined) reasons.push(`${key} "${text}" already on line ${first}`);
      else this.#firstLineOf[key].set(text, line);
    }
    if (reasons.length > 0 || !parsed.success) {
      this.bad.push({ line, id: candidate.id || null, reasons });
    } else {
      this.good.push({ line, input: parsed.data });
    }
  }
}

const COLUMN_OF_FIELD: Record<string, string> = {
  id: 'id',
  sku: 'sku',
  name: 'name',
  barcode: 'barcode',
  categoryId: 'category_id',
};

function parseActive(text: string): boolean | null {
  const value = text.toLowerCase();
  if (value === '' || value === 'true' || value === 'yes' || value === '1') return true;
  if (value === 'false' || value === 'no' || value === '0') return false;
  return null;
}

/**
 * The line each record starts on, from the records as a CSV parser hands them over: a record ends
 * with one line break, plus any inside its quoted fields. Exact for `\n` and `\r\n` files.
 */
export class CsvLineCounter {
  #next = 1;

  /** The line the record starts on; call once per record, in order. */
  lineOf(fields: string[]): number {
    const line = this.#next;
    let inside = 0;
    for (const field of fields) {
      for (let i = field.indexOf('\n'); i !== -1; i = field.indexOf('\n', i + 1)) inside++;
    }
    this.#next += 1 + inside;
    return line;
  }
}

/** A refusal of the server's dry run, row `index` of a batch, in the file's terms. */
export function serverProblemText(problem: {
  rule: string;
  value: string;
  conflictsWith?: string[];
}): string {
  const others = problem.conflictsWith?.length
    ? ` (also on ${problem.conflictsWith.join(', ')})`
    : '';
  switch (problem.rule) {
    case 'unknown_category':
      return `category_id "${problem.value}" does not exist`;
    case 'duplicate_sku':
      return `sku "${problem.value}" belongs to another product${others}`;
    case 'duplicate_barcode':
      return `barcode "${problem.value}" belongs to another product${others}`;
    case 'duplicate_id':
      return `id "${problem.value}" repeated`;
    default:
      return `${problem.rule}: ${problem.value}`;
  }
}
