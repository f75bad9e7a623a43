import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Papa from 'papaparse';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { browserSkipReason, launchBrowser } from '../../client/test-support/browser.ts';
import {
  CloudProcess,
  ROOT_TOKEN,
  productInput,
  removeDir,
  tempDir,
} from '../../client/test-support/cloud-process.ts';
import { localSale, openOfflineTerminal, sale } from '../../client/test-support/sales-faults.ts';
import {
  eventually,
  syncWithin,
  waitForStatus,
} from '../../client/test-support/terminal-fixtures.ts';
import type { Terminal } from '../../client/terminal.ts';
import { AUDIT_ENTITY_TYPES } from '../../schema/index.ts';

/** Screenshots of the console, kept after the run (`SCREENSHOT_DIR=docs/screens` refreshes the docs). */
const ARTIFACTS =
  process.env.SCREENSHOT_DIR ?? resolve(import.meta.dirname, '../../test-artifacts');

/** Long enough for a loaded two-core machine; every wait ends as soon as its condition holds. */
const WAIT_MS = 30_000;

async function waitForText(locator: Locator, text: string | RegExp): Promise<void> {
  await locator.filter({ hasText: text }).first().waitFor({ timeout: WAIT_MS });
}

/** Stored content that no longer adds up: the cloud refuses the sale. */
async function corruptTotals(terminal: Terminal, id: string): Promise<void> {
  const doc = await terminal.db.sales.findOne(id).exec(true);
  await doc.incrementalPatch({ totals: { ...doc.toJSON().totals, totalMinor: 1 } });
}

/** A product CSV of `count` rows; `edit` may replace any row's text (index 0 is the first product). */
function productCsv(count: number, edit: (i: number, row: string) => string = (_, r) => r): string {
  const rows = ['id,sku,name,price,tax_rate,barcode,active'];
  for (let i = 0; i < count; i++) {
    rows.push(
      edit(
        i,
        `imp-${i},ISKU-${i},Imported product ${i},${(i % 5000) + 1}.${String(i % 100).padStart(2, '0')},7,${8_000_000 + i},true`,
      ),
    );
  }
  return `${rows.join('\n')}\n`;
}

