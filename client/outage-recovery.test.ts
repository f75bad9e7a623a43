import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudProcess } from './test-support/cloud-process.ts';
import { CloudProcess as Cloud, productInput } from './test-support/cloud-process.ts';
import {
  eventually,
  openTestTerminal,
  syncWithin,
  waitForStatus,
} from './test-support/terminal-fixtures.ts';
import type { Terminal } from './terminal.ts';

describe('a terminal after a cloud outage', () => {
  let cloud: CloudProcess;
  let terminal: Terminal;

  beforeAll(async () => {
    cloud = await Cloud.start();
    await cloud.createBranch('b-1');
    await cloud.upsertProducts(Array.from({ length: 5 }, (_, i) => productInput(i)));
    // Backoffs of a minute: the stream's reconnect wait after the outage is anywhere in [0, 60 s),
    // so only the cloud's answer to another request can bring the deltas back within seconds.
    terminal = await openTestTerminal(cloud, await cloud.registerTerminal('b-1'), {
      backoffBaseMs: 60_000,
      backoffCapMs: 60_000,
    });
    await syncWithin(terminal);
  });

  afterAll(async () => {
    await terminal?.close();
    await cloud?.destroy();
  });

  it('reconnects the stream as soon as a request reaches the cloud again, not after its backoff', async () => {
    await cloud.stop();
    await waitForStatus(terminal, (status) => !status.online);
    await cloud.start();
    // Any request that goes through (here over HTTP, the stream being down) ends the outage.
    await terminal.reconcile();
    await waitForStatus(terminal, (status) => status.online);

    await cloud.upsertProducts([productInput(1, { priceMinor: 4242 })]);
    // Only a hint on the reconnected stream pulls this change: nothing else pulls the catalog.
    await eventually(
      async () => (await terminal.db.products.findOne('p-1').exec())?.priceMinor === 4242,
      8_000,
    );
    expect((await terminal.status()).online).toBe(true);
  }, 60_000);
});
