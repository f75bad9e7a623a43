import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, vi } from 'vitest';
import type { Sale } from '../../schema/index.ts';
import type { Terminal } from '../terminal.ts';
import type { TerminalOptions } from '../terminal-options.ts';
import type { CloudProcess } from './cloud-process.ts';
import { tempDir } from './cloud-process.ts';
import { openTestTerminal, syncWithin } from './terminal-fixtures.ts';

/**
 * The real fetch, taken before any test spies on it. A watcher must never wrap another watcher's spy:
 * when a test that timed out under load has not yet stopped its watcher, the next one would take that
 * spy for the real fetch and call itself forever.
 */
const REAL_FETCH = globalThis.fetch;

/** A sale of one product, paid in cash with room to spare. */
export const sale = (productId: string, quantity = 1) => ({
  lines: [{ productId, quantity }],
  payments: [{ method: 'cash' as const, amountMinor: 100_000 }],
});

/** The terminal's stored copy of a sale. */
export async function localSale(terminal: Terminal, id: string): Promise<Sale> {
  return (await terminal.db.sales.findOne(id).exec(true)).toJSON() as Sale;
}

/**
 * A terminal of `branchId` with the catalog synced, reopened with `autoStart: false`: what it sells
 * stays queued until `start()`. Returns its token too, for a worker of its own.
 */
export async function openOfflineTerminal(
  cloud: CloudProcess,
  branchId: string,
  dirs: string[],
  options: Partial<TerminalOptions> = {},
): Promise<{ terminal: Terminal; token: string }> {
  const registered = await cloud.registerTerminal(branchId);
  const dataDir = tempDir('pos-terminal-');
  dirs.push(dataDir);
  const first = await openTestTerminal(cloud, registered, { dataDir });
  await syncWithin(first);
  await first.close();
  const terminal = await openTestTerminal(cloud, registered, {
    dataDir,
    autoStart: false,
    ...options,
  });
  return { terminal, token: registered.token };
}

/** Runs SQL on the cloud's own SQLite file, next to the running cloud. */
function onCloudFile(cloud: CloudProcess, sql: string): void {
  const db = new Database(join(cloud.dataDir, 'cloud.sqlite'));
  try {
    db.pragma('busy_timeout = 5000');
    db.exec(sql);
  } finally {
    db.close();
  }
}

const bookingTrigger = (saleId: string) => `fail_booking_${saleId.replaceAll('-', '_')}`;

/**
 * A real storage fault confined to one sale: a trigger in the cloud's own SQLite file aborts the
 * insert of that sale's booked row, so every push carrying it fails with POS_SYNC_STORAGE_FAILED
 * (retryable) while pushes of other sales commit.
 */
export function failBookingOf(cloud: CloudProcess, saleId: string): void {
  // A UUIDv7 from the terminal; DDL takes no bound parameters.
  expect(saleId).toMatch(/^[0-9a-f-]{36}$/);
  onCloudFile(
    cloud,
    `CREATE TRIGGER ${bookingTrigger(saleId)} BEFORE INSERT ON sales WHEN NEW.id = '${saleId}'
      BEGIN SELECT RAISE(ABORT, 'injected storage fault'); END`,
  );
}

/** Removes the fault `failBookingOf` put in place. */
export function repairBookingOf(cloud: CloudProcess, saleId: string): void {
  onCloudFile(cloud, `DROP TRIGGER ${bookingTrigger(saleId)}`);
}

/**
 * A real outage of the cloud's storage for sales: every booking insert aborts; with `terminalId` and
 * `afterBooked`, only once that terminal has that many sales booked (a disk filling up mid-flush).
 */
export function startBookingOutage(
  cloud: CloudProcess,
  from?: { terminalId: string; afterBooked: number },
): void {
  let when = '';
  if (from) {
    expect(from.terminalId).toMatch(/^[0-9A-Za-z_-]+$/);
    when = `WHEN (SELECT count(*) FROM sales WHERE terminal_id = '${from.terminalId}')
      >= ${Math.trunc(from.afterBooked)}`;
  }
  onCloudFile(
    cloud,
    `CREATE TRIGGER booking_outage BEFORE INSERT ON sales ${when}
      BEGIN SELECT RAISE(ABORT, 'injected storage outage'); END`,
  );
}

/** Ends the outage `startBookingOutage` started. */
export function endBookingOutage(cloud: CloudProcess): void {
  onCloudFile(cloud, 'DROP TRIGGER booking_outage');
}

/** One `pushSales` request as it went to the cloud and came back. */
export type PushCall = {
  saleIds: string[];
  sentAt: number;
  /** NaN until answered. */
  answeredAt: number;
  /** The answer's error code: null when it went through, undefined until answered. */
  code: string | null | undefined;
  retryAfterMs: number | null;
};

/**
 * Watches the `pushSales` requests of this process on their way to the real cloud (requests and
 * answers pass through unchanged).
 */
export function watchPushes(): { calls: PushCall[]; stop(): void } {
  const calls: PushCall[] = [];
  const realFetch = REAL_FETCH;
  const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    let body: { operationName?: unknown; variables?: any } = {};
    try {
      body = (await request.clone().json()) as typeof body;
    } catch {
      // Not a JSON body: not a push.
    }
    if (body.operationName !== 'pushSales') return realFetch(request);
    const call: PushCall = {
      saleIds: (body.variables.rows as { newDocumentState: Sale }[]).map(
        (row) => row.newDocumentState.id,
      ),
      sentAt: Date.now(),
      answeredAt: Number.NaN,
      code: undefined,
      retryAfterMs: null,
    };
    calls.push(call);
    const response = await realFetch(request);
    const answer = (await response.clone().json()) as {
      errors?: { extensions?: { code?: string; retryAfterMs?: number } }[];
    };
    const extensions = answer.errors?.[0]?.extensions;
    call.answeredAt = Date.now();
    call.code = extensions?.code ?? null;
    call.retryAfterMs = extensions?.retryAfterMs ?? null;
    return response;
  });
  return { calls, stop: () => spy.mockRestore() };
}

/** The highest `syncAttempts` each sale of the terminal ever had, from its change events. */
export function watchAttempts(terminal: Terminal): { most(id: string): number; stop(): void } {
  const most = new Map<string, number>();
  const subscription = terminal.db.sales.$.subscribe((event) => {
    const { id, syncAttempts } = event.documentData as Sale;
    most.set(id, Math.max(most.get(id) ?? 0, syncAttempts));
  });
  return { most: (id) => most.get(id) ?? 0, stop: () => subscription.unsubscribe() };
}
