import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { browserSkipReason, launchBrowser } from '../test-support/browser.ts';
import { CloudProcess, freePort, removeDir, tempDir } from '../test-support/cloud-process.ts';
import type { TerminalProcess } from '../test-support/terminal-process.ts';
import { failBookingOf, repairBookingOf } from '../test-support/sales-faults.ts';
import { spawnTerminal } from '../test-support/terminal-process.ts';

/** Screenshots of the page, kept after the run (`SCREENSHOT_DIR` overrides). */
const ARTIFACTS =
  process.env.SCREENSHOT_DIR ?? resolve(import.meta.dirname, '../../test-artifacts');

/** Long enough for a loaded two-core machine; every wait ends as soon as its condition holds. */
const WAIT_MS = 30_000;

const CATEGORIES = [
  { id: 'c-coffee', name: 'Coffee', sortOrder: 0 },
  { id: 'c-tea', name: 'Tea', sortOrder: 1 },
  { id: 'c-bakery', name: 'Bakery', sortOrder: 2 },
];

const PRODUCTS: [category: string, name: string, priceMinor: number][] = [
  ['c-coffee', 'Espresso beans 1kg', 1299],
  ['c-coffee', 'Filter coffee 500g', 799],
  ['c-coffee', 'Decaf beans 500g', 899],
  ['c-coffee', 'Cold brew 330ml', 349],
  ['c-tea', 'Green tea 100g', 549],
  ['c-tea', 'Earl Grey 100g', 499],
  ['c-tea', 'Chai mix 250g', 649],
  ['c-bakery', 'Croissant', 189],
  ['c-bakery', 'Sourdough loaf', 449],
  ['c-bakery', 'Cinnamon roll', 259],
];

function product(i: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const [categoryId, name, priceMinor] = PRODUCTS[i - 1]!;
  return {
    id: `p-${i}`,
    sku: `SKU-${i}`,
    barcode: barcodeOf(i),
    name,
    categoryId,
    priceMinor,
    currency: 'EUR',
    taxRateBps: 700,
    active: true,
    branchIds: null,
    branchPrices: [],
    ...extra,
  };
}

function barcodeOf(i: number): string {
  return `400000000${String(i).padStart(4, '0')}`;
}

/** Waits until the locator shows the text (playwright's own waiting, no sleeps). */
async function waitForText(locator: Locator, text: string | RegExp): Promise<void> {
  await locator.filter({ hasText: text }).first().waitFor({ timeout: WAIT_MS });
}

/** Scans a barcode the way a keyboard-wedge scanner does: the digits, then Enter. */
async function scan(page: Page, code: string): Promise<void> {
  await page.keyboard.type(code);
  await page.keyboard.press('Enter');
}

