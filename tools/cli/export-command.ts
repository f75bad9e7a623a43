import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import type { SalesExportFilter } from '../../server/console/sales-export.ts';
import { exportSales } from '../../server/console/sales-export.ts';
import { ADMIN_FLAGS, ADMIN_FLAGS_USAGE, adminClient } from './admin-client.ts';

export const EXPORT_USAGE = `pos export [--from ISO] [--to ISO] [--branch ID] [--terminal ID] [--format csv|ndjson]
           [--out FILE]
  Writes the booked sales of the filter (from <= createdAt < to) as CSV (default) or NDJSON to
  --out or stdout, page by page as they arrive: memory stays one page whatever the number of sales.
${ADMIN_FLAGS_USAGE}
`;

/** Text written, waiting for the stream to drain: a slow disk or pipe slows the export, not memory. */
async function writeAll(out: Writable, text: string): Promise<void> {
  if (text !== '' && !out.write(text)) await once(out, 'drain');
}

export async function runExport(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        ...ADMIN_FLAGS,
        from: { type: 'string' },
        to: { type: 'string' },
        branch: { type: 'string' },
        terminal: { type: 'string' },
        format: { type: 'string', default: 'csv' },
        out: { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${EXPORT_USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(EXPORT_USAGE);
    return 0;
  }
  if (values.format !== 'csv' && values.format !== 'ndjson') {
    process.stderr.write(`--format must be csv or ndjson\n`);
    return 2;
  }
  const client = adminClient(values);
  if ('problem' in client) {
    process.stderr.write(`${client.problem}\n`);
    return 2;
  }
  const filter: SalesExportFilter = {
    ...(values.from ? { from: values.from } : {}),
    ...(values.to ? { to: values.to } : {}),
    ...(values.branch ? { branchId: values.branch } : {}),
    ...(values.terminal ? { terminalId: values.terminal } : {}),
  };
  const out: Writable = values.out ? createWriteStream(values.out) : process.stdout;
  try {
    const count = await exportSales(client.gql, filter, values.format, (text) =>
      writeAll(out, text),
    );
    if (values.out) {
      out.end();
      await once(out, 'finish');
    }
    process.stderr.write(`exported ${count} sales\n`);
    return 0;
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'POS_INTERNAL';
    process.stderr.write(`export failed: ${code}: ${(error as Error).message}\n`);
    return 1;
  }
}
