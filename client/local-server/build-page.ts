import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, version as esbuildVersion } from 'esbuild';

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
  /**
   * Keep the bundle there and reuse it while every source that went into it is unchanged (checked
   * by content hash at each start, about 20 ms); without it, every call bundles (about 1.5 s of CPU).
   */
  cacheDir?: string;
};

/** The repository root: esbuild's working directory, so the inputs it lists are relative to it. */
const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Where `pos terminal` keeps the built page (`POS_PAGE_CACHE_DIR` overrides it): beside the
 * dependencies, shared by every terminal started from this install.
 */
export const DEFAULT_PAGE_CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'pos-cashier-page');

/** The cache's description of a bundle: what it was built from, to tell whether it is still current. */
type CacheManifest = {
  key: string;
  inputs: { path: string; sha256: string }[];
  /** Each asset's URL path and the cache file holding it (named by its content hash). */
  files: { path: string; file: string }[];
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
  const entry = options.entry ?? CASHIER_ENTRY;
  const title = options.title ?? 'Cashier';
  // Whatever changes the output without changing an input file.
  const key = JSON.stringify({ esbuildVersion, entry, title, build: BUILD_REVISION });
  const cached = options.cacheDir ? readCachedBundle(options.cacheDir, key) : null;
  const bundle = cached ?? (await bundlePage(entry));
  if (options.cacheDir && !cached) writeCachedBundle(options.cacheDir, key, bundle);
  return toBuiltPage(bundle, title, options.outDir);
}

/** Bump when the build options below change, so cached bundles are rebuilt. */
const BUILD_REVISION = 1;

type Bundle = { files: Map<string, Uint8Array>; inputs: string[] };

async function bundlePage(entry: string): Promise<Bundle> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { app: entry },
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
  const files = new Map<string, Uint8Array>();
  for (const file of result.outputFiles) {
    const extension = file.path.split('.').pop() ?? '';
    if (CONTENT_TYPES[extension]) files.set(`/app.${extension}`, file.contents);
  }
  return { files, inputs: Object.keys(result.metafile.inputs) };
}

function sha256Of(path: string): string | null {
  try {
    return createHash('sha256')
      .update(readFileSync(resolve(ROOT, path)))
      .digest('hex');
  } catch {
    return null;
  }
}

/** The cached bundle when it was built with `key` from inputs that are all unchanged, else null. */
function readCachedBundle(cacheDir: string, key: string): Bundle | null {
  try {
    const manifest = JSON.parse(
      readFileSync(join(cacheDir, 'manifest.json'), 'utf8'),
    ) as CacheManifest;
    if (manifest.key !== key) return null;
    if (manifest.inputs.some((input) => sha256Of(input.path) !== input.sha256)) return null;
    const files = new Map<string, Uint8Array>();
    for (const { path, file } of manifest.files)
      files.set(path, readFileSync(join(cacheDir, file)));
    return { files, inputs: manifest.inputs.map((input) => input.path) };
  } catch {
    return null;
  }
}

/**
 * Writes the bundle's files under their content hashes, then the manifest, each to a temporary name
 * renamed into place: daemons starting together never read half a file, and a manifest only names
 * files already written. Once the manifest is in place, the files it no longer names are removed; a
 * daemon that read the old manifest and then misses its file builds the page itself. A cache that
 * cannot be written (a read-only install) only costs the next start a build.
 */
function writeCachedBundle(cacheDir: string, key: string, bundle: Bundle): void {
  try {
    mkdirSync(cacheDir, { recursive: true });
    const writeAtomic = (name: string, body: string | Uint8Array) => {
      const temporary = join(cacheDir, `.${name}.${randomBytes(6).toString('hex')}`);
      writeFileSync(temporary, body);
      renameSync(temporary, join(cacheDir, name));
    };
    const files = [...bundle.files].map(([path, body]) => {
      const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
      const file = path.slice(1).replace(/\.(\w+)$/, `-${hash}.$1`);
      writeAtomic(file, body);
      return { path, file };
    });
    const manifest: CacheManifest = {
      key,
      inputs: bundle.inputs.map((path) => ({ path, sha256: sha256Of(path) ?? '' })),
      files,
    };
    writeAtomic('manifest.json', JSON.stringify(manifest));
    const current = new Set(files.map(({ file }) => file));
    for (const name of readdirSync(cacheDir)) {
      if (/^app-[0-9a-f]{16}\.\w+$/.test(name) && !current.has(name)) rmSync(join(cacheDir, name));
    }
  } catch {
    // Not cached: the page is still served from memory.
  }
}

function toBuiltPage(bundle: Bundle, title: string, outDir: string | undefined): BuiltPage {
  const assets = new Map<string, PageAsset>();
  for (const [path, body] of bundle.files) {
    const type = CONTENT_TYPES[path.split('.').pop() ?? ''];
    if (type) assets.set(path, { path, contentType: type, body });
  }
  const js = assets.get('/app.js')?.body ?? new Uint8Array();
  const hasCss = assets.has('/app.css');
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
    inputs: bundle.inputs,
  };
  if (outDir) {
    mkdirSync(outDir, { recursive: true });
    for (const asset of assets.values()) writeFileSync(join(outDir, asset.path), asset.body);
    writeFileSync(join(outDir, 'index.html'), page.html(''));
  }
  return page;
}
