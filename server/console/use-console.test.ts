import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../test-fixtures.ts';
import { removeDataDir, startTestServer } from '../test-fixtures.ts';
import { parseServerConfig } from '../config.ts';

describe('the console is served at /console', () => {
  let on: TestServer;
  let off: TestServer;
  beforeAll(async () => {
    on = await startTestServer();
    off = await startTestServer({ config: { console: false } });
  });
  afterAll(async () => {
    for (const t of [on, off]) {
      await t.stop();
      removeDataDir(t.dataDir);
    }
  });
  const base = (t: TestServer) => t.server.url.replace(/\/graphql$/, '');

  it('serves the page and its bundle without a token, under a strict content security policy', async () => {
    const page = await fetch(`${base(on)}/console`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/console/app.js"></script>');
    const js = await fetch(`${base(on)}/console/app.js`, {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await js.text()).length).toBeGreaterThan(10_000);
    expect((await fetch(`${base(on)}/console/../graphql`)).status).not.toBe(500);
    expect((await fetch(`${base(on)}/console/nope.js`)).status).toBe(404);
    expect((await fetch(`${base(on)}/console`, { method: 'POST' })).status).toBe(405);
  });

  it('is not served when turned off (POS_CONSOLE=false, --no-console)', async () => {
    expect((await fetch(`${base(off)}/console`)).status).toBe(404);
    expect(parseServerConfig({}, { POS_CONSOLE: 'false' }).console).toBe(false);
    expect(parseServerConfig({}, {}).console).toBe(true);
  });
});
