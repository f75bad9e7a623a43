/**
 * `npm run bench:console`: the operator console in headless Chromium against a real server over a
 * store holding many sales. Measures the console's first render (empty store as the baseline), the
 * sales list scrolled through 10,000 rows (longest frame), a CSV import of 100,000 products end to end
 * (dry run included; 10,000 as the baseline), and `pos export` of 100,000 sales (peak RSS, 10,000 as
 * the baseline: constant memory means a ratio near 1).
 *
 * Flags: --sales N (default 100000), --products N (default 100000), --scroll-rows N (default 10000).
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, launchBrowser } from '../../client/test-support/browser.ts';
import { removeDir, tempDir } from '../../client/test-support/cloud-process.ts';
import { makeSale } from '../../schema/index.ts';
import { createLogger, createServer, parseServerConfig } from '../../server/index.ts';
import type { PosServer } from '../../server/index.ts';
import type { SqliteCloudStore } from '../../server/store/index.ts';
import { openSqliteCloudStore } from '../../server/store/index.ts';
import { formatTable, ms, ratio } from './bench-utils.ts';

const ROOT = 'console-bench-root-token-0123456789';
const POS_CLI = resolve(import.meta.dirname, '../cli/pos.js');

type Cloud = { server: PosServer; store: SqliteCloudStore; dir: string; url: string };

async function startCloud(): Promise<Cloud> {
  const dir = tempDir('pos-console-bench-');
  const config = parseServerConfig({
    port: 0,
    dataDir: dir,
    adminToken: ROOT,
    logLevel: 'silent',
    upsertMax: 5_000,
  });
  const store = openSqliteCloudStore({ dataDir: dir });
  const server = await createServer({ config, store, logger: createLogger({ level: 'silent' }) });
  return { server, store, dir, url: server.url.replace(/\/graphql$/, '/console') };
}

async function stopCloud(cloud: Cloud): Promise<void> {
  await cloud.server.close();
  await cloud.store.close();
  removeDir(cloud.dir);
}

/** `count` sales over 10 terminals of two branches, ingested through the store in batches. */
async function seedSales(store: SqliteCloudStore, count: number): Promise<void> {
  await store.createBranch('default', { id: 'b-1', name: 'North', currency: 'EUR' }, 'root');
  await store.createBranch('default', { id: 'b-2', name: 'South', currency: 'EUR' }, 'root');
  const scopes = [];
  for (let i = 0; i < 10; i++) {
    const branchId = i < 5 ? 'b-1' : 'b-2';
    const { terminal } = await store.registerTerminal(
      'default',
      { branchId, name: `Till ${i}` },
      'root',
    );
    scopes.push({ tenantId: 'default', branchId, terminalId: terminal.id, next: 1 });
  }
  for (let done = 0; done < count;) {
    const scope = scopes[Math.floor(done / 500) % scopes.length]!;
    const size = Math.min(500, count - done);
    const batch = Array.from({ length: size }, () =>
      makeSale({
        terminalId: scope.terminalId,
        branchId: scope.branchId,
        posId: 'pos-1',
        localEventId: scope.next++,
      }),
    );
    await store.ingestSales(scope, batch);
    done += size;
  }
}

/** A signed-in page (the token put in sessionStorage before the page's script runs). */
async function signedInPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.addInitScript((token) => sessionStorage.setItem('pos.console.token', token), ROOT);
  return page;
}

/**
 * Navigation start to the sales screen's first rows, and to its sums (a separate query that reads
 * every sale of the filter), in ms.
 */
async function firstRender(browser: Browser, url: string, expectRows: boolean) {
  const page = await signedInPage(browser);
  await page.goto(`${url}#sales`);
  let rows = Number.NaN;
  if (expectRows) {
    await page.getByTestId('sales-list').getByRole('row').first().waitFor({ timeout: 60_000 });
    rows = await page.evaluate(() => performance.now());
  }
  await page.getByTestId('sales-summary').locator('strong').waitFor({ timeout: 60_000 });
  const sums = await page.evaluate(() => performance.now());
  await page.close();
  return { rows: expectRows ? rows : sums, sums };
}

