import { describe, expect, test } from 'vitest';
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
});
