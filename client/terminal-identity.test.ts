import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncRequestError } from './graphql-client.ts';
import { openTerminal } from './open-terminal.ts';
import type { CloudProcess } from './test-support/cloud-process.ts';
import {
  CloudProcess as Cloud,
  freePort,
  productInput,
  removeDir,
  tempDir,
} from './test-support/cloud-process.ts';
import { retryIdentityCheck } from './terminal-identity.ts';
import { FAST_SYNC, openTestTerminal, syncWithin } from './test-support/terminal-fixtures.ts';

const cashSale = (productId: string) => ({
  lines: [{ productId, quantity: 1 }],
  payments: [{ method: 'cash' as const, amountMinor: 100_000 }],
});

describe('terminal identity comes from the token (currentTerminal)', () => {
  let cloud: CloudProcess;
  const dirs: string[] = [];
  const newDir = () => {
    const dir = tempDir('pos-terminal-');
    dirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    cloud = await Cloud.start();
    await cloud.createBranch('b-eur', 'EUR');
    await cloud.upsertProducts([productInput(1), productInput(2)]);
  });

  afterAll(async () => {
    await cloud?.destroy();
    for (const dir of dirs) removeDir(dir);
  });

  it('learns terminal id, branch and currency on the first run and keeps them across an offline restart', async () => {
    const registered = await cloud.registerTerminal('b-eur');
    const dataDir = newDir();
    let terminal = await openTestTerminal(cloud, registered, { dataDir });
    const posId = terminal.identity.posId;
    try {
      expect(terminal.identity).toMatchObject({
        terminalId: registered.terminalId,
        branchId: 'b-eur',
        tenantId: 'default',
        currency: 'EUR',
      });
      await syncWithin(terminal);
      const sale = await terminal.sell(cashSale('p-1'));
      expect(sale).toMatchObject({
        terminalId: registered.terminalId,
        branchId: 'b-eur',
        currency: 'EUR',
      });
      await syncWithin(terminal);
      expect(await terminal.status()).toMatchObject({
        terminalId: registered.terminalId,
        branchId: 'b-eur',
        synced: 1,
      });
    } finally {
      await terminal.close();
    }

    // Later runs open from the stored identity, with the cloud down.
    const url = cloud.url;
    await cloud.stop();
    try {
      terminal = await openTerminal({
        dataDir,
        serverUrl: url,
        token: registered.token,
        ...FAST_SYNC,
        firstContactTimeoutMs: 0,
      });
      expect(terminal.identity).toMatchObject({
        posId,
        terminalId: registered.terminalId,
        branchId: 'b-eur',
      });
      expect((await terminal.sell(cashSale('p-2'))).localEventId).toBe(2);
      await terminal.close();
    } finally {
      await cloud.start();
    }
    terminal = await openTestTerminal(cloud, registered, { dataDir });
    try {
      await syncWithin(terminal);
      expect((await cloud.bookedSales('b-eur')).filter((s) => s.posId === posId).length).toBe(2);
    } finally {
      await terminal.close();
    }
  });

  it('fails the first run with POS_SYNC_OFFLINE when the cloud cannot be reached, and stores nothing', async () => {
    const registered = await cloud.registerTerminal('b-eur');
    const dataDir = newDir();
    const silent = `http://127.0.0.1:${await freePort()}/graphql`;
    const started = Date.now();
    await expect(
      openTerminal({
        dataDir,
        serverUrl: silent,
        token: registered.token,
        ...FAST_SYNC,
        firstContactTimeoutMs: 400,
      }),
    ).rejects.toMatchObject({ code: 'POS_SYNC_OFFLINE' });
    expect(Date.now() - started).toBeLessThan(5_000);
    // Nothing was half made: the same dir opens normally once the cloud is reachable.
    const terminal = await openTestTerminal(cloud, registered, { dataDir });
    try {
      expect(terminal.identity.terminalId).toBe(registered.terminalId);
      await syncWithin(terminal);
      expect(await terminal.db.products.count().exec()).toBe(2);
    } finally {
      await terminal.close();
    }
  });

  it('fails the first run with the cloud code for an unknown or revoked token', async () => {
    await expect(
      openTerminal({
        dataDir: newDir(),
        serverUrl: cloud.url,
        token: 'not-a-registered-token',
        ...FAST_SYNC,
      }),
    ).rejects.toMatchObject({ code: 'POS_SYNC_UNAUTHORIZED' });
    const registered = await cloud.registerTerminal('b-eur');
    await cloud.gql('mutation ($id: String!) { revokeTerminal(terminalId: $id) { revokedAt } }', {
      id: registered.terminalId,
    });
    await expect(openTestTerminal(cloud, registered, { dataDir: newDir() })).rejects.toMatchObject({
      code: 'POS_TERMINAL_REVOKED',
    });
  });

  it("adopts another terminal's token on the same data dir: new terminal id, same posId and catalog", async () => {
    const first = await cloud.registerTerminal('b-eur');
    const second = await cloud.registerTerminal('b-eur');
    const dataDir = newDir();
    let terminal = await openTestTerminal(cloud, first, { dataDir });
    await syncWithin(terminal);
    await terminal.sell(cashSale('p-1'));
    await syncWithin(terminal);
    const posId = terminal.identity.posId;
    await terminal.close();

    terminal = await openTestTerminal(cloud, second, { dataDir });
    try {
      await syncWithin(terminal);
      expect(terminal.identity).toMatchObject({ posId, terminalId: second.terminalId });
      expect(await terminal.db.products.count().exec()).toBe(2);
      const sale = await terminal.sell(cashSale('p-2'));
      expect(sale).toMatchObject({ terminalId: second.terminalId, localEventId: 2 });
      await syncWithin(terminal);
      expect((await terminal.db.sales.findOne(sale.id).exec(true)).syncState).toBe('synced');
      const booked = (await cloud.bookedSales('b-eur')).filter((s) => s.posId === posId);
      expect(booked.map((s) => [s.terminalId, s.localEventId])).toEqual([
        [first.terminalId, 1],
        [second.terminalId, 2],
      ]);
    } finally {
      await terminal.close();
    }
  });
});