/** Scrolls the sales list through `rows` rows; the frame intervals seen meanwhile. */
async function scrollSales(browser: Browser, url: string, rows: number) {
  const page = await signedInPage(browser);
  await page.goto(`${url}#sales`);
  await page.getByTestId('sales-list').getByRole('row').first().waitFor({ timeout: 60_000 });
  const idle = (await page.evaluate(`new Promise((done) => {
    const intervals = [];
    let last = performance.now();
    const step = (now) => {
      intervals.push(now - last);
      last = now;
      if (intervals.length > 120) done(intervals.slice(1));
      else requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  })`)) as number[];
  // A string, not a function: tsx's name-keeping helpers do not exist in the page.
  const frames = (await page.evaluate(`new Promise((done) => {
    const list = document.querySelector('[data-testid="sales-list"]');
    const rowHeight = 36;
    const intervals = [];
    let last = performance.now();
    const step = (now) => {
      intervals.push(now - last);
      last = now;
      list.scrollTop = Math.min(list.scrollTop + rowHeight * 12, list.scrollHeight - list.clientHeight);
      const index = Math.floor((list.scrollTop + list.clientHeight) / rowHeight);
      if (index >= ${rows}) done(intervals.slice(1));
      else requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  })`)) as number[];
  await page.close();
  return { frames, idle };
}

