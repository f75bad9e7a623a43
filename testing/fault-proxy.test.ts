import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy } from './fault-proxy.ts';

describe('FaultProxy', () => {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.end('pong');
  });
  let proxy: FaultProxy;
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    proxy = await FaultProxy.start((server.address() as AddressInfo).port);
  });
  afterAll(async () => {
    await proxy.close();
    await new Promise((r) => server.close(r));
  });
  // POST: undici retries an idempotent request on a reset connection, which would hide the fault.
  const get = (timeoutMs = 5_000) =>
    fetch(`http://127.0.0.1:${proxy.port}/`, {
      method: 'POST',
      body: 'ping',
      signal: AbortSignal.timeout(timeoutMs),
    }).then((r) => r.text());

  it('forwards in pass mode', async () => {
    expect(await get()).toBe('pong');
  });

  it('refuses connections in drop mode and forwards again after healing', async () => {
    proxy.setMode('drop');
    await expect(get()).rejects.toThrow();
    proxy.setMode('pass');
    expect(await get()).toBe('pong');
  });

  it('holds a request in stall mode until healing closes it', async () => {
    proxy.setMode('stall');
    const before = hits;
    const pending = get(30_000).then(
      () => 'answered',
      () => 'failed',
    );
    // The request is held: the proxy has its bytes, the server never saw it.
    const withheld = proxy.withheldBytes;
    await expect.poll(() => proxy.withheldBytes, { timeout: 5_000 }).toBeGreaterThan(withheld);
    expect(hits).toBe(before);
    proxy.setMode('pass');
    expect(await pending).toBe('failed');
    expect(await get()).toBe('pong');
  });

  it('delivers the request but holds the reply in hold-replies mode until healing closes it', async () => {
    proxy.setMode('hold-replies');
    const before = hits;
    const held = proxy.whenWithheld('pong', 5_000);
    const pending = get(30_000).then(
      () => 'answered',
      () => 'failed',
    );
    // The server answered; the proxy has the answer and the client still waits for it.
    await held;
    expect(hits).toBe(before + 1);
    proxy.setMode('pass');
    expect(await pending).toBe('failed');
    expect(await get()).toBe('pong');
  });

  it('delivers the request but loses the reply in lose-replies mode', async () => {
    proxy.setMode('lose-replies');
    const before = hits;
    await expect(get()).rejects.toThrow();
    expect(hits).toBe(before + 1);
    proxy.setMode('pass');
  });
});