describe.skipIf(browserSkipReason)('the cashier page against a real cloud and terminal', () => {
  let cloud: CloudProcess;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  let daemon: TerminalProcess;
  let terminalToken: string;
  let uiPort: number;
  let pageUrl: string;

  const startDaemon = async (): Promise<string> => {
    daemon = spawnTerminal({
      server: cloud.url,
      token: terminalToken,
      'data-dir': dataDir,
      'ui-port': String(uiPort),
      'status-interval': '60000',
      'backoff-cap-ms': '1000',
      // A sale's own storage failure sets it aside at once (the requeue test below).
      'max-server-attempts': '1',
    });
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const url = /cashier page: (\S+)/.exec(daemon.output())?.[1];
      if (url) return url;
      if (Date.now() > deadline) throw new Error(`no page URL: ${daemon.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stopDaemon = async () => {
    daemon.child.kill('SIGTERM');
    await daemon.exited;
  };
  /** Edits the terminal's SQLite file while its daemon is stopped: what disk damage looks like. */
  const withTerminalFile = async (
    edit: (db: Database.Database) => void,
    whileStopped?: () => Promise<void>,
  ) => {
    await stopDaemon();
    await whileStopped?.();
    const db = new Database(join(dataDir, 'terminal.sqlite'));
    try {
      edit(db);
    } finally {
      db.close();
    }
    await startDaemon();
  };
  const shot = async (name: string) => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  };
  /** Starts a sale: Enter on the receipt's "New sale" (focus returns to the barcode field). */
  const newSale = async () => {
    const barcode = page.getByTestId('barcode');
    if (await page.getByTestId('receipt').isVisible()) {
      await page.getByRole('button', { name: 'New sale' }).press('Enter');
      await page.waitForFunction(
        () => document.activeElement?.getAttribute('data-testid') === 'barcode',
        undefined,
        { timeout: WAIT_MS },
      );
    } else {
      await barcode.click();
    }
  };
  /** One whole sale from the keyboard: scans, Enter to pay, the amount handed over, Enter. */
  const sellByKeyboard = async (
    codes: string[],
    tendered: string,
    beforePay?: () => Promise<void>,
  ) => {
    await newSale();
    for (const [index, code] of codes.entries()) {
      await scan(page, code);
      // Each scan is one more unit in the cart (a repeated code adds to its line).
      await page.waitForFunction(
        (units) =>
          [...document.querySelectorAll<HTMLInputElement>('[data-testid="line-quantity"]')]
            .map((input) => Number(input.value))
            .reduce((a, b) => a + b, 0) === units,
        index + 1,
        { timeout: WAIT_MS },
      );
    }
    await beforePay?.();
    await page.keyboard.press('Enter');
    const amount = page.getByTestId('pay-amount');
    await amount.waitFor({ timeout: WAIT_MS });
    expect(await amount.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.type(tendered);
    await page.keyboard.press('Enter');
    await page.getByTestId('receipt').waitFor({ timeout: WAIT_MS });
  };

  beforeAll(async () => {
    [cloud, browser] = await Promise.all([CloudProcess.start(), launchBrowser()]);
    await cloud.createBranch('b-north', 'EUR');
    await cloud.upsertCategories(CATEGORIES);
    await cloud.upsertProducts(PRODUCTS.map((_, i) => product(i + 1)));
    terminalToken = (await cloud.registerTerminal('b-north')).token;
    dataDir = tempDir('pos-cashier-');
    uiPort = await freePort();
    pageUrl = await startDaemon();
    page = await browser.newPage({ viewport: { width: 1366, height: 820 } });
    page.setDefaultTimeout(WAIT_MS);
    await page.goto(pageUrl);
    await waitForText(page.getByTestId('connection'), 'Online');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (daemon) await stopDaemon();
    await cloud?.destroy();
    if (dataDir) removeDir(dataDir);
  });

  test('sells three items by barcode from the keyboard alone, pays cash, shows change and receipt', async () => {
    // Espresso 1299 + 91 tax, croissant 189 + 13, sourdough 449 + 31: 2072; 50.00 in cash.
    await sellByKeyboard([barcodeOf(1), barcodeOf(8), barcodeOf(9)], '50', async () => {
      await waitForText(page.getByTestId('total'), '€20.72');
      await shot('cashier-sell');
    });
    const receipt = page.getByTestId('receipt');
    await waitForText(page.getByTestId('receipt-total'), '€20.72');
    await waitForText(page.getByTestId('receipt-change'), '€29.28');
    await waitForText(page.getByTestId('receipt-local'), 'Local number 1');
    expect(await receipt.locator('.receipt-lines tr').count()).toBe(3);
    // Booked by the cloud and pulled back: the receipt learns its invoice number by itself.
    await waitForText(page.getByTestId('receipt-invoice'), /^Invoice \d+$/);
    await shot('cashier-receipt');
    await page.getByTestId('nav-sell').click();
  }, 90_000);

  test('offline by itself, sales queue, and come back with invoice numbers without a reload', async () => {
    await cloud.stop();
    await waitForText(page.getByTestId('banner'), 'Offline');
    await waitForText(page.getByTestId('connection'), 'Offline');
    await sellByKeyboard([barcodeOf(2)], '10');
    await waitForText(
      page.getByTestId('receipt-invoice'),
      'Invoice number when the cloud books it',
    );
    await sellByKeyboard([barcodeOf(5), barcodeOf(5), barcodeOf(6)], '');
    await waitForText(page.getByTestId('queued'), 'Queued 2');
    await shot('cashier-offline');

    await cloud.start();
    await waitForText(page.getByTestId('queued'), 'Queued 0');
    await page.getByTestId('banner').waitFor({ state: 'detached' });
    await waitForText(page.getByTestId('receipt-invoice'), /^Invoice \d+$/);
    await page.getByTestId('nav-sales').click();
    const rows = page.getByTestId('sale-row');
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('[data-testid="sale-invoice"]')].filter((cell) =>
          /^\d+$/.test(cell.textContent ?? ''),
        ).length === 3,
      undefined,
      { timeout: WAIT_MS },
    );
    expect(await rows.count()).toBe(3);
    await shot('cashier-sales');
    await page.getByTestId('nav-sell').click();
  }, 120_000);

  test('an admin changes a price: the open page shows it in search and cart without a reload', async () => {
    await newSale();
    await page.getByTestId('search').fill('croiss');
    const tile = page.locator('[data-testid="product-tile"][data-product-id="p-8"]');
    await waitForText(tile, '€1.89');
    await tile.click();
    const line = page.locator('[data-testid="cart-line"][data-product-id="p-8"]');
    await waitForText(line.getByTestId('line-total'), '€2.02');

    await cloud.upsertProducts([product(8, { priceMinor: 209 })]);
    await waitForText(tile, '€2.09');
    // 209 + 14.63 tax rounds to 224.
    await waitForText(line.getByTestId('line-total'), '€2.24');
    await shot('cashier-price-change');
    await page.getByRole('button', { name: 'Clear sale' }).click();
    await page.getByTestId('search').fill('');
  }, 90_000);

  test('Verify catalog shows a corrupted local row in its plan and repairs it', async () => {
    await withTerminalFile(
      (db) => {
        const changed = db
          .prepare(
            "UPDATE rx_products_v1 SET data = json_set(data, '$.priceMinor', 1) WHERE id = ?",
          )
          .run('p-5');
        expect(changed.changes).toBe(1);
      },
      // The page sees the daemon go at once, and says so.
      () => waitForText(page.getByTestId('banner'), 'The terminal program is not answering'),
    );
    await page.getByTestId('banner').waitFor({ state: 'detached' });
    // The page reconnects to the restarted daemon by itself and sees the damaged price.
    await page.getByTestId('search').fill('green tea');
    const tile = page.locator('[data-testid="product-tile"][data-product-id="p-5"]');
    await waitForText(tile, '€0.01');

    await page.getByTestId('nav-sync').click();
    await page.getByTestId('verify-catalog').click();
    const plan = page.getByTestId('reconcile-plan');
    await waitForText(plan.getByTestId('plan-stale'), 'p-5');
    await waitForText(plan, '0 missing, 1 out of date, 0 extra; 1 documents written.');
    await shot('cashier-sync');

    await page.getByTestId('nav-sell').click();
    await waitForText(tile, '€5.49');
    await page.getByTestId('search').fill('');
  }, 120_000);

  test('a refused sale shows its code; once an operator accepts it, it is booked', async () => {
    await cloud.stop();
    await waitForText(page.getByTestId('connection'), 'Offline');
    await sellByKeyboard([barcodeOf(3)], '20');
    // The stored sale no longer adds up (disk damage, a bug): the cloud will refuse it.
    await withTerminalFile((db) => {
      const changed = db
        .prepare(
          "UPDATE rx_sales_v2 SET data = json_set(data, '$.totals.totalMinor', 1) WHERE json_extract(data, '$.syncState') = 'queued'",
        )
        .run();
      expect(changed.changes).toBe(1);
    });
    await cloud.start();
    await page.getByTestId('nav-sales').click();
    const error = page.getByTestId('sale-error');
    await waitForText(error.getByTestId('sale-error-code'), 'POS_SYNC_EVENT_INVALID');
    await waitForText(error, /totalMinor is 1/);
    await waitForText(page.getByTestId('nav-sales'), '1');
    await shot('cashier-sales-refused');

    // The cloud refused it: queuing it again is not the till's call, and the page says so.
    await error.getByTestId('requeue').click();
    await waitForText(page.getByTestId('announcement'), 'an operator accepts or discards it');

    const open = await cloud.gql('{ rejectedEvents(status: OPEN) { edges { node { id code } } } }');
    const entry = open.rejectedEvents.edges[0].node;
    expect(entry.code).toBe('POS_SYNC_EVENT_INVALID');
    await cloud.gql(
      'mutation ($id: String!) { acceptRejectedSale(id: $id, note: "receipt checked") { id } }',
      {
        id: entry.id,
      },
    );
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="sale-error"]').length === 0,
      undefined,
      { timeout: WAIT_MS },
    );
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('[data-testid="sale-invoice"]')].every((cell) =>
          /^\d+$/.test(cell.textContent ?? ''),
        ),
      undefined,
      { timeout: WAIT_MS },
    );
  }, 120_000);

  test('a sale the till gave up on shows its code and goes again with Queue again once repaired', async () => {
    await page.getByTestId('nav-sell').click();
    await cloud.stop();
    await waitForText(page.getByTestId('connection'), 'Offline');
    await sellByKeyboard([barcodeOf(4)], '20');
    const newestSaleId = async () => {
      await page.getByTestId('nav-sales').click();
      const rows = page.getByTestId('sale-row');
      await rows.first().waitFor();
      const ids = await rows.evaluateAll((all) =>
        all.map((row) => ({
          id: row.getAttribute('data-sale-id')!,
          local: Number(row.getAttribute('data-local-id')),
        })),
      );
      await page.getByTestId('nav-sell').click();
      return ids.sort((a, b) => b.local - a.local)[0]!.id;
    };
    const stuck = await newestSaleId();
    // The cloud's storage cannot book this one sale (a real trigger in its SQLite file), while
    // the sale after it books: the fault is the sale's own, so the till sets it aside.
    failBookingOf(cloud, stuck);
    await sellByKeyboard([barcodeOf(5)], '20');
    await cloud.start();

    await page.getByTestId('nav-sales').click();
    const error = page.locator(`[data-testid="sale-error"][data-sale-id="${stuck}"]`);
    await waitForText(error.getByTestId('sale-error-code'), 'POS_SYNC_STORAGE_FAILED');
    const invoiceOf = (id: string) =>
      page.locator(`[data-testid="sale-row"][data-sale-id="${id}"] [data-testid="sale-invoice"]`);
    expect(await invoiceOf(stuck).textContent()).not.toMatch(/^\d+$/);

    repairBookingOf(cloud, stuck);
    await error.getByTestId('requeue').click();
    await waitForText(page.getByTestId('announcement'), 'Queued again.');
    await error.waitFor({ state: 'detached' });
    await expect.poll(() => invoiceOf(stuck).textContent(), { timeout: WAIT_MS }).toMatch(/^\d+$/);
    expect(await page.getByTestId('sale-error').count()).toBe(0);
  }, 120_000);

  test('a line discount, a scan during payment, and a split payment: card, then cash with change', async () => {
    await page.getByTestId('nav-sell').click();
    await newSale();
    await scan(page, barcodeOf(1));
    await scan(page, barcodeOf(1));
    const line = page.locator('[data-testid="cart-line"][data-product-id="p-1"]');
    await page.waitForFunction(
      () =>
        (document.querySelector('[data-testid="line-quantity"]') as HTMLInputElement | null)
          ?.value === '2',
      undefined,
      { timeout: WAIT_MS },
    );
    // 2 × 12.99 = 25.98, less 1.98: 24.00 net, 1.68 tax.
    await line.getByRole('textbox', { name: 'Discount on Espresso beans 1kg' }).fill('1.98');
    await line.getByRole('textbox', { name: 'Discount on Espresso beans 1kg' }).press('Enter');
    await waitForText(page.getByTestId('total'), '€25.68');
    await page.getByTestId('pay').click();
    // A scan while the amount field has the focus adds the item; it is not taken as a tender.
    await page.getByTestId('pay-amount').waitFor();
    await scan(page, barcodeOf(2));
    await page.locator('[data-testid="cart-line"][data-product-id="p-2"]').waitFor();
    await waitForText(page.getByTestId('total'), '€34.23');
    expect(await page.getByTestId('payment').count()).toBe(0);
    await page.getByRole('radio', { name: 'Card' }).check();
    await page.getByTestId('pay-amount').fill('40');
    await page.getByTestId('pay-amount').press('Enter');
    await waitForText(page.locator('#pay-error'), 'Only cash can be more than what is due.');
    await page.getByTestId('pay-amount').fill('20');
    await page.getByTestId('pay-amount').press('Enter');
    await waitForText(page.getByTestId('payment'), 'Card €20.00');
    await waitForText(page.getByTestId('due'), '€14.23');
    await page.getByRole('radio', { name: 'Cash' }).check();
    await page.getByRole('button', { name: '€15.00', exact: true }).click();
    await page.getByTestId('receipt').waitFor();
    await waitForText(page.getByTestId('receipt-change'), '€0.77');
    const receipt = page.getByTestId('receipt');
    await waitForText(receipt, 'Card');
    await waitForText(receipt, '−€1.98');
    await waitForText(receipt, 'Filter coffee 500g');
    await shot('cashier-split-payment');
  }, 90_000);

  test('two scans while the till is slow to answer: each code stays until its line shows', async () => {
    await page.getByTestId('nav-sell').click();
    await newSale();
    const field = page.getByTestId('barcode');
    // The daemon stopped by a real signal: both lookups wait in its socket, as on a busy till.
    process.kill(daemon.child.pid!, 'SIGSTOP');
    try {
      await scan(page, barcodeOf(8));
      await scan(page, barcodeOf(9));
      // The second code was typed after the first, not into it, and neither line is there yet.
      expect(await field.inputValue()).toBe(barcodeOf(8) + barcodeOf(9));
      expect(await page.getByTestId('cart-line').count()).toBe(0);
    } finally {
      process.kill(daemon.child.pid!, 'SIGCONT');
    }
    await page.locator('[data-testid="cart-line"][data-product-id="p-8"]').waitFor();
    await page.locator('[data-testid="cart-line"][data-product-id="p-9"]').waitFor();
    await expect.poll(() => field.inputValue(), { timeout: WAIT_MS }).toBe('');
    expect(await page.getByTestId('cart-line').count()).toBe(2);
    await page.getByRole('button', { name: 'Clear sale' }).click();
    await page.getByText('The sale is empty').or(page.locator('.cart-empty')).first().waitFor();
  }, 60_000);

  test('counts and adjusts branch stock with the documented reasons; the cloud gets it', async () => {
    await page.getByTestId('nav-inventory').click();
    await page.getByTestId('inventory-search').fill('espresso');
    const row = page.locator('[data-testid="inventory-row"][data-product-id="p-1"]');
    await row.click();
    const editor = page.getByTestId('stock-editor');
    await editor.getByTestId('count-input').fill('12');
    await editor.getByTestId('count-input').press('Enter');
    await waitForText(row.getByTestId('on-hand'), /^12$/);
    await waitForText(row, 'Stock count');

    await editor.getByTestId('delta-input').fill('+5');
    await editor.getByTestId('reason-select').selectOption('receiving');
    await editor.getByTestId('delta-input').press('Enter');
    await waitForText(row.getByTestId('on-hand'), /^17$/);
    await waitForText(row, 'Goods received');

    await editor.getByTestId('delta-input').fill('-2');
    await editor.getByTestId('reason-select').selectOption('shrinkage');
    await editor.getByRole('button', { name: 'Apply' }).click();
    await waitForText(row.getByTestId('on-hand'), /^15$/);
    await waitForText(row, 'Shrinkage');
    const reasons = await editor
      .getByTestId('reason-select')
      .locator('option')
      .evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
    expect(reasons).toEqual(['receiving', 'return', 'shrinkage', 'transfer', 'correction']);
    await shot('cashier-inventory');

    // The CRDT operations reach the cloud: its copy of the branch stock agrees.
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const data = await cloud.gql(
        '{ pullInventory(limit: 100) { documents { id onHand } } }',
        {},
        terminalToken,
      );
      const item = data.pullInventory.documents.find((d: any) => d.id === 'b-north:p-1');
      if (item?.onHand === 15) break;
      if (Date.now() > deadline) throw new Error(`cloud on-hand: ${JSON.stringify(item)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await page.getByTestId('nav-sell').click();
  }, 90_000);

  test('every field and button has an accessible name on every screen', async () => {
    const unnamed = () =>
      page.evaluate(() =>
        [...document.querySelectorAll('input, select, button')]
          .filter((el) => (el as HTMLElement).offsetParent !== null)
          .filter((el) => {
            const labelled =
              (el as HTMLInputElement).labels?.length ||
              el.getAttribute('aria-label') ||
              el.getAttribute('aria-labelledby');
            return !labelled && !(el.textContent ?? '').trim();
          })
          .map((el) => el.outerHTML.slice(0, 120)),
      );
    await page.getByTestId('nav-sell').click();
    await newSale();
    await scan(page, barcodeOf(2));
    await page.keyboard.press('Enter');
    await page.getByTestId('pay-amount').waitFor();
    expect(await unnamed()).toEqual([]);
    const tree = await page.locator('body').ariaSnapshot();
    for (const entry of [
      'textbox "Barcode"',
      'searchbox "Search by name or SKU"',
      'navigation "Screens"',
      'radio "Cash"',
      'textbox "Amount received"',
    ]) {
      expect(tree).toContain(entry);
    }
    await page.getByTestId('pay-amount').press('Escape');
    await page.getByRole('button', { name: 'Clear sale' }).click();
    for (const screen of ['sales', 'inventory', 'sync'] as const) {
      await page.getByTestId(`nav-${screen}`).click();
      await page.getByRole('heading', { level: 1 }).waitFor();
      expect(await unnamed(), screen).toEqual([]);
    }
    await page.getByTestId('nav-sell').click();
  }, 60_000);

  test('the Persian locale renders right to left with Persian digits', async () => {
    const fa = await browser.newPage({ viewport: { width: 1366, height: 820 } });
    fa.setDefaultTimeout(WAIT_MS);
    try {
      await fa.goto(`${pageUrl}&lang=fa-IR`);
      await fa.getByTestId('barcode').waitFor();
      expect(await fa.evaluate(() => document.documentElement.dir)).toBe('rtl');
      expect(await fa.evaluate(() => document.documentElement.lang)).toBe('fa-IR');
      await scan(fa, barcodeOf(1));
      await scan(fa, barcodeOf(9));
      await waitForText(fa.getByTestId('total'), '۱۸٫۷۰');
      const texts = await fa.evaluate(() => ({
        total: document.querySelector('[data-testid="total"]')?.textContent ?? '',
        queued: document.querySelector('[data-testid="queued"]')?.textContent ?? '',
        nav: document.querySelector('[data-testid="nav-sell"]')?.textContent ?? '',
      }));
      // 1299 + 91 and 449 + 31: €18.70 in Persian digits and separator.
      expect(texts.total).toContain('۱۸٫۷۰');
      expect(texts.total).not.toMatch(/[0-9]/);
      expect(texts.queued).toMatch(/^در صف [۰-۹]+$/);
      expect(texts.nav).toBe('فروش');
      // Mirrored: the sale panel sits on the left, the catalog on the right.
      const [catalog, sale] = await Promise.all([
        fa.locator('.catalog-panel').boundingBox(),
        fa.locator('.sale-panel').boundingBox(),
      ]);
      expect(sale!.x).toBeLessThan(catalog!.x);
      mkdirSync(ARTIFACTS, { recursive: true });
      await fa.screenshot({ path: join(ARTIFACTS, 'cashier-fa-IR.png') });
    } finally {
      await fa.close();
    }
  }, 90_000);
});
