/**
 * `npm run bench:ui`: the cashier page in headless Chromium against a real `pos server` and
 * `pos terminal` holding a large catalog. Measures first render of the sell screen, keystroke to
 * rendered search results, barcode Enter to the line in the cart, the page's `sell()` round trip,
 * raw page queries over RxDB's remote storage, and the bundle size.
 *
 * Flags: --products N (default 100000), --samples N (default 30; raw queries), --ui-samples N
 * (keystroke and barcode samples; default the samples, at most 10 above 10,000 products).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';
import { buildCashierPage } from '../../client/local-server/index.ts';
import { nameKeyOf } from '../../schema/index.ts';
import { browserSkipReason, launchBrowser } from '../../client/test-support/browser.ts';
import {
  CloudProcess,
  freePort,
  removeDir,
  tempDir,
} from '../../client/test-support/cloud-process.ts';
import { spawnTerminal } from '../../client/test-support/terminal-process.ts';
import { formatTable, ms } from './bench-utils.ts';

const WORDS = [
  'Apple', 'Basil', 'Cocoa', 'Dill', 'Espresso', 'Fig', 'Ginger', 'Hazelnut', 'Iced', 'Jasmine',
  'Kale', 'Lemon', 'Mango', 'Nutmeg', 'Oat', 'Pepper', 'Quince', 'Rye', 'Sage', 'Thyme',
  'Umami', 'Vanilla', 'Walnut', 'Yuzu', 'Zest',
]; // prettier-ignore

function productAt(i: number) {
  return {
    id: `p-${i}`,
    sku: `SKU-${i}`,
    barcode: `40${String(i).padStart(11, '0')}`,
    name: `${WORDS[i % WORDS.length]} ${WORDS[Math.floor(i / WORDS.length) % WORDS.length]} ${i}`,
    categoryId: `c-${i % 20}`,
    priceMinor: 100 + (i % 5000),
    currency: 'EUR',
    taxRateBps: 700,
    active: true,
    branchIds: null,
    branchPrices: [],
  };
}

/** Nearest-rank percentiles. */
function pct(samples: number[]): { p50: number; p95: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
  return { p50: at(0.5), p95: at(0.95), max: sorted.at(-1)! };
}

/**
 * Real keyboard input into a field: the text filled, then one key pressed (Enter for the barcode,
 * Backspace for a search); resolves with ms from that key's keydown to the frame showing
 * `expectSelector`.
 */
