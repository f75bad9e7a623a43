import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { buildCashierPage } from './build-page.ts';

describe('buildCashierPage', () => {
  test('bundles the cashier page for a browser without zod or Node built-ins', async () => {
    const page = await buildCashierPage();
    expect(page.inputs.filter((input) => input.includes('node_modules/zod/'))).toEqual([]);
    expect(page.inputs.filter((input) => input.startsWith('node:'))).toEqual([]);
    expect(page.assets.get('/app.js')?.contentType).toContain('javascript');
    expect(page.html('?token=t')).toContain('<script type="module" src="/app.js?token=t">');
    // The page's budget: React, RxDB's remote storage and the screens (about 140 kB gzip).
    expect(page.sizes.jsGzipBytes).toBeLessThan(250_000);
    process.stdout.write(`cashier page: ${JSON.stringify(page.sizes)}\n`);
  });

  describe('with a cache', () => {
    const root = mkdtempSync(join(tmpdir(), 'pos-page-cache-'));
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    // A small page of its own, so the test can change one of its sources.
    const sourceDir = mkdtempSync(join(root, 'src-'));
    const entry = join(sourceDir, 'entry.ts');
    const part = join(sourceDir, 'part.ts');
    writeFileSync(entry, "import { word } from './part.ts';\ndocument.title = word;\n");
    writeFileSync(part, "export const word = 'first';\n");
    const cacheDir = join(root, 'cache');

    test('reuses the bundle while its sources are unchanged and rebuilds when one changes', async () => {
      const built = await buildCashierPage({ entry, cacheDir });
      const text = (p: typeof built) => new TextDecoder().decode(p.assets.get('/app.js')!.body);
      expect(text(built)).toContain('first');
      expect(built.inputs.some((input) => resolve(input) === part)).toBe(true);

      // A cached file altered behind the manifest's back proves the second call read the cache.
      const manifest = JSON.parse(readFileSync(join(cacheDir, 'manifest.json'), 'utf8')) as {
        files: { path: string; file: string }[];
      };
      const js = manifest.files.find((f) => f.path === '/app.js')!.file;
      writeFileSync(join(cacheDir, js), `${text(built)}/* from the cache */`);
      expect(text(await buildCashierPage({ entry, cacheDir }))).toContain('from the cache');

      writeFileSync(part, "export const word = 'second';\n");
      const rebuilt = await buildCashierPage({ entry, cacheDir });
      expect(text(rebuilt)).toContain('second');
      expect(text(rebuilt)).not.toContain('from the cache');
      // The superseded bundle is gone; only the current one and the manifest remain.
      expect(readdirSync(cacheDir).sort()).toHaveLength(2);
    });

    test('an unreadable or foreign manifest means a fresh build, not a failure', async () => {
      writeFileSync(join(cacheDir, 'manifest.json'), '{ not json');
      const page = await buildCashierPage({ entry, cacheDir });
      expect(new TextDecoder().decode(page.assets.get('/app.js')!.body)).toContain('second');
    });
  });
});
