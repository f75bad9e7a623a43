import { createReadStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { PRODUCT_CSV_COLUMNS } from '../../server/console/product-csv.ts';
import { dryRunProductFile, importRows } from '../../server/console/product-import.ts';
import { ADMIN_FLAGS, ADMIN_FLAGS_USAGE, adminClient } from './admin-client.ts';

export const IMPORT_USAGE = `pos import products FILE.csv --currency CODE [--dry-run]
  Checks a product CSV (header row; columns ${Object.keys(PRODUCT_CSV_COLUMNS).join(', ')}; prices
  as decimals in CODE) and the server's catalog checks without storing anything, reports every bad
  row by line, and imports in batches only when no row is bad. Exit 1 when rows are bad.
${ADMIN_FLAGS_USAGE}
`;

export async function runImport(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ...ADMIN_FLAGS,
        currency: { type: 'string' },
        'dry-run': { type: 'boolean' },
        help: { type: 'boolean' },
      },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${IMPORT_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(IMPORT_USAGE);
    return 0;
  }
  const [what, file] = positionals;
  if (what !== 'products' || !file || !values.currency || !/^[A-Z]{3}$/.test(values.currency)) {
    process.stderr.write(IMPORT_USAGE);
    return 2;
  }
  const client = adminClient(values);
  if ('problem' in client) {
    process.stderr.write(`${client.problem}\n`);
    return 2;
  }
  const err = (line: string) => process.stderr.write(`${line}\n`);
  try {
    const report = await dryRunProductFile(
      client.gql,
      createReadStream(file),
      values.currency,
      (done, total) => err(`checked ${done} of ${total}`),
    );
    if (report.headerProblems.length > 0) {
      err(`the header cannot be used: ${report.headerProblems.join('; ')}`);
      return 1;
    }
    for (const bad of report.bad) {
      process.stdout.write(
        `line ${bad.line}${bad.id ? ` (${bad.id})` : ''}: ${bad.reasons.join('; ')}\n`,
      );
    }
    if (report.bad.length > 0) {
      err(`${report.bad.length} bad rows, ${report.good.length} good: nothing was stored`);
      return 1;
    }
    err(`dry run: all ${report.good.length} rows passed`);
    if (values['dry-run']) return 0;
    const count = await importRows(
      client.gql,
      report.good.map((row) => row.input),
      (done, total) => err(`imported ${done} of ${total}`),
    );
    err(`imported ${count} products`);
    return 0;
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'POS_INTERNAL';
    err(`import failed: ${code}: ${(error as Error).message}`);
    return 1;
  }
}