async function inputToRender(
  page: Page,
  testId: string,
  text: string,
  enter: boolean,
  expectSelector: string,
): Promise<number> {
  const field = `[data-testid="${testId}"]`;
  // A search starts from the text plus one character that matches nothing, once its (empty) results
  // are shown; Backspace then changes the results, so the wait sees the last keystroke's query.
  await page.fill(field, enter ? text : `${text}#`);
  if (!enter) {
    await page.waitForFunction(
      () => !document.querySelector('[data-testid="product-tile"]'),
      undefined,
      {
        timeout: 120_000,
      },
    );
  }
  await page.evaluate((expect) => {
    const w = window as any;
    w.__done = new Promise<number>((resolveDone, reject) => {
      let start = 0;
      const onKey = () => {
        start = performance.now();
        window.removeEventListener('keydown', onKey, true);
        const check = () => {
          if (!document.querySelector(expect)) return false;
          observer.disconnect();
          requestAnimationFrame(() => resolveDone(performance.now() - start));
          return true;
        };
        const observer = new MutationObserver(check);
        observer.observe(document.body, {
          subtree: true,
          childList: true,
          characterData: true,
          attributes: true,
        });
        queueMicrotask(check);
      };
      window.addEventListener('keydown', onKey, true);
      setTimeout(() => reject(new Error(`timeout waiting for ${expect}`)), 120_000);
    });
  }, expectSelector);
  await page.press(field, enter ? 'Enter' : 'Backspace');
  return page.evaluate(() => (window as any).__done as Promise<number>);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      products: { type: 'string', default: '100000' },
      samples: { type: 'string', default: '30' },
      'ui-samples': { type: 'string' },
    },
  });
  if (browserSkipReason) throw new Error(browserSkipReason);
  const productCount = Number(values.products);
  const samples = Number(values.samples);
  const log = (line: string) => process.stderr.write(`${line}\n`);

  const page = await buildCashierPage();
  const cloud = await CloudProcess.start();
  const dataDir = tempDir('pos-ui-bench-');
  const browser = await launchBrowser();
  let daemon: ReturnType<typeof spawnTerminal> | undefined;
  try {
    await cloud.createBranch('b1');
    await cloud.upsertCategories(
      Array.from({ length: 20 }, (_, i) => ({
        id: `c-${i}`,
        name: `Category ${i}`,
        parentId: null,
        sortOrder: i,
      })),
    );
    log(`seeding ${productCount} products…`);
    await cloud.upsertProducts(Array.from({ length: productCount }, (_, i) => productAt(i + 1)));
    const { token } = await cloud.registerTerminal('b1');
    const uiPort = await freePort();
    daemon = spawnTerminal({
      server: cloud.url,
      token,
      'data-dir': dataDir,
      'ui-port': String(uiPort),
      'status-interval': '500',
    });
    const started = Date.now();
    for (;;) {
      if (new RegExp(`products=${productCount}@`).test(daemon.output())) break;
      if (Date.now() - started > 600_000)
        throw new Error(`terminal did not sync: ${daemon.output().slice(-500)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    log(`terminal synced ${productCount} products in ${Date.now() - started} ms`);
    const pageUrl = /cashier page: (\S+)/.exec(daemon.output())![1]!;
    const localToken = new URL(pageUrl).searchParams.get('token')!;

    // First render of the sell screen (a new tab each time; the bundle is served from memory).
    const firstRender: number[] = [];
    for (let i = 0; i < 5; i++) {
      const tab = await browser.newPage();
      const t0 = Date.now();
      await tab.goto(pageUrl);
      await tab.waitForSelector('[data-testid="barcode"]');
      firstRender.push(Date.now() - t0);
      await tab.close();
    }

    // tsx keeps function names with a `__name` helper, which functions sent to the page call too.
    const newPage = async () => {
      const tab = await browser.newPage();
      await tab.addInitScript('globalThis.__name = (f) => f;');
      return tab;
    };
    // The browser client alone: sell() round trips and raw queries.
    const client = await newPage();
    await client.goto(`http://127.0.0.1:${uiPort}/session?token=${localToken}`);
    const script = await build({
      entryPoints: [resolve(import.meta.dirname, '../../client/browser/index.ts')],
      bundle: true,
      format: 'iife',
      globalName: 'posBrowser',
      platform: 'browser',
      write: false,
      logLevel: 'silent',
    });
    await client.addScriptTag({ content: script.outputFiles[0]!.text });
    const raw = await client.evaluate(
      async ({ token, samples, productCount, prefixes }) => {
        const t = await (window as any).posBrowser.connectTerminal({ url: location.origin, token });
        const time = async (run: () => Promise<unknown>) => {
          const start = performance.now();
          await run();
          return performance.now() - start;
        };
        const out: Record<string, number[]> = {
          sell: [],
          bySku: [],
          byBarcode: [],
          prefixInCategory: [],
          prefixAllCategories: [],
          containsAllCategories: [],
        };
        for (let k = 0; k < samples; k++) {
          const i = 1 + ((k * 104729) % productCount);
          out.sell!.push(
            await time(() =>
              t.sell({
                lines: [{ productId: `p-${i}`, quantity: 1 }],
                payments: [{ method: 'cash', amountMinor: 100_000 }],
              }),
            ),
          );
          out.bySku!.push(
            await time(() =>
              t.db.products.find({ selector: { sku: `SKU-${i}` }, limit: 20 }).exec(),
            ),
          );
          out.byBarcode!.push(
            await time(() =>
              t.db.products
                .find({ selector: { barcode: `40${String(i).padStart(11, '0')}` } })
                .exec(),
            ),
          );
          out.prefixInCategory!.push(
            await time(() =>
              t.db.products
                .find({
                  selector: {
                    categoryId: `c-${i % 20}`,
                    nameKey: { $gte: prefixes[k], $lt: `${prefixes[k]}\uffff` },
                  },
                  sort: [{ categoryId: 'asc' }, { nameKey: 'asc' }],
                  limit: 20,
                })
                .exec(),
            ),
          );
          out.prefixAllCategories!.push(
            await time(() =>
              t.db.products
                .find({
                  selector: { nameKey: { $gte: prefixes[k], $lt: `${prefixes[k]}\uffff` } },
                  sort: [{ nameKey: 'asc' }],
                  limit: 20,
                })
                .exec(),
            ),
          );
          // A table scan: a few samples.
          if (k < 5) {
            out.containsAllCategories!.push(
              await time(() =>
                t.db.products
                  .find({ selector: { name: { $regex: `${i}$`, $options: 'i' } }, limit: 24 })
                  .exec(),
              ),
            );
          }
        }
        await t.close();
        return out;
      },
      {
        token: localToken,
        samples,
        productCount,
        // Distinct per sample: RxDB answers a repeated query from its cache. Name keys, as the page
        // searches them.
        prefixes: Array.from({ length: samples }, (_, k) =>
          nameKeyOf(
            productAt(1 + ((k * 104729) % productCount))
              .name.split(' ')
              .slice(0, 2)
              .join(' '),
          ),
        ),
      },
    );

    log(
      `raw page queries (p50/p95 ms): ${Object.entries(raw)
        .map(([k, v]) => `${k} ${ms(pct(v).p50)}/${ms(pct(v).p95)}`)
        .join(', ')}`,
    );
    const cashier = await newPage();
    await cashier.goto(pageUrl);
    await cashier.waitForSelector('[data-testid="barcode"]');
    // Products numbered above a tenth of the catalog: no other SKU or name starts with or contains
    // theirs, so the final results are exactly one tile and the wait below sees the last query's.
    const floor = Math.floor(productCount / 10);
    const pick = (k: number) => floor + 1 + ((k * 7919) % (productCount - floor));
    const onlyTile = (n: number) =>
      `[data-testid="search-results"]:has(> li:only-child [data-testid="product-tile"][data-product-id="p-${n}"])`;
    const searchSku: number[] = [];
    const searchName: number[] = [];
    const barcode: number[] = [];
    // Each UI sample first waits for an empty result: fewer of them keep a large run short.
    const uiSamples =
      values['ui-samples'] !== undefined
        ? Number(values['ui-samples'])
        : productCount > 10_000
          ? Math.min(samples, 10)
          : samples;
    for (let k = 0; k < uiSamples; k++) {
      const i = pick(k);
      searchSku.push(await inputToRender(cashier, 'search', `SKU-${i}`, false, onlyTile(i)));
      const name = productAt(pick(k + uiSamples)).name;
      searchName.push(
        await inputToRender(cashier, 'search', name, false, onlyTile(pick(k + uiSamples))),
      );
      barcode.push(
        await inputToRender(
          cashier,
          'barcode',
          productAt(i).barcode,
          true,
          `[data-testid="cart-line"][data-product-id="p-${i}"]`,
        ),
      );
    }

    const row = (what: string, values: number[], target: string) => {
      const p = pct(values);
      return [what, String(values.length), ms(p.p50), ms(p.p95), ms(p.max), target];
    };
    const table = formatTable(
      ['measure (ms)', 'n', 'p50', 'p95', 'max', 'target'],
      [
        row('first render of the sell screen', firstRender, '< 1500'),
        row('keystroke → results: SKU', searchSku, 'p95 < 50'),
        row('keystroke → results: a product name', searchName, 'p95 < 50'),
        row('barcode Enter → line in cart', barcode, 'p95 < 30'),
        row('page sell() round trip', raw.sell!, 'p95 < 30'),
        row('query by SKU', raw.bySku!, ''),
        row('query by barcode', raw.byBarcode!, ''),
        row('name key prefix in a category (limit 20)', raw.prefixInCategory!, ''),
        row('name key prefix, all categories (limit 20)', raw.prefixAllCategories!, ''),
        row('name contains, all categories (table scan)', raw.containsAllCategories!, ''),
      ],
    );
    process.stdout.write(
      `\nCashier page, ${productCount} products, ${samples} samples\n\n${table}\n\n` +
        `bundle: ${(page.sizes.jsBytes / 1024).toFixed(0)} kB minified, ` +
        `${(page.sizes.jsGzipBytes / 1024).toFixed(1)} kB gzip JavaScript; ${(page.sizes.cssBytes / 1024).toFixed(1)} kB CSS\n`,
    );
  } finally {
    await browser.close();
    if (daemon) {
      daemon.child.kill('SIGTERM');
      await daemon.exited;
    }
    await cloud.destroy();
    removeDir(dataDir);
  }
}

await main();
