import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudProcess } from '../../client/test-support/cloud-process.ts';
import {
  CloudProcess as Cloud,
  ROOT_TOKEN,
  removeDir,
  tempDir,
} from '../../client/test-support/cloud-process.ts';
import { makeSale } from '../../schema/index.ts';

const POS_CLI = resolve(import.meta.dirname, 'pos.js');

/** Runs `pos ...args` against the cloud; resolves with the exit code and both outputs. */
function pos(cloud: CloudProcess, args: string[]) {
  const child = spawn(process.execPath, [POS_CLI, ...args, '--server', cloud.url], {
    env: { ...process.env, POS_ADMIN_TOKEN: ROOT_TOKEN },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) =>
    child.on('exit', (code) => done({ code, stdout, stderr })),
  );
}

describe('pos export and pos import products', () => {
  let cloud: CloudProcess;
  const dir = tempDir('pos-cli-');

  beforeAll(async () => {
    cloud = await Cloud.start();
    await cloud.createBranch('b-1');
  });
  afterAll(async () => {
    await cloud?.destroy();
    removeDir(dir);
  });

  it('imports a product CSV only when every row passes, reporting bad rows by line', async () => {
    const header = 'id,sku,name,price,tax_rate,barcode';
    const rows = Array.from({ length: 30 }, (_, i) => `p-${i},S-${i},Product ${i},${i}.5,7,`);
    const bad = [...rows];
    bad[4] = 'p-4,S-4,Product 4,4.555,7,';
    bad[20] = 'p-20,S-3,Product 20,1,7,';
    const badFile = join(dir, 'bad.csv');
    writeFileSync(badFile, [header, ...bad].join('\n'));
    const refused = await pos(cloud, ['import', 'products', badFile, '--currency', 'EUR']);
    expect(refused.code).toBe(1);
    expect(refused.stdout.trim().split('\n')).toEqual([
      'line 6 (p-4): price "4.555" is not a decimal with at most 2 decimals in EUR',
      'line 22 (p-20): sku "S-3" already on line 5',
    ]);
    const empty = await cloud.gql('{ productList { totalCount } }');
    expect(empty.productList.totalCount).toBe(0);

    const goodFile = join(dir, 'good.csv');
    writeFileSync(goodFile, [header, ...rows].join('\n'));
    const imported = await pos(cloud, ['import', 'products', goodFile, '--currency', 'EUR']);
    expect(imported.code).toBe(0);
    expect(imported.stderr).toContain('imported 30 products');
    const stored = await cloud.gql('{ products(ids: ["p-3"]) { priceMinor currency } }');
    expect(stored.products).toEqual([{ priceMinor: 350, currency: 'EUR' }]);
  });

  it('exports the sales of a time range as CSV and NDJSON equal to the API answer', async () => {
    const till = await cloud.registerTerminal('b-1');
    const sales = Array.from({ length: 7 }, (_, i) =>
      makeSale({
        terminalId: till.terminalId,
        branchId: 'b-1',
        posId: 'pos-1',
        localEventId: i + 1,
      }),
    );
    await cloud.gql(
      'mutation ($rows: [SalePushRow!]!) { pushSales(rows: $rows) { id } }',
      { rows: sales.map((s) => ({ newDocumentState: { ...s, _deleted: false } })) },
      till.token,
    );
    const api = (
      await cloud.gql(
        '{ sales(first: 500) { edges { node { id invoiceNo totals { totalMinor } } } } }',
      )
    ).sales.edges.map((e: any) => e.node);
    expect(api.length).toBe(7);
    const csv = await pos(cloud, [
      'export',
      '--from',
      '2000-01-01T00:00:00.000Z',
      '--format',
      'csv',
    ]);
    expect(csv.code).toBe(0);
    const parsed = Papa.parse<Record<string, string>>(csv.stdout, {
      header: true,
      skipEmptyLines: true,
    });
    expect(parsed.data.map((r) => [r['sale_id'], Number(r['invoice_no'])])).toEqual(
      api.map((s: any) => [s.id, s.invoiceNo]),
    );
    const ndjson = await pos(cloud, ['export', '--format', 'ndjson', '--branch', 'b-1']);
    const lines = ndjson.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((s) => [s.id, s.totals.totalMinor])).toEqual(
      api.map((s: any) => [s.id, s.totals.totalMinor]),
    );
    const none = await pos(cloud, ['export', '--to', '2000-01-01T00:00:00.000Z']);
    expect(none.stdout.trim().split('\n')).toHaveLength(1);
  });
});