function productCsv(count: number): string {
  const lines = ['id,sku,name,price,tax_rate,barcode,active'];
  for (let i = 0; i < count; i++) {
    lines.push(
      `b-${i},BSKU-${i},Bench product ${i},${(i % 9000) + 1}.${String(i % 100).padStart(2, '0')},7,${9_000_000_000 + i},true`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The console's import of a file: dry run, then import; times in ms. */
async function importThroughConsole(browser: Browser, url: string, file: string, count: number) {
  const page = await signedInPage(browser);
  await page.goto(`${url}#catalog`);
  await page.getByTestId('import-file').setInputFiles(file);
  const start = Date.now();
  await page.getByRole('button', { name: 'Check file (dry run)' }).click();
  await page
    .getByTestId('import-report')
    .filter({ hasText: `All ${count} rows passed` })
    .waitFor({ timeout: 300_000 });
  const dryRun = Date.now() - start;
  await page.getByRole('button', { name: `Import ${count} products` }).click();
  await page
    .locator('.ok-line')
    .filter({ hasText: `Imported ${count} products.` })
    .waitFor({ timeout: 300_000 });
  const total = Date.now() - start;
  await page.close();
  return { dryRun, import: total - dryRun, total };
}

/** Runs `pos export` of every sale; its peak RSS (VmHWM, sampled until exit) and duration. */
async function exportPeakRss(serverUrl: string, out: string) {
  const start = Date.now();
  const child = spawn(
    process.execPath,
    [POS_CLI, 'export', '--format', 'csv', '--out', out, '--server', serverUrl],
    {
      env: { ...process.env, POS_ADMIN_TOKEN: ROOT },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let peakKb = 0;
  const sample = () => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      peakKb = Math.max(peakKb, hwm);
    } catch {
      // Exited between samples.
    }
  };
  const timer = setInterval(sample, 20);
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((done) => child.on('exit', done));
  clearInterval(timer);
  if (code !== 0) throw new Error(`pos export failed: ${stderr}`);
  const rows = readFileSync(out, 'utf8').split('\r\n').length - 2;
  return { peakMb: peakKb / 1024, ms: Date.now() - start, rows };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sales: { type: 'string', default: '100000' },
      products: { type: 'string', default: '100000' },
      'scroll-rows': { type: 'string', default: '10000' },
    },
  });
  if (browserSkipReason) throw new Error(browserSkipReason);
  const salesCount = Number(values.sales);
  const productCount = Number(values.products);
  const scrollRows = Number(values['scroll-rows']);
  const browser = await launchBrowser();
  const work = tempDir('pos-console-bench-files-');
  const log = (line: string) => process.stderr.write(`${line}\n`);
  try {
    // Baselines: an empty store, 10,000 products, 10,000 sales.
    const empty = await startCloud();
    await firstRender(browser, empty.url, false); // builds the bundle once (cold start, reported apart)
    const emptyRender = (await firstRender(browser, empty.url, false)).sums;
    const small = join(work, 'small.csv');
    writeFileSync(small, productCsv(10_000));
    const smallImport = await importThroughConsole(browser, empty.url, small, 10_000);
    await stopCloud(empty);

    const smallSales = await startCloud();
    await seedSales(smallSales.store, 10_000);
    const smallExport = await exportPeakRss(smallSales.server.url, join(work, 'small.csv.out'));
    await stopCloud(smallSales);

    log(`seeding ${salesCount} sales…`);
    const cloud = await startCloud();
    const seedStart = Date.now();
    await seedSales(cloud.store, salesCount);
    log(`seeded in ${Date.now() - seedStart} ms`);
    const cold = Date.now();
    await fetch(`${cloud.url}/app.js`);
    const buildMs = Date.now() - cold;
    const renders = [];
    for (let i = 0; i < 5; i++) renders.push(await firstRender(browser, cloud.url, true));
    const render = renders.map((r) => r.rows).sort((a, b) => a - b)[2]!;
    const sums = renders.map((r) => r.sums).sort((a, b) => a - b)[2]!;
    const { frames, idle } = await scrollSales(browser, cloud.url, scrollRows);
    const sortedFrames = [...frames].sort((a, b) => a - b);
    const p99 = sortedFrames[Math.ceil(0.99 * sortedFrames.length) - 1]!;
    const maxFrame = sortedFrames.at(-1)!;
    const idleSorted = [...idle].sort((a, b) => a - b);
    const idleP50 = idleSorted[Math.ceil(0.5 * idleSorted.length) - 1]!;
    const idleMax = idleSorted.at(-1)!;
    const p50 = sortedFrames[Math.ceil(0.5 * sortedFrames.length) - 1]!;
    const bigExport = await exportPeakRss(cloud.server.url, join(work, 'big.csv.out'));
    const big = join(work, 'big.csv');
    writeFileSync(big, productCsv(productCount));
    const bigImport = await importThroughConsole(browser, cloud.url, big, productCount);
    await stopCloud(cloud);

    const goal = (ok: boolean) => (ok ? 'met' : 'MISSED');
    console.log(
      formatTable(
        ['measure', 'result', 'baseline', 'ratio', 'goal'],
        [
          [
            `first render, sales screen, ${salesCount} sales: first rows (median of 5)`,
            `${ms(render)} ms`,
            `${ms(emptyRender)} ms (empty store)`,
            ratio(render, emptyRender),
            `< 1000 ms: ${goal(render < 1000)}`,
          ],
          [
            '  the same page: sums of every sale shown',
            `${ms(sums)} ms`,
            `${ms(emptyRender)} ms`,
            ratio(sums, emptyRender),
            '-',
          ],
          ['bundle build on first request (once per process)', `${ms(buildMs)} ms`, '-', '-', '-'],
          [
            `sales list scrolled through ${scrollRows} rows: longest frame`,
            `${ms(maxFrame)} ms (p99 ${ms(p99)}, p50 ${ms(p50)}, ${frames.length} frames)`,
            `idle page: p50 ${ms(idleP50)} ms, max ${ms(idleMax)} ms`,
            ratio(p50, idleP50),
            `< 50 ms: ${goal(maxFrame < 50)}`,
          ],
          [
            `CSV import ${productCount} products, end to end`,
            `${ms(bigImport.total)} ms`,
            `${ms(smallImport.total)} ms (10,000)`,
            ratio(bigImport.total, smallImport.total),
            `< 10000 ms: ${goal(bigImport.total < 10_000)}`,
          ],
          [
            '  of which dry run (file + server checks)',
            `${ms(bigImport.dryRun)} ms`,
            `${ms(smallImport.dryRun)} ms`,
            ratio(bigImport.dryRun, smallImport.dryRun),
            '-',
          ],
          [
            '  of which import (upserts of 5,000)',
            `${ms(bigImport.import)} ms`,
            `${ms(smallImport.import)} ms`,
            ratio(bigImport.import, smallImport.import),
            '-',
          ],
          [
            `pos export ${bigExport.rows} sales (CSV): peak RSS`,
            `${bigExport.peakMb.toFixed(0)} MB`,
            `${smallExport.peakMb.toFixed(0)} MB (${smallExport.rows} sales)`,
            ratio(bigExport.peakMb, smallExport.peakMb),
            'constant memory',
          ],
          [
            '  export duration',
            `${ms(bigExport.ms)} ms`,
            `${ms(smallExport.ms)} ms`,
            ratio(bigExport.ms, smallExport.ms),
            '-',
          ],
        ],
      ),
    );
  } finally {
    await browser.close();
    removeDir(work);
  }
}

await main();
