/**
 * A child process running up to two real terminals (RxDB's open-source build allows 13 open
 * collections per process), driven by its parent over IPC (`terminal-host-protocol.ts`). Each
 * terminal sells and adjusts inventory from its local catalog and journals what its cashier was told,
 * so the parent can check every acknowledged sale after this process is SIGKILLed.
 */
import { randomUUID } from 'node:crypto';
import type { Terminal } from '../client/index.ts';
import { openTerminal } from '../client/index.ts';
import {
  CATALOG_STREAM_ENUM,
  RECONCILE_BUCKET_COUNT,
  RECONCILE_CATALOG_DOCUMENT,
  computeBucketDigests,
  contentHash,
} from '../replication/index.ts';
import { branchViewOfStored } from '../schema/index.ts';
import { appendJournal } from './journal.ts';
import { createRandom, realNow } from './random.ts';
import type {
  HostCommand,
  HostEvent,
  HostWorkload,
  HostedTerminalSpec,
  TerminalInspection,
  TerminalProgress,
} from './terminal-host-protocol.ts';
import { changeOfPrice } from './terminal-host-protocol.ts';

/** The clock skew of this "machine": every `Date` of the process, as a skewed system clock would. */
let skewMs = 0;
const SystemDate = Date;
class SkewedDate extends SystemDate {
  constructor(...args: unknown[]) {
    if (args.length === 0) super(SystemDate.now() + skewMs);
    else super(...(args as [string]));
  }
  static override now(): number {
    return SystemDate.now() + skewMs;
  }
}
globalThis.Date = SkewedDate as DateConstructor;

type Hosted = { spec: HostedTerminalSpec; terminal: Terminal; changeSeen: number; sold: number };
const hosted: Hosted[] = [];
let selling = false;
let workload: HostWorkload = { sellEveryMs: 0, adjustEvery: 0, seed: 1 };

function send(event: HostEvent): void {
  process.send?.(event);
}

async function open(specs: HostedTerminalSpec[]): Promise<void> {
  for (const spec of specs) {
    const terminal = await openTerminal({
      dataDir: spec.dataDir,
      serverUrl: spec.serverUrl,
      token: spec.token,
      logLevel: 'silent',
      backoffBaseMs: 50,
      backoffCapMs: 1_000,
      firstContactTimeoutMs: 2_147_483_647,
    });
    const entry: Hosted = { spec, terminal, changeSeen: 0, sold: 0 };
    hosted.push(entry);
    terminal.db.products.$.subscribe((event) => {
      const change = changeOfPrice(
        (event.documentData as { priceMinor?: number })?.priceMinor ?? 0,
      );
      if (change > entry.changeSeen) {
        entry.changeSeen = change;
        send({ type: 'arrival', key: spec.key, change, at: realNow() });
      }
    });
  }
  await Promise.all(hosted.map((h) => h.terminal.catalogReady()));
  for (const h of hosted) {
    const newest = await h.terminal.db.sales.findOne({ sort: [{ localEventId: 'desc' }] }).exec();
    h.sold = newest?.localEventId ?? 0;
    for (const product of await h.terminal.db.products.find().exec()) {
      h.changeSeen = Math.max(h.changeSeen, changeOfPrice(product.priceMinor));
    }
  }
}

