import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** The cashier page's entry module. */
export const CASHIER_ENTRY = resolve(import.meta.dirname, '../cashier/main.tsx');

/** One file of a built page, served from memory. */
export type PageAsset = { path: string; contentType: string; body: Uint8Array };

/** A built page: its assets by URL path (`/app.js`, `/app.css`) and their sizes. */
export type BuiltPage = {
  assets: Map<string, PageAsset>;
  /** The HTML shell; `assetQuery` is appended to every asset URL (the local token travels there). */
  html(assetQuery: string): string;
  /** Bytes of the JavaScript, minified and gzipped. */
  sizes: { jsBytes: number; jsGzipBytes: number; cssBytes: number };
  /** The source files that went into the bundle (paths relative to the repository). */
  inputs: string[];
};

export type BuildPageOptions = {
  /** Entry module (default: the cashier page). */
  entry?: string;
  /** Also write the files there (for inspection or a static host). */
  outDir?: string;
  /** Title of the HTML shell. */
  title?: string;
};

const CONTENT_TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/**
 * Bundles the cashier page (React, RxDB's remote storage client, the screens) into one minified ES
 * module, in memory, from the sources in the tree: no CDN and no network, so a till with the cable
 * pulled serves its page. Takes about a second, so the daemon runs it at start.
 */
export async function buildCashierPage(options: BuildPageOptions = {}): Promise<BuiltPage> {
  const result = await build({
    entryPoints: { app: options.entry ?? CASHIER_ENTRY },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome111', 'firefox111', 'safari16'],
    jsx: 'automatic',
    write: false,
    metafile: true,
    outdir: '/',
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const assets = new Map<string, PageAsset>();
  for (const file of result.outputFiles) {
    const extension = file.path.split('.').pop() ?? '';
    const type = CONTENT_TYPES[extension];
    if (!type) continue;
    const path = `/app.${extension}`;
    assets.set(path, { path, contentType: type, body: file.contents });
  }
  const js = assets.get('/app.js')?.body ?? new Uint8Array();
  const hasCss = assets.has('/app.css');
  const title = options.title ?? 'Cashier';
  const page: BuiltPage = {
    assets,
    html: (assetQuery) =>
      [
        '<!doctype html>',
        '<html lang="en" dir="ltr">',
        '<head>',
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        `<title>${title}</title>`,
        // No favicon request: it would carry no token and be refused.
        '<link rel="icon" href="data:,">',
        hasCss ? `<link rel="stylesheet" href="/app.css${assetQuery}">` : '',
        `<script type="module" src="/app.js${assetQuery}"></script>`,
        '</head>',
        '<body><div id="root"></div></body>',
        '</html>',
        '',
      ]
        .filter(Boolean)
        .join('\n'),
    sizes: {
      jsBytes: js.byteLength,
      jsGzipBytes: gzipSync(js).byteLength,
      cssBytes: assets.get('/app.css')?.body.byteLength ?? 0,
    },
    inputs: Object.keys(result.metafile.inputs),
  };
  if (options.outDir) {
    mkdirSync(options.outDir, { recursive: true });
    for (const asset of assets.values())
      writeFileSync(join(options.outDir, asset.path), asset.body);
    writeFileSync(join(options.outDir, 'index.html'), page.html(''));
  }
  return page;
}
