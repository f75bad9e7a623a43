import type { BookedSale, Cloud } from './cloud.ts';
import type { Fleet } from './fleet.ts';
import type { JournalEntry } from './journal.ts';
import { journalAdjustments, readJournal } from './journal.ts';
import type { TerminalInspection } from './terminal-host-protocol.ts';

/** One invariant's verdict, with the evidence a reader needs to believe it. */
export type InvariantResult = { name: string; pass: boolean; evidence: string };

/** Everything the invariants read, gathered once after the fleet converged. */
export type FleetEvidence = {
  booked: Map<string, BookedSale[]>;
  inspections: TerminalInspection[];
  journals: Map<string, JournalEntry[]>;
};

const sample = (items: readonly unknown[], n = 5) =>
  items.length === 0
    ? ''
    : ` e.g. ${items
        .slice(0, n)
        .map((i) => (typeof i === 'string' ? i : JSON.stringify(i)))
        .join(', ')}`;

const keyOf = (s: { terminalId: string; posId: string; localEventId: number }) =>
  `${s.terminalId}:${s.posId}:${s.localEventId}`;

/** Reads the cloud's bookings, the terminals' own state and the journals. */
export async function gatherEvidence(
  cloud: Cloud,
  fleet: Fleet,
  branches: readonly string[],
): Promise<FleetEvidence> {
  const booked = new Map<string, BookedSale[]>();
  for (const branch of branches) booked.set(branch, await cloud.bookedSales(branch));
  const journals = new Map<string, JournalEntry[]>();
  for (const m of fleet.real) journals.set(m.key, readJournal(m.journalFile!));
  return { booked, inspections: await fleet.inspectReal(), journals };
}

/** Every sale a cashier was told about is booked exactly once, under its own id. */
export function checkAcknowledgedBookedOnce(
  fleet: Fleet,
  evidence: FleetEvidence,
): InvariantResult {
  const byKey = new Map<string, BookedSale[]>();
  let total = 0;
  for (const sales of evidence.booked.values()) {
    for (const sale of sales) {
      total++;
      byKey.set(keyOf(sale), [...(byKey.get(keyOf(sale)) ?? []), sale]);
    }
  }
  const ids = new Set<string>();
  for (const sales of evidence.booked.values()) for (const s of sales) ids.add(s.id);
  const twice = [...byKey.entries()].filter(([, s]) => s.length > 1).map(([k]) => k);
  const acknowledged: { id: string; terminalId: string; posId: string; localEventId: number }[] =
    [];
  for (const m of fleet.members) {
    if (m.kind === 'protocol') acknowledged.push(...m.protocol!.acknowledged);
    else
      for (const e of evidence.journals.get(m.key) ?? []) if (e.k === 'sale') acknowledged.push(e);
  }
  const missing = acknowledged.filter((s) => !byKey.has(keyOf(s))).map(keyOf);
  const otherId = acknowledged
    .filter((s) => byKey.get(keyOf(s))?.some((b) => b.id !== s.id))
    .map(keyOf);
  const pass =
    missing.length === 0 && twice.length === 0 && otherId.length === 0 && ids.size === total;
  return {
    name: 'every acknowledged sale is booked exactly once',
    pass,
    evidence:
      `${acknowledged.length} sales acknowledged to cashiers (journals of real terminals, push answers of protocol terminals); ` +
      `${total} bookings, ${byKey.size} distinct idempotency keys, ${ids.size} distinct sale ids; ` +
      `missing ${missing.length}${sample(missing)}; booked twice ${twice.length}${sample(twice)}; ` +
      `booked under another id ${otherId.length}${sample(otherId)}`,
  };
}

/** Invoice numbers are unique within each branch. */
export function checkInvoicesUnique(evidence: FleetEvidence): InvariantResult {
  const duplicates: string[] = [];
  let total = 0;
  for (const [branch, sales] of evidence.booked) {
    const seen = new Set<number>();
    for (const sale of sales) {
      total++;
      if (seen.has(sale.invoiceNo)) duplicates.push(`${branch}#${sale.invoiceNo}`);
      seen.add(sale.invoiceNo);
    }
  }
  return {
    name: 'invoice numbers are unique per branch',
    pass: duplicates.length === 0,
    evidence: `${total} invoice numbers in ${evidence.booked.size} branches; repeated ${duplicates.length}${sample(duplicates)}`,
  };
}