describe.skipIf(browserSkipReason)(
  'the operator console against a real pos server and terminals',
  () => {
    let cloud: CloudProcess;
    let browser: Browser;
    let page: Page;
    let t1: Terminal;
    let t2: Terminal;
    let t2Token: string;
    const dirs: string[] = [];
    const consoleUrl = () => cloud.url.replace(/\/graphql$/, '/console');

    const shot = async (name: string) => {
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, `console-${name}.png`) });
    };
    const open = async (screen: string) => {
      await page
        .getByRole('navigation', { name: 'Screens' })
        .locator(`a[data-screen="${screen}"]`)
        .click();
    };

    beforeAll(async () => {
      cloud = await CloudProcess.start();
      await cloud.createBranch('b-1', 'EUR');
      await cloud.createBranch('b-2', 'EUR');
      await cloud.upsertProducts(Array.from({ length: 5 }, (_, i) => productInput(i + 1)));
      ({ terminal: t1 } = await openOfflineTerminal(cloud, 'b-1', dirs));
      ({ terminal: t2, token: t2Token } = await openOfflineTerminal(cloud, 'b-1', dirs));
      browser = await launchBrowser();
      page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await t1?.close();
      await t2?.close();
      await cloud?.destroy();
      for (const dir of dirs) removeDir(dir);
    });

    test('refuses a wrong token and signs in with the right one, keeping it in sessionStorage only', async () => {
      await page.goto(consoleUrl());
      const token = page.getByLabel('Admin token');
      await token.fill('not-a-token-0123456789');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await waitForText(page.getByRole('alert'), /POS_SYNC_UNAUTHORIZED/);
      await shot('sign-in');
      expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
      await token.fill(ROOT_TOKEN);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page
        .getByRole('heading', { name: 'Terminals', level: 1 })
        .waitFor({ timeout: WAIT_MS });
      expect(await page.evaluate(() => Object.values(sessionStorage))).toEqual([ROOT_TOKEN]);
      expect(await page.evaluate(() => localStorage.length)).toBe(0);
      // A reload keeps the session (same tab); sign out forgets it.
      await page.reload();
      await page
        .getByRole('heading', { name: 'Terminals', level: 1 })
        .waitFor({ timeout: WAIT_MS });
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByLabel('Admin token').waitFor({ timeout: WAIT_MS });
      expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
      await page.getByLabel('Admin token').fill(ROOT_TOKEN);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page
        .getByRole('heading', { name: 'Terminals', level: 1 })
        .waitFor({ timeout: WAIT_MS });
    });

    test('lists the two terminals of the branch with their lag per stream', async () => {
      // Three catalog changes after both first synced: the one that syncs again catches up, the
      // other lags by three on the products stream.
      await cloud.upsertProducts([6, 7, 8].map((i) => productInput(i)));
      t2.start();
      await syncWithin(t2);
      const table = page.getByTestId('terminals-b-1');
      const lagOf = (id: string) =>
        table.locator(`tr[data-terminal="${id}"] [data-stream="products"]`);
      await waitForText(lagOf(t1.identity.terminalId), /^products 3$/);
      await waitForText(lagOf(t2.identity.terminalId), /^products 0$/);
      expect(await table.locator('tbody tr').count()).toBe(2);
      await shot('terminals');
    });

    test('shows a sale the cloud refuses without a reload, highlights exactly the differing field, and an accept with a note syncs it on the terminal', async () => {
      await open('refused');
      await page.getByRole('heading', { name: 'Refused sales', level: 1 }).waitFor();
      await waitForText(page.locator('main'), 'No refused sales match.');
      const made = await t1.sell(sale('p-1', 2));
      await corruptTotals(t1, made.id);
      t1.start();
      await syncWithin(t1);
      expect((await localSale(t1, made.id)).syncState).toBe('needs_attention');
      const list = page.getByTestId('refused-list');
      const row = list.getByRole('row').filter({ hasText: t1.identity.terminalId });
      await row.waitFor({ timeout: WAIT_MS });
      await row.click();
      const review = page.getByTestId('review');
      await review.getByTestId('compare').waitFor({ timeout: WAIT_MS });
      const differing = await review
        .locator('tr[data-differs="true"]')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-field')));
      expect(differing).toEqual(['totals.totalMinor']);
      expect(await review.locator('tr[data-differs="false"]').count()).toBeGreaterThan(4);
      await shot('refused');
      const accept = review.getByRole('button', { name: 'Accept (book as pushed)' });
      expect(await accept.isDisabled()).toBe(true);
      await review.getByLabel('Note (required)').fill('Receipt checked against the till roll');
      await accept.click();
      await waitForText(page.getByTestId('announcement'), /Accepted/);
      await eventually(async () => (await localSale(t1, made.id)).syncState === 'synced', WAIT_MS);
      expect((await localSale(t1, made.id)).invoiceNo).toEqual(expect.any(Number));
    });

    test('revokes a terminal after a confirmation, and its next request is refused', async () => {
      await open('terminals');
      const table = page.getByTestId('terminals-b-1');
      await table
        .locator(`tr[data-terminal="${t2.identity.terminalId}"]`)
        .getByRole('button', { name: 'Revoke' })
        .click();
      const dialog = page.getByRole('dialog');
      await waitForText(dialog, t2.identity.terminalId);
      await dialog.getByRole('button', { name: 'Revoke' }).click();
      await waitForText(page.getByTestId('announcement'), /revoked/);
      const answer = await fetch(cloud.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${t2Token}` },
        body: JSON.stringify({ query: '{ currentTerminal { terminalId } }' }),
      });
      const body = (await answer.json()) as { errors?: { extensions?: { code?: string } }[] };
      expect(body.errors?.[0]?.extensions?.code).toBe('POS_TERMINAL_REVOKED');
      // The terminal's own next request (the push of a new sale) is refused too, and it stops syncing.
      await t2.sell(sale('p-2'));
      await waitForStatus(t2, (s) => s.halted === 'revoked', WAIT_MS);
      await waitForText(table.locator(`tr[data-terminal="${t2.identity.terminalId}"]`), 'Revoked');
    });

    test('filters the audit log by actor to exactly that actor’s entries', async () => {
      const issued = await cloud.gql(
        'mutation { createAdminToken(name: "back office") { tokenId token } }',
      );
      const actor = `admin:${issued.createAdminToken.tokenId}`;
      await cloud.gql(
        'mutation ($p: [ProductInput!]!) { upsertProducts(input: $p) { id } }',
        { p: [productInput(9)] },
        issued.createAdminToken.token,
      );
      const expected = (
        await cloud.gql(
          'query ($a: String) { auditLog(actor: $a, first: 500) { edges { node { id action } } } }',
          {
            a: actor,
          },
        )
      ).auditLog.edges.map((e: any) => e.node.action);
      expect(expected.length).toBeGreaterThan(0);
      await open('audit');
      const form = page.getByRole('form', { name: 'Audit log' });
      // The entity types offered are the stores' one list, customers, policies and sales included.
      const types = await form
        .getByLabel('Entity type')
        .locator('option')
        .evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
      expect(types).toEqual(['', ...AUDIT_ENTITY_TYPES]);
      await form.getByLabel('Actor').fill(actor);
      await form.getByRole('button', { name: 'Apply' }).click();
      const list = page.getByTestId('audit-list');
      await eventually(
        async () => (await list.getByRole('row').count()) === expected.length,
        WAIT_MS,
      );
      const shown = await list
        .getByRole('row')
        .evaluateAll((rows) =>
          rows.map((r) => [r.children[1]!.textContent, r.children[2]!.textContent]),
        );
      expect(shown).toEqual(expected.map((action: string) => [actor, action]));
      await form.getByRole('button', { name: 'Clear' }).click();
      await eventually(
        async () => (await list.getByRole('row').count()) > expected.length,
        WAIT_MS,
      );
      await shot('audit');
    });

    test('exports the current sales filter as CSV equal to the API’s answer', async () => {
      const more = await Promise.all([1, 2, 3].map((i) => t1.sell(sale(`p-${i}`, i))));
      await syncWithin(t1);
      expect(more.length).toBe(3);
      await open('sales');
      const form = page.getByRole('form', { name: 'Search' });
      await form.getByLabel('Branch').selectOption('b-1');
      await form.getByRole('button', { name: 'Search' }).click();
      await waitForText(page.getByTestId('sales-summary'), /Sales: 4 ·/);
      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: WAIT_MS }),
        page.getByRole('button', { name: 'Export CSV' }).click(),
      ]);
      const csv = readFileSync(await download.path(), 'utf8');
      const rows = Papa.parse<Record<string, string>>(csv, {
        header: true,
        skipEmptyLines: true,
      }).data;
      const api = (
        await cloud.gql(
          '{ sales(branchId: "b-1", first: 500) { edges { node { id invoiceNo terminalId createdAt totals { totalMinor } } } } }',
        )
      ).sales.edges.map((e: any) => e.node);
      expect(api).toHaveLength(4);
      expect(
        rows.map((r) => [
          r['sale_id'],
          Number(r['invoice_no']),
          r['terminal_id'],
          r['created_at'],
          r['total'],
        ]),
      ).toEqual(
        api.map((s: any) => [
          s.id,
          s.invoiceNo,
          s.terminalId,
          s.createdAt,
          (s.totals.totalMinor / 100).toFixed(2),
        ]),
      );
    });

    test('shows sales, returns and net per currency, settlements apart, never one sum of every kind', async () => {
      // The branch's four sales, then a return of one of them and a settlement of an account.
      const kept = (
        await cloud.gql(
          '{ sales(branchId: "b-1", kind: "sale", first: 500) { edges { node { id lines { quantity } totals { totalMinor } } } } }',
        )
      ).sales.edges
        .map((e: any) => e.node)
        .find((s: any) => s.lines.length === 1 && s.lines[0].quantity === 1);
      await cloud.gql('mutation { upsertCustomers(input: [{ id: "c-1", name: "Ada" }]) { id } }');
      await eventually(
        () =>
          t1.customer('c-1').then(
            () => true,
            () => false,
          ),
        WAIT_MS,
      );
      const refund = await t1.refund({
        saleId: kept.id,
        lines: [{ line: 0, quantity: 1, restock: true }],
        payments: [{ method: 'cash', amountMinor: kept.totals.totalMinor }],
      });
      const settlement = await t1.settle({
        customerId: 'c-1',
        payments: [{ method: 'cash', amountMinor: 2_500 }],
        amountMinor: 2_000,
      });
      await syncWithin(t1);
      expect((await localSale(t1, refund.id)).syncState).toBe('synced');
      expect((await localSale(t1, settlement.id)).syncState).toBe('synced');
      const booked = (
        await cloud.gql(
          '{ sales(branchId: "b-1", first: 500) { edges { node { kind totals { taxMinor totalMinor } } } } }',
        )
      ).sales.edges.map((e: any) => e.node);
      const sum = (kind: string, pick: (s: any) => number) =>
        booked.filter((s: any) => s.kind === kind).reduce((n: number, s: any) => n + pick(s), 0);
      const eur = (minor: number) => `${(minor / 100).toFixed(2)} EUR`;
      const sold = sum('sale', (s) => s.totals.totalMinor);
      const returned = sum('return', (s) => s.totals.totalMinor);
      expect(returned).toBe(kept.totals.totalMinor);

      await open('sales');
      const form = page.getByRole('form', { name: 'Search' });
      await form.getByLabel('Branch').selectOption('b-1');
      await form.getByRole('button', { name: 'Search' }).click();
      const summary = page.getByTestId('sales-summary');
      await waitForText(summary, 'Sales: 4 · Returns: 1 · Settlements: 1');
      const row = page.getByTestId('sales-totals').locator('tr[data-currency="EUR"]');
      const figure = (name: string) => row.locator(`[data-figure="${name}"]`).textContent();
      expect(await figure('sales')).toBe(`4 · ${eur(sold)}`);
      expect(await figure('returns')).toBe(`1 · ${eur(returned)}`);
      expect(await figure('net')).toBe(eur(sold - returned));
      expect(await figure('net-tax')).toBe(
        eur(sum('sale', (s) => s.totals.taxMinor) - sum('return', (s) => s.totals.taxMinor)),
      );
      expect(await figure('settlements')).toBe(`1 · ${eur(2_000)}`);
      expect(await page.getByTestId('sales-totals').locator('tbody tr').count()).toBe(1);
      await shot('sales');
    });

    test('dry-runs a 10,000-product CSV with three bad rows, storing nothing, then imports the fixed file and a terminal pulls it', async () => {
      const dir = tempDir('pos-import-');
      dirs.push(dir);
      const bad = join(dir, 'bad.csv');
      writeFileSync(
        bad,
        productCsv(10_000, (i, row) => {
          if (i === 41) return 'imp-41,ISKU-41,Imported product 41,12.345,7,8000041,true';
          if (i === 4_999) return 'imp-4999,ISKU-4999,,3.00,7,8004999,true';
          if (i === 9_000) return 'imp-9000,ISKU-9000,Imported product 9000,3.00,7,8000007,true';
          return row;
        }),
      );
      const before = (await cloud.gql('{ productList { totalCount } }')).productList.totalCount;
      await open('catalog');
      await page.getByTestId('import-file').setInputFiles(bad);
      await page.getByRole('button', { name: 'Check file (dry run)' }).click();
      const report = page.getByTestId('import-report');
      await report.waitFor({ timeout: WAIT_MS });
      const lines = await page
        .getByTestId('bad-rows')
        .locator('tbody tr')
        .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-line'))));
      // Line 1 is the header: product i is on line i + 2.
      expect(lines).toEqual([43, 5001, 9002]);
      await waitForText(report, '3 bad rows');
      await shot('catalog-dry-run');
      expect(await page.getByRole('button', { name: /^Import / }).count()).toBe(0);
      expect((await cloud.gql('{ productList { totalCount } }')).productList.totalCount).toBe(
        before,
      );

      const good = join(dir, 'good.csv');
      writeFileSync(good, productCsv(10_000));
      await page.getByTestId('import-file').setInputFiles(good);
      await page.getByRole('button', { name: 'Check file (dry run)' }).click();
      await waitForText(page.getByTestId('import-report'), 'All 10000 rows passed the dry run');
      await page.getByRole('button', { name: 'Import 10000 products' }).click();
      await waitForText(page.locator('.ok-line'), 'Imported 10000 products.');
      expect((await cloud.gql('{ productList { totalCount } }')).productList.totalCount).toBe(
        before + 10_000,
      );
      const stored = await cloud.gql(
        '{ products(ids: ["imp-1234"]) { priceMinor currency taxRateBps } }',
      );
      expect(stored.products).toEqual([{ priceMinor: 123_534, currency: 'EUR', taxRateBps: 700 }]);
      await page.getByLabel('Search products').fill('imported product 1234');
      await waitForText(page.getByTestId('product-list'), 'imp-1234');
      await shot('catalog');
      await eventually(
        async () =>
          (await t1.db.products.find().exec()).filter((d) => d.id.startsWith('imp-')).length ===
          10_000,
        60_000,
      );
    }, 180_000);
  },
);
