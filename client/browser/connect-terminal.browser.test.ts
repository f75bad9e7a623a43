import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { LOCAL_TOKEN_FILE } from '../local-server/index.ts';
import { browserSkipReason, launchBrowser } from '../test-support/browser.ts';
import {
  CloudProcess,
  freePort,
  productInput,
  removeDir,
  tempDir,
} from '../test-support/cloud-process.ts';
import { storeProductsAsVersion0 } from '../test-support/old-releases.ts';
import { openTestTerminal, syncWithin } from '../test-support/terminal-fixtures.ts';
import type { TerminalProcess } from '../test-support/terminal-process.ts';
import { spawnTerminal } from '../test-support/terminal-process.ts';
import { replicationIdentifier } from '../terminal-identity.ts';

/** The browser client as a script a test page loads: `window.posBrowser.connectTerminal`. */
async function bundleBrowserClient(): Promise<string> {
  const result = await build({
    entryPoints: [resolve(import.meta.dirname, 'index.ts')],
    bundle: true,
    format: 'iife',
    globalName: 'posBrowser',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** Waits for a condition evaluated in Node (the daemon's output, an HTTP answer). */
async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, what: string) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(browserSkipReason)('browser client against a real terminal daemon', () => {
  let cloud: CloudProcess;
  let browser: Browser;
  let clientScript: string;
  let dataDir: string;
  let daemon: TerminalProcess;
  let terminalToken: string;
  let uiPort: number;
  let pageUrl: string;
  let localToken: string;

  const startDaemon = async () => {
    daemon = spawnTerminal({
      server: cloud.url,
      token: terminalToken,
      'data-dir': dataDir,
      'ui-port': String(uiPort),
      'status-interval': '60000',
    });
    const url = await waitFor(() => /cashier page: (\S+)/.exec(daemon.output())?.[1], 'page URL');
    return url;
  };
  const stopDaemon = async () => {
    daemon.child.kill('SIGTERM');
    await daemon.exited;
  };
  const origin = () => `http://127.0.0.1:${uiPort}`;
  const session = async () =>
    (await (await fetch(`${origin()}/session?token=${localToken}`)).json()) as {
      sockets: number;
      changeStreams: number;
    };

  /** A page on the daemon's origin with the browser client loaded and connected as `window.t`. */
  const openClientPage = async (): Promise<Page> => {
    const page = await browser.newPage();
    await page.goto(`${origin()}/session?token=${localToken}`);
    await page.addScriptTag({ content: clientScript });
    await page.evaluate(async (token) => {
      const w = window as any;
      w.t = await w.posBrowser.connectTerminal({ url: location.origin, token });
      w.statuses = [];
      w.t.status$.subscribe((s: any) => w.statuses.push(s));
    }, localToken);
    return page;
  };

  beforeAll(async () => {
    [cloud, browser, clientScript] = await Promise.all([
      CloudProcess.start(),
      launchBrowser(),
      bundleBrowserClient(),
    ]);
    await cloud.createBranch('b1');
    await cloud.upsertProducts(Array.from({ length: 20 }, (_, i) => productInput(i + 1)));
    terminalToken = (await cloud.registerTerminal('b1')).token;
    dataDir = tempDir('pos-ui-');
    uiPort = await freePort();
    pageUrl = await startDaemon();
    localToken = new URL(pageUrl).searchParams.get('token')!;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (daemon) await stopDaemon();
    await cloud?.destroy();
    if (dataDir) removeDir(dataDir);
  });

  test('prints the page URL on 127.0.0.1 with a token, and serves the page with it', async () => {
    expect(pageUrl).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${uiPort}/\\?token=[\\w-]{40,}$`));
    const html = await (await fetch(pageUrl)).text();
    expect(html).toContain(`/app.js?token=${localToken}`);
    const js = await fetch(`${origin()}/app.js?token=${localToken}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('javascript');
  });

  test('refuses HTTP requests and sockets without the token or with a wrong one', async () => {
    for (const path of ['/', '/app.js', '/session']) {
      expect((await fetch(`${origin()}${path}`)).status).toBe(401);
      expect((await fetch(`${origin()}${path}?token=wrong`)).status).toBe(401);
    }
    const upgrade = (query: string, headers: Record<string, string> = {}) =>
      new Promise<number>((resolveStatus) => {
        const ws = new WebSocket(`ws://127.0.0.1:${uiPort}/ws${query}`, { headers });
        ws.on('unexpected-response', (_request, response) => resolveStatus(response.statusCode!));
        ws.on('open', () => {
          ws.close();
          resolveStatus(101);
        });
        ws.on('error', () => undefined);
      });
    expect(await upgrade('')).toBe(401);
    expect(await upgrade('?token=wrong')).toBe(401);
    expect(await upgrade(`?token=${localToken}`, { origin: 'https://evil.example' })).toBe(403);
    expect(await upgrade(`?token=${localToken}`, { origin: origin() })).toBe(101);

    const page = await browser.newPage();
    await page.goto(`${origin()}/session?token=${localToken}`);
    await page.addScriptTag({ content: clientScript });
    const refused = await page.evaluate(async () => {
      try {
        await (window as any).posBrowser.connectTerminal({ url: location.origin, token: 'wrong' });
        return null;
      } catch (error) {
        return (error as { code?: string }).code;
      }
    });
    expect(refused).toBe('POS_LOCAL_UNAUTHORIZED');
    await page.close();
  });

  test('a daemon write reaches the page live query; the page cannot write', async () => {
    const page = await openClientPage();
    await page.evaluate(() => {
      const w = window as any;
      w.names = [];
      w.t.db.products.findOne('p-1').$.subscribe((doc: any) => doc && w.names.push(doc.name));
    });
    await page.waitForFunction(() => (window as any).names.includes('Product 1'));
    await cloud.upsertProducts([productInput(1, { name: 'Renamed one' })]);
    await page.waitForFunction(() => (window as any).names.includes('Renamed one'));

    const refusals = await page.evaluate(async () => {
      const db = (window as any).t.db;
      const attempt = async (run: () => Promise<unknown>) => {
        try {
          await run();
          return 'written';
        } catch (error) {
          return String((error as Error).message).includes('POS_FORBIDDEN')
            ? 'refused'
            : String(error);
        }
      };
      const doc = await db.products.findOne('p-2').exec();
      return {
        insert: await attempt(() =>
          db.products.insert({ ...doc.toJSON(), id: 'p-forged', sku: 'FORGED' }),
        ),
        patch: await attempt(() => doc.patch({ priceMinor: 1 })),
        remove: await attempt(() => doc.remove()),
        sale: await attempt(() => db.sales.bulkRemove(['x'])),
        drop: await attempt(() => db.products.storageInstance.remove()),
      };
    });
    expect(refusals).toEqual({
      insert: 'refused',
      patch: 'refused',
      remove: 'refused',
      sale: expect.any(String),
      drop: 'refused',
    });
    const after = await page.evaluate(async () => {
      const db = (window as any).t.db;
      const doc = await db.products.findOne('p-2').exec();
      return {
        price: doc?.priceMinor,
        forged: await db.products.findOne('p-forged').exec(),
        count: await db.products.count().exec(),
      };
    });
    expect(after).toEqual({ price: 102, forged: null, count: 20 });
    await page.close();
  });

  test('sell from the page makes one local sale with its localEventId', async () => {
    const page = await openClientPage();
    const sale = await page.evaluate(async () => {
      const t = (window as any).t;
      t.db.sales.find().$.subscribe((docs: any[]) => ((window as any).sales = docs.length));
      return t.sell({
        lines: [{ productId: 'p-3', quantity: 2 }],
        payments: [{ method: 'cash', amountMinor: 100_000 }],
      });
    });
    expect(sale.localEventId).toBeGreaterThanOrEqual(1);
    expect(sale.lines[0]).toMatchObject({ productId: 'p-3', quantity: 2 });
    await page.waitForFunction(() => (window as any).sales === 1);
    const invalid = await page.evaluate(async () =>
      (window as any).t
        .sell({
          lines: [{ productId: 'p-404', quantity: 1 }],
          payments: [{ method: 'cash', amountMinor: 1 }],
        })
        .then(
          () => null,
          (error: { code: string }) => error.code,
        ),
    );
    expect(invalid).toBe('POS_PRODUCT_UNAVAILABLE');
    await waitFor(
      async () => (await cloud.bookedSales('b1')).some((s) => s.localEventId === sale.localEventId),
      'the sale booked in the cloud',
    );
    await page.close();
  });

  test('a closed page leaves no change-stream subscription on the daemon', async () => {
    await waitFor(async () => (await session()).sockets === 0, 'earlier pages gone');
    const page = await openClientPage();
    await page.evaluate(() => (window as any).t.db.products.find().$.subscribe(() => undefined));
    expect((await session()).changeStreams).toBeGreaterThan(0);
    await page.close();
    await waitFor(async () => {
      const s = await session();
      return s.sockets === 0 && s.changeStreams === 0;
    }, 'subscriptions closed');
  });

  test('a restarted daemon: the page sees the loss at once, then its live queries resume', async () => {
    const page = await openClientPage();
    await page.evaluate(() => {
      const w = window as any;
      w.names = [];
      w.t.db$.subscribe((db: any) =>
        db.products.findOne('p-5').$.subscribe((doc: any) => doc && w.names.push(doc.name)),
      );
    });
    await page.waitForFunction(() => (window as any).names.includes('Product 5'));
    await stopDaemon();
    await page.waitForFunction(() =>
      (window as any).statuses.some((s: any) => s.daemonConnected === false),
    );
    const whileDown = await page.evaluate(() =>
      (window as any).t
        .sell({
          lines: [{ productId: 'p-5', quantity: 1 }],
          payments: [{ method: 'cash', amountMinor: 1_000 }],
        })
        .then(
          () => null,
          (error: { code: string }) => error.code,
        ),
    );
    expect(whileDown).toBe('POS_TERMINAL_UNREACHABLE');
    await startDaemon();
    await page.waitForFunction(() => (window as any).statuses.at(-1)?.daemonConnected === true);
    await cloud.upsertProducts([productInput(5, { name: 'Back again' })]);
    await page.waitForFunction(() => (window as any).names.includes('Back again'), undefined, {
      timeout: 30_000,
    });
    await page.close();
  });

  test('a daemon back with another token: the page stops retrying and says refused', async () => {
    const page = await openClientPage();
    await stopDaemon();
    rmSync(join(dataDir, LOCAL_TOKEN_FILE));
    pageUrl = await startDaemon();
    localToken = new URL(pageUrl).searchParams.get('token')!;
    await page.waitForFunction(() => (window as any).statuses.at(-1)?.connection === 'refused');
    const sockets = (await session()).sockets;
    await page.waitForTimeout(3_000);
    expect((await session()).sockets).toBe(sockets);
    await page.close();
  });

  test('a daemon that migrated a products schema 0 data dir serves the page and its name search', async () => {
    const registered = await cloud.registerTerminal('b1');
    const oldDir = tempDir('pos-ui-old-');
    try {
      const first = await openTestTerminal(cloud, registered, { dataDir: oldDir });
      await syncWithin(first);
      const identifier = replicationIdentifier(first.identity, 'products');
      await first.close();
      await storeProductsAsVersion0(oldDir, {
        httpUrl: cloud.url,
        token: registered.token,
        replicationIdentifier: identifier,
      });
      const port = await freePort();
      const migrated = spawnTerminal({
        server: cloud.url,
        token: registered.token,
        'data-dir': oldDir,
        'ui-port': String(port),
        'status-interval': '60000',
      });
      try {
        const url = await waitFor(
          () => /cashier page: (\S+)/.exec(migrated.output())?.[1],
          'page URL of the migrated daemon',
        );
        const page = await browser.newPage();
        await page.goto(url);
        // "PRODUCT 2" finds "Product 2" and "Product 20" by their name key, across categories.
        await page.getByTestId('search').fill('PRODUCT 2');
        await page.waitForFunction(
          () =>
            [...document.querySelectorAll('[data-testid="product-tile"]')]
              .map((tile) => tile.getAttribute('data-product-id'))
              .sort()
              .join() === 'p-2,p-20',
          undefined,
          { timeout: 30_000 },
        );
        await page.close();
      } finally {
        migrated.child.kill('SIGTERM');
        await migrated.exited;
      }
    } finally {
      removeDir(oldDir);
    }
  }, 120_000);
});