/** Every terminal's catalog equals its branch view in the cloud (reconcile bucket digests). */
export async function checkCatalogDigests(
  fleet: Fleet,
  evidence: FleetEvidence,
): Promise<InvariantResult> {
  const differing: string[] = [];
  for (const inspection of evidence.inspections) {
    for (const stream of ['products', 'categories'] as const) {
      const buckets = inspection.differingBuckets[stream];
      if (buckets.length > 0)
        differing.push(`${inspection.key}/${stream}: ${buckets.length} buckets`);
    }
  }
  for (const m of fleet.protocol) {
    for (const stream of ['products', 'categories'] as const) {
      const buckets = await m.protocol!.differingBuckets(stream);
      if (buckets.length > 0) differing.push(`${m.key}/${stream}: ${buckets.length} buckets`);
    }
  }
  return {
    name: "every terminal's catalog equals its branch view (digests)",
    pass: differing.length === 0,
    evidence:
      `${fleet.members.length} terminals × 2 streams compared by 1,024 bucket digests each; ` +
      `differing ${differing.length}${sample(differing)}`,
  };
}

/**
 * Which sums of the in-doubt deltas (each committed or not) are possible: every delta counts, and the
 * set holds distinct sums only, so it stays within the range the deltas span (at most the sum of
 * their sizes, plus one), however many are in doubt.
 */
function possibleSums(deltas: readonly number[]): Set<number> {
  let sums = new Set([0]);
  for (const d of deltas) sums = new Set([...sums, ...[...sums].map((s) => s + d)]);
  return sums;
}

/**
 * Inventory equals the sum of every operation: per branch and product, the cloud's on-hand is the sum
 * of the adjustments the terminals' journals hold as done, plus any subset of those a kill left in
 * doubt; every real terminal of the branch shows the cloud's figure.
 */
export async function checkInventory(
  cloud: Cloud,
  fleet: Fleet,
  evidence: FleetEvidence,
): Promise<InvariantResult> {
  const expected = new Map<string, { done: number; inDoubt: number[] }>();
  let operations = 0;
  let inDoubtCount = 0;
  for (const m of fleet.real) {
    const { done, inDoubt } = journalAdjustments(evidence.journals.get(m.key) ?? []);
    operations += done.length;
    inDoubtCount += inDoubt.length;
    for (const op of done) {
      const key = `${m.registered.branchId}/${op.productId}`;
      const entry = expected.get(key) ?? { done: 0, inDoubt: [] };
      entry.done += op.delta;
      expected.set(key, entry);
    }
    for (const op of inDoubt) {
      const key = `${m.registered.branchId}/${op.productId}`;
      const entry = expected.get(key) ?? { done: 0, inDoubt: [] };
      entry.inDoubt.push(op.delta);
      expected.set(key, entry);
    }
  }
  const wrong: string[] = [];
  const terminalsDiffer: string[] = [];
  const branches = new Set(fleet.real.map((m) => m.registered.branchId));
  let rows = 0;
  for (const branch of branches) {
    const reader = fleet.real.find((m) => m.registered.branchId === branch)!;
    const cloudRows = await cloud.branchInventory(reader.registered.token);
    const onHand = new Map<string, number>();
    for (const row of cloudRows.values()) onHand.set(row.productId, row.onHand);
    rows += onHand.size;
    const products = new Set([
      ...onHand.keys(),
      ...[...expected.keys()]
        .filter((k) => k.startsWith(`${branch}/`))
        .map((k) => k.slice(branch.length + 1)),
    ]);
    for (const productId of products) {
      const want = expected.get(`${branch}/${productId}`) ?? { done: 0, inDoubt: [] };
      const got = onHand.get(productId) ?? 0;
      if (!possibleSums(want.inDoubt).has(got - want.done)) {
        wrong.push(
          `${branch}/${productId}: cloud ${got}, operations ${want.done}${want.inDoubt.length ? ` ± ${want.inDoubt.join(',')}` : ''}`,
        );
      }
    }
    for (const inspection of evidence.inspections.filter((i) => i.branchId === branch)) {
      for (const [productId, value] of onHand) {
        if ((inspection.onHand[productId] ?? 0) !== value) {
          terminalsDiffer.push(
            `${inspection.key}/${productId}: ${inspection.onHand[productId]} vs cloud ${value}`,
          );
        }
      }
    }
  }
  return {
    name: 'inventory equals the sum of all operations',
    pass: wrong.length === 0 && terminalsDiffer.length === 0,
    evidence:
      `${operations} adjustments journaled as done (${inDoubtCount} in doubt after kills) over ${rows} inventory rows in ${branches.size} branches; ` +
      `cloud ≠ operations ${wrong.length}${sample(wrong)}; terminal ≠ cloud ${terminalsDiffer.length}${sample(terminalsDiffer)}`,
  };
}

