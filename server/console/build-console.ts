import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** The console page's entry module. */
export const CONSOLE_ENTRY = resolve(import.meta.dirname, 'page/main.tsx');

/** One file of the built console, served from memory. */
export type ConsoleAsset = { contentType: string; body: Uint8Array; gzip: Uint8Array };

/** The built console: its assets by file name (`app.js`, `app.css`) and the HTML shell. */
export type BuiltConsole = {
  assets: Map<string, ConsoleAsset>;
  html: string;
  /** The entry module's size (what the first render loads), and all JavaScript chunks together. */
  sizes: { jsBytes: number; jsGzipBytes: number; cssBytes: number; allJsBytes: number };
};

const CONTENT_TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/**
 * Bundles the console (React, graphql-ws, papaparse, the screens) into one minified ES module and one
 * stylesheet, in memory, from the sources in the tree: no CDN and no network. The same recipe as the
 * cashier page's build (client/local-server/build-page.ts), which server/ may not import.
 */
export async function buildConsole(): Promise<BuiltConsole> {
  const result = await build({
    entryPoints: { app: CONSOLE_ENTRY },
    bundle: true,
    minify: true,
    format: 'esm',
    // The import's CSV parser and product schema (zod) are a chunk of their own, loaded on first use.
    splitting: true,
    chunkNames: 'chunk-[hash]',
    platform: 'browser',
    target: ['es2022', 'chrome111', 'firefox111', 'safari16'],
    jsx: 'automatic',
    write: false,
    outdir: '/',
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const assets = new Map<string, ConsoleAsset>();
  for (const file of result.outputFiles) {
    const extension = file.path.split('.').pop() ?? '';
    const contentType = CONTENT_TYPES[extension];
    if (!contentType) continue;
    assets.set(file.path.split('/').pop()!, {
      contentType,
      body: file.contents,
      gzip: gzipSync(file.contents),
    });
  }
  const js = assets.get('app.js');
  const html = [
    '<!doctype html>',
    '<html lang="en" dir="ltr">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>pos-sync console</title>',
    '<link rel="icon" href="data:,">',
    assets.has('app.css') ? '<link rel="stylesheet" href="/console/app.css">' : '',
    '<script type="module" src="/console/app.js"></script>',
    '</head>',
    '<body><div id="root"></div></body>',
    '</html>',
    '',
  ]
    .filter(Boolean)
    .join('\n');
  return {
    assets,
    html,
    sizes: {
      jsBytes: js?.body.byteLength ?? 0,
      jsGzipBytes: js?.gzip.byteLength ?? 0,
      cssBytes: assets.get('app.css')?.body.byteLength ?? 0,
      allJsBytes: [...assets.entries()]
        .filter(([name]) => name.endsWith('.js'))
        .reduce((n, [, a]) => n + a.body.byteLength, 0),
    },
  };
}
