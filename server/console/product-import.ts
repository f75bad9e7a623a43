import Papa from 'papaparse';
import type { ProductInput } from '../../schema/index.ts';
import type { BadProductRow, GoodProductRow } from './product-csv.ts';
import { CsvLineCounter, ProductCsvChecker, serverProblemText } from './product-csv.ts';

/** Runs one GraphQL operation with an admin token; the console and the CLI each bring theirs. */
export type AdminGql = (
  query: string,
  variables?: Record<string, unknown>,
) => Promise<{ data?: any; errors?: { message: string; extensions?: Record<string, any> }[] }>;

/** Rows per `checkProducts` / `upsertProducts` call (the server's default `POS_UPSERT_MAX`). */
export const IMPORT_BATCH = 5_000;

const CHECK = 'query ($input: [ProductInput!]!) { checkProducts(input: $input) }';
const UPSERT = 'mutation ($input: [ProductInput!]!) { upsertProducts(input: $input) { id } }';

/** What a dry run found: the rows to import, and every bad row by line. */
export type ImportReport = {
  good: GoodProductRow[];
  bad: BadProductRow[];
  headerProblems: string[];
};

/**
 * Parses and checks a product file as it streams (papaparse: a `File` in the browser, a readable
 * stream or a string in Node), without the server.
 */
export function checkProductFile(
  source: File | NodeJS.ReadableStream | string,
  currency: string,
): Promise<ProductCsvChecker> {
  const checker = new ProductCsvChecker({ currency });
  const lines = new CsvLineCounter();
  let sawHeader = false;
  let headerOk = false;
  return new Promise((resolve, reject) => {
    Papa.parse<string[]>(source as never, {
      header: false,
      skipEmptyLines: false,
      step: (result, parser) => {
        const fields = result.data;
        const line = lines.lineOf(fields);
        if (!sawHeader) {
          sawHeader = true;
          headerOk = checker.header(fields);
          if (!headerOk) parser.abort();
          return;
        }
        if (result.errors.length > 0) {
          checker.bad.push({
            line,
            id: fields[0] ?? null,
            reasons: result.errors.map((e) => `CSV: ${e.message}`),
          });
          return;
        }
        checker.row(fields, line);
      },
      complete: () => {
        if (!sawHeader) checker.headerProblems = ['the file is empty: a header row is needed'];
        resolve(checker);
      },
      error: (error: Error) => reject(error),
    });
  });
}

/**
 * The server's half of the dry run: every good row through `checkProducts` in batches, nothing
 * stored; refusals (another product's SKU or barcode, an unknown category) become bad rows by line.
 */
export async function dryRunOnServer(
  gql: AdminGql,
  good: GoodProductRow[],
  onProgress: (done: number, total: number) => void = () => {},
): Promise<BadProductRow[]> {
  const bad: BadProductRow[] = [];
  for (let start = 0; start < good.length; start += IMPORT_BATCH) {
    const batch = good.slice(start, start + IMPORT_BATCH);
    const answer = await gql(CHECK, { input: batch.map((row) => row.input) });
    const error = answer.errors?.[0];
    if (error) {
      const rows = error.extensions?.['rows'] as
        { index: number; rule: string; value: string; conflictsWith?: string[] }[] | undefined;
      if (error.extensions?.['code'] !== 'POS_INPUT_INVALID' || !rows) throw importError(error);
      const byLine = new Map<number, BadProductRow>();
      for (const problem of rows) {
        const row = batch[problem.index]!;
        const entry = byLine.get(row.line) ?? { line: row.line, id: row.input.id, reasons: [] };
        entry.reasons.push(serverProblemText(problem));
        byLine.set(row.line, entry);
      }
      const count = Number(error.extensions?.['count'] ?? rows.length);
      if (count > rows.length) {
        const first = batch[0]!.line;
        const last = batch.at(-1)!.line;
        byLine.set(first, {
          line: first,
          id: null,
          reasons: [
            ...(byLine.get(first)?.reasons ?? []),
            `${count - rows.length} more catalog problem(s) between lines ${first} and ${last}`,
          ],
        });
      }
      bad.push(...byLine.values());
    }
    onProgress(Math.min(start + IMPORT_BATCH, good.length), good.length);
  }
  return bad.sort((a, b) => a.line - b.line);
}

/** Imports checked rows in batches; `onProgress` after each. Answers the number imported. */
export async function importRows(
  gql: AdminGql,
  inputs: ProductInput[],
  onProgress: (done: number, total: number) => void = () => {},
): Promise<number> {
  let done = 0;
  for (let start = 0; start < inputs.length; start += IMPORT_BATCH) {
    const batch = inputs.slice(start, start + IMPORT_BATCH);
    const answer = await gql(UPSERT, { input: batch });
    if (answer.errors?.length) throw importError(answer.errors[0]!);
    done += batch.length;
    onProgress(done, inputs.length);
  }
  return done;
}

/** A server refusal as an error carrying its stable code. */
export class ImportError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'ImportError';
    this.code = code;
  }
}

function importError(error: { message: string; extensions?: Record<string, any> }): ImportError {
  return new ImportError(String(error.extensions?.['code'] ?? 'POS_INTERNAL'), error.message);
}

/** The whole dry run: the file's checks, then the server's for the rows that passed them. */
export async function dryRunProductFile(
  gql: AdminGql,
  source: File | NodeJS.ReadableStream | string,
  currency: string,
  onProgress?: (done: number, total: number) => void,
): Promise<ImportReport> {
  const checker = await checkProductFile(source, currency);
  if (checker.headerProblems.length > 0) {
    return { good: [], bad: [], headerProblems: checker.headerProblems };
  }
  const serverBad = await dryRunOnServer(gql, checker.good, onProgress);
  const badLines = new Set(serverBad.map((b) => b.line));
  return {
    good: checker.good.filter((row) => !badLines.has(row.line)),
    bad: [...checker.bad, ...serverBad].sort((a, b) => a.line - b.line),
    headerProblems: [],
  };
}