/** Products the simulation restricts to one branch are named `only-<branch>-<n>`. */
export function isBranchOnly(productId: string, branchId?: string): boolean {
  return productId.startsWith(branchId === undefined ? 'only-' : `only-${branchId}-`);
}

/** No sale or inventory row crossed a branch, in the cloud or on a terminal. */
export function checkBranchIsolation(fleet: Fleet, evidence: FleetEvidence): InvariantResult {
  const branchOf = new Map(
    fleet.members.map((m) => [m.registered.terminalId, m.registered.branchId]),
  );
  const crossed: string[] = [];
  for (const [branch, sales] of evidence.booked) {
    for (const sale of sales) {
      if (sale.branchId !== branch || branchOf.get(sale.terminalId) !== branch) {
        crossed.push(`sale ${sale.id} of ${sale.terminalId} in ${branch}`);
      }
    }
  }
  for (const inspection of evidence.inspections) {
    const member = fleet.member(inspection.key);
    if (inspection.branchId !== member.registered.branchId)
      crossed.push(`${inspection.key} thinks it is in ${inspection.branchId}`);
    if (inspection.foreignSales > 0)
      crossed.push(`${inspection.key}: ${inspection.foreignSales} foreign sales`);
    if (inspection.foreignInventory > 0)
      crossed.push(`${inspection.key}: ${inspection.foreignInventory} foreign inventory rows`);
  }
  for (const m of fleet.protocol) {
    for (const product of m.protocol!.catalog.products.values()) {
      if (isBranchOnly(product.id) && !isBranchOnly(product.id, m.registered.branchId)) {
        crossed.push(`${m.key} holds ${product.id}`);
      }
    }
  }
  const bookings = [...evidence.booked.values()].reduce((n, s) => n + s.length, 0);
  return {
    name: 'no row crossed a branch',
    pass: crossed.length === 0,
    evidence:
      `${bookings} bookings checked against their terminal's branch; ${evidence.inspections.length} real terminals' ` +
      `sales and inventory rows and every protocol terminal's products checked; crossed ${crossed.length}${sample(crossed)}`,
  };
}

/** No queue is left non-empty without a reason (offline, halted), and no sale was refused. */
export async function checkQueues(fleet: Fleet, evidence: FleetEvidence): Promise<InvariantResult> {
  const unexplained: string[] = [];
  const explained: string[] = [];
  let attention = 0;
  for (const inspection of evidence.inspections) {
    attention += inspection.status.needsAttention;
    if (inspection.status.queued > 0) {
      (inspection.queueReason && inspection.queueReason !== 'online with sales still queued'
        ? explained
        : unexplained
      ).push(`${inspection.key}: ${inspection.status.queued} queued (${inspection.queueReason})`);
    }
  }
  for (const m of fleet.protocol) {
    const p = m.protocol!.progress();
    attention += m.protocol!.refused.length;
    if (p.queued > 0)
      (p.online ? unexplained : explained).push(
        `${m.key}: ${p.queued} queued (${p.online ? 'online' : 'offline'})`,
      );
  }
  const refused = fleet.protocol.flatMap((m) =>
    m.protocol!.refused.map((r) => `${m.key}/${r.sale.localEventId}: ${r.code}`),
  );
  return {
    name: 'no queue left non-empty without a reason',
    pass: unexplained.length === 0 && attention === 0,
    evidence:
      `${fleet.members.length} queues; non-empty without a reason ${unexplained.length}${sample(unexplained)}; ` +
      `with a reason ${explained.length}${sample(explained)}; needs_attention ${attention}${sample(refused)}`,
  };
}

/** Every invariant, in the order of the report. */
export async function checkInvariants(
  cloud: Cloud,
  fleet: Fleet,
  branches: readonly string[],
): Promise<InvariantResult[]> {
  const evidence = await gatherEvidence(cloud, fleet, branches);
  return [
    checkAcknowledgedBookedOnce(fleet, evidence),
    checkInvoicesUnique(evidence),
    await checkCatalogDigests(fleet, evidence),
    await checkInventory(cloud, fleet, evidence),
    checkBranchIsolation(fleet, evidence),
    await checkQueues(fleet, evidence),
  ];
}