async function runWorkload(h: Hosted, index: number): Promise<void> {
  // Seeded per terminal; after a restart the sales already made move the sequence on, so a killed
  // terminal does not replay the choices it made before the kill.
  const random = createRandom(workload.seed * 7919 + index * 104_729 + h.sold);
  for (let step = 1; ; step++) {
    await new Promise((r) => setTimeout(r, workload.sellEveryMs * (0.5 + random.next())));
    if (!selling) {
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    const products = await h.terminal.db.products
      .find({ selector: { active: true }, limit: 50 })
      .exec();
    if (products.length === 0) continue;
    const lines = Array.from({ length: random.int(1, 3) }, () => ({
      productId: random.pick(products).id,
      quantity: random.int(1, 3),
    }));
    const sale = await h.terminal.sell({
      lines,
      payments: [{ method: 'cash', amountMinor: 1e12 }],
    });
    h.sold = sale.localEventId;
    appendJournal(h.spec.journalFile, {
      k: 'sale',
      id: sale.id,
      terminalId: sale.terminalId,
      posId: sale.posId,
      localEventId: sale.localEventId,
      branchId: sale.branchId,
      totalMinor: sale.totals.totalMinor,
    });
    if (workload.adjustEvery > 0 && step % workload.adjustEvery === 0) {
      const n = randomUUID();
      const productId = random.pick(products).id;
      const delta = random.int(-3, 6) || 1;
      appendJournal(h.spec.journalFile, { k: 'adjust', n, productId, delta });
      await h.terminal.adjustInventory(productId, delta, delta > 0 ? 'receiving' : 'shrinkage');
      appendJournal(h.spec.journalFile, { k: 'adjusted', n });
    }
  }
}

async function progressOf(h: Hosted): Promise<TerminalProgress> {
  const status = await h.terminal.status();
  const oldestQueued = await h.terminal.db.sales
    .findOne({ selector: { syncState: 'queued' }, sort: [{ localEventId: 'asc' }] })
    .exec();
  return {
    key: h.spec.key,
    sold: h.sold,
    ackedThrough: oldestQueued ? oldestQueued.localEventId - 1 : h.sold,
    changeSeen: h.changeSeen,
    online: status.online,
    queued: status.queued,
    needsAttention: status.needsAttention,
    halted: status.halted,
  };
}

async function differingBuckets(h: Hosted, stream: 'products' | 'categories'): Promise<number[]> {
  const docs = await h.terminal.db[stream].find().exec();
  // The branch view the cloud hashes: a stored product's `nameKey` is the terminal's own.
  const viewOf: (doc: any) => object = stream === 'products' ? branchViewOfStored : (doc) => doc;
  const digests = computeBucketDigests(
    docs.map((doc) => ({ id: doc.primary, hash: contentHash(viewOf(doc.toJSON())) })),
    RECONCILE_BUCKET_COUNT,
  );
  const response = await fetch(h.spec.serverUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${h.spec.token}` },
    body: JSON.stringify({
      query: RECONCILE_CATALOG_DOCUMENT,
      variables: {
        stream: CATALOG_STREAM_ENUM[stream],
        bucketCount: RECONCILE_BUCKET_COUNT,
        digests,
      },
    }),
  });
  const body = (await response.json()) as any;
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data.reconcileCatalog.differingBuckets;
}

async function inspect(h: Hosted): Promise<TerminalInspection> {
  const status = await h.terminal.status();
  const progress = await progressOf(h);
  const sales = await h.terminal.db.sales.find().exec();
  const inventory = await h.terminal.db.inventory.find().exec();
  const onHand: Record<string, number> = {};
  for (const row of inventory)
    if (row.branchId === status.branchId) onHand[row.productId] = row.onHand;
  const queueReason =
    status.queued === 0
      ? null
      : status.halted
        ? `halted: ${status.halted}`
        : status.online
          ? 'online with sales still queued'
          : 'offline';
  return {
    key: h.spec.key,
    terminalId: status.terminalId,
    branchId: status.branchId,
    posId: status.posId,
    differingBuckets: {
      products: await differingBuckets(h, 'products'),
      categories: await differingBuckets(h, 'categories'),
    },
    products: status.catalog.products,
    foreignSales: sales.filter(
      (s) => s.branchId !== status.branchId || s.terminalId !== status.terminalId,
    ).length,
    foreignInventory: inventory.filter((row) => row.branchId !== status.branchId).length,
    onHand,
    status: progress,
    queueReason,
  };
}

async function syncAll(timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(hosted.map((h) => h.terminal.awaitInSync())),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not in sync after ${timeoutMs} ms`)), timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
}

process.on('message', (command: HostCommand) => {
  void (async () => {
    switch (command.type) {
      case 'open':
        skewMs = command.clockSkewMs;
        workload = command.workload;
        try {
          await open(command.terminals);
        } catch (error) {
          send({ type: 'failed', message: (error as Error).stack ?? String(error) });
          return;
        }
        hosted.forEach(
          (h, i) =>
            void runWorkload(h, i).catch((error) =>
              send({ type: 'failed', message: String(error) }),
            ),
        );
        send({ type: 'ready' });
        return;
      case 'skew':
        skewMs = command.ms;
        return;
      case 'workload':
        selling = command.selling;
        return;
      case 'progress':
        send({
          type: 'progress',
          id: command.id,
          progress: await Promise.all(hosted.map(progressOf)),
        });
        return;
      case 'sync':
        try {
          await syncAll(command.timeoutMs);
          send({ type: 'synced', id: command.id, ok: true });
        } catch (error) {
          send({ type: 'synced', id: command.id, ok: false, message: (error as Error).message });
        }
        return;
      case 'inspect':
        send({
          type: 'inspected',
          id: command.id,
          inspections: await Promise.all(hosted.map(inspect)),
        });
        return;
      case 'close':
        selling = false;
        await Promise.all(hosted.map((h) => h.terminal.close()));
        process.exit(0);
    }
  })();
});
process.on('disconnect', () => process.exit(0));