describe('retryIdentityCheck', () => {
  it('retries with the backoff, the cloud hint as its floor, until the check succeeds', async () => {
    const failures = [
      new SyncRequestError('slow down', 'POS_SYNC_RATE_LIMITED', 7),
      new Error('connection refused'),
    ];
    const asked: [number, number | undefined][] = [];
    const seen: [unknown, number, number][] = [];
    const answer = await retryIdentityCheck(
      async () => {
        const failure = failures.shift();
        if (failure) throw failure;
        return 'scope';
      },
      {
        backoff: (attempt, retryAfterMs) => {
          asked.push([attempt, retryAfterMs]);
          return attempt;
        },
        onFailure: (error, attempt, waitMs) => seen.push([error, attempt, waitMs]),
      },
    );
    expect(answer).toBe('scope');
    expect(asked).toEqual([
      [1, 7],
      [2, undefined],
    ]);
    expect(
      seen.map(([error, attempt, waitMs]) => [(error as Error).message, attempt, waitMs]),
    ).toEqual([
      ['slow down', 1, 1],
      ['connection refused', 2, 2],
    ]);
  });

  it('gives up with what onFailure throws, and when the signal aborts the wait', async () => {
    const refused = new Error('refused');
    await expect(
      retryIdentityCheck(() => Promise.reject(new Error('down')), {
        backoff: () => 1,
        onFailure: () => {
          throw refused;
        },
      }),
    ).rejects.toBe(refused);
    const stopping = new AbortController();
    const waiting = retryIdentityCheck(() => Promise.reject(new Error('down')), {
      backoff: () => 60_000,
      onFailure: () => stopping.abort(),
      signal: stopping.signal,
    });
    await expect(waiting).rejects.toThrow(/abort/i);
  });
});
