import { removeDir } from './cloud.ts';
import { Cloud, productInput } from './cloud.ts';
import type { Fault, FaultKind } from './fault-schedule.ts';
import { planFaults } from './fault-schedule.ts';
import { Fleet } from './fleet.ts';
import type { InvariantResult } from './invariants.ts';
import { checkInvariants } from './invariants.ts';
import { createRandom, realNow } from './random.ts';
import { CHANGE_PRICE_BASE } from './terminal-host-protocol.ts';
import type { TerminalProgress } from './terminal-host-protocol.ts';

export type SimulationOptions = {
  terminals: number;
  /** Real terminals among them (the full engine, two per child process). */
  realTerminals: number;
  branches: number;
  durationMs: number;
  faults: readonly FaultKind[];
  seed: number;
  /** Catalog size (products carried by every branch; each branch also gets a few of its own). */
  products?: number;
  /** Pause between two sales of one terminal, ms. */
  sellEveryMs?: number;
  /** Pause between two admin price changes, ms. */
  changeEveryMs?: number;
  /** How long the fleet may take to converge at the end before the run fails. */
  convergeTimeoutMs?: number;
  /** Progress sampling period, ms. */
  sampleEveryMs?: number;
  onSample?: (sample: Sample, run: RunningState) => void;
  onFault?: (fault: Fault, phase: 'inject' | 'heal') => void;
  /** Called once with the schedule, before the workload starts. */
  onSchedule?: (faults: readonly Fault[]) => void;
};

/** One progress sample of the whole fleet. */
export type Sample = {
  /** ms since the start of the workload. */
  t: number;
  online: number;
  sold: number;
  acked: number;
  /** Queue depth per terminal key. */
  queues: Record<string, number>;
};

/** A fault as it happened, with when the terminals it hit had converged again. */
export type FaultRecord = Fault & {
  injectedAt: number | null;
  healedAt: number | null;
  /** ms after the heal until the terminals it hit had every earlier sale answered and change pulled. */
  convergedMs: number | null;
  affected: string[];
  /** Per affected terminal: sold and newest admin change at the heal. */
  targets?: Record<string, { sold: number }>;
  changeAtHeal?: number;
};

export type RunningState = { faultsInjected: number; faultsHealed: number; changes: number };

export type SimulationResult = {
  options: Omit<SimulationOptions, 'onSample' | 'onFault' | 'onSchedule'>;
  startedAt: string;
  workloadMs: number;
  samples: Sample[];
  faults: FaultRecord[];
  /** Delta latencies: admin change sent → seen in a terminal's catalog. */
  deltas: { t: number; ms: number; key: string }[];
  convergence: { ok: boolean; message: string; afterLastHealMs: number | null; waitedMs: number };
  invariants: InvariantResult[];
  passed: boolean;
  totals: { sold: number; acked: number; changes: number; duplicatesSent: number };
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs a fleet against a cloud under a seeded fault schedule and checks the invariants at the end.
 * Starts its own cloud on the embedded store (in a temp dir, removed afterwards).
 */
/**
 * The `pos simulate` command that runs the same fleet, workload and fault schedule again: every
 * option the seeded schedule and the workload depend on.
 */
export function replayCommand(options: SimulationResult['options']): string {
  return [
    'pos simulate',
    `--terminals ${options.terminals}`,
    `--real ${options.realTerminals}`,
    `--branches ${options.branches}`,
    `--duration ${Math.round(options.durationMs / 1000)}s`,
    `--faults ${options.faults.length > 0 ? options.faults.join(',') : 'none'}`,
    ...(options.products === undefined ? [] : [`--products ${options.products}`]),
    ...(options.sellEveryMs === undefined ? [] : [`--sell-every-ms ${options.sellEveryMs}`]),
    ...(options.changeEveryMs === undefined ? [] : [`--change-every-ms ${options.changeEveryMs}`]),
    `--seed ${options.seed}`,
  ].join(' ');
}

export async function runSimulation(options: SimulationOptions): Promise<SimulationResult> {
  const random = createRandom(options.seed);
  const branches = Array.from({ length: options.branches }, (_, i) => `b-${i + 1}`);
  const cloud = await Cloud.start({ env: { POS_LOG_LEVEL: 'error' } });
  let fleet: Fleet | undefined;
  const sentAt = new Map<number, number>();
  const deltas: SimulationResult['deltas'] = [];
  let t0 = realNow();
  const state: RunningState = { faultsInjected: 0, faultsHealed: 0, changes: 0 };
  try {
    const productCount = options.products ?? 200;
    await cloud.upsertCategories(
      Array.from({ length: 5 }, (_, i) => ({ id: `c-${i}`, name: `Category ${i}` })),
    );
    for (const branch of branches) await cloud.createBranch(branch);
    await cloud.upsertProducts([
      ...Array.from({ length: productCount }, (_, i) =>
        productInput(i, {
          categoryId: `c-${i % 5}`,
          branchPrices:
            i % 7 === 0 ? [{ branchId: branches[i % branches.length], priceMinor: 99 + i }] : [],
        }),
      ),
      ...branches.flatMap((branch, b) =>
        Array.from({ length: 3 }, (_, i) =>
          productInput(100_000 + b * 10 + i, { id: `only-${branch}-${i}`, branchIds: [branch] }),
        ),
      ),
    ]);
    fleet = await Fleet.start({
      cloud,
      terminals: options.terminals,
      realTerminals: Math.min(options.realTerminals, options.terminals),
      branches,
      random,
      workload: { sellEveryMs: options.sellEveryMs ?? 250, adjustEvery: 5, seed: options.seed },
      onArrival: (key, change, at) => {
        const sent = sentAt.get(change);
        if (sent !== undefined) deltas.push({ t: at - t0, ms: at - sent, key });
      },
    });
    const schedule = planFaults({
      seed: options.seed,
      durationMs: options.durationMs,
      kinds: options.faults,
      terminals: fleet.members.map((m) => m.key),
      hosts: fleet.hosts.length,
    });
    const records: FaultRecord[] = schedule.map((f) => ({
      ...f,
      injectedAt: null,
      healedAt: null,
      convergedMs: null,
      affected: [],
    }));
    options.onSchedule?.(schedule);
    const samples: Sample[] = [];
    const latest = new Map<string, TerminalProgress>();

    t0 = realNow();
    fleet.setSelling(true);
    const running = { value: true };
    const timers: Promise<void>[] = [];
    // Admin price changes: one product carried by every branch, its price numbering the change.
    timers.push(
      (async () => {
        let k = 1;
        while (running.value) {
          await sleep(options.changeEveryMs ?? 1_000);
          if (!running.value) break;
          if (!sentAt.has(k)) sentAt.set(k, realNow());
          try {
            await cloud.gql(
              'mutation ($p: [ProductInput!]!) { upsertProducts(input: $p) { id } }',
              {
                p: [
                  productInput(k % productCount, {
                    categoryId: `c-${(k % productCount) % 5}`,
                    priceMinor: CHANGE_PRICE_BASE + k,
                  }),
                ],
              },
            );
            state.changes = k++;
          } catch {
            // the cloud is down: the same change goes again next round
          }
        }
      })(),
    );
    // Progress samples, and convergence after each healed fault.
    timers.push(
      (async () => {
        while (running.value) {
          const progress = await fleet!.progress();
          for (const p of progress) latest.set(p.key, p);
          const sample: Sample = { t: realNow() - t0, online: 0, sold: 0, acked: 0, queues: {} };
          for (const p of latest.values()) {
            sample.online += p.online ? 1 : 0;
            sample.sold += p.sold;
            sample.acked += p.ackedThrough;
            sample.queues[p.key] = p.sold - p.ackedThrough;
          }
          samples.push(sample);
          for (const record of records) {
            if (record.healedAt === null || record.convergedMs !== null) continue;
            const converged = record.affected.every((key) => {
              const p = latest.get(key);
              return (
                p !== undefined &&
                p.ackedThrough >= (record.targets?.[key]?.sold ?? 0) &&
                p.changeSeen >= (record.changeAtHeal ?? 0)
              );
            });
            if (converged) record.convergedMs = Math.max(0, sample.t - record.healedAt);
          }
          options.onSample?.(sample, state);
          await sleep(options.sampleEveryMs ?? 250);
        }
      })(),
    );
    // The faults, each at its time.
    const fleetRef = fleet;
    const affectedOf = (fault: Fault): string[] =>
      fault.kind === 'cloud-kill'
        ? fleetRef.members.map((m) => m.key)
        : fault.target.startsWith('host-')
          ? fleetRef.hosts[Number(fault.target.slice(5))]!.keys
          : [fault.target];
    await Promise.all(
      records.map(async (record) => {
        await sleep(record.atMs - (realNow() - t0));
        record.affected = affectedOf(record);
        record.injectedAt = realNow() - t0;
        state.faultsInjected++;
        options.onFault?.(record, 'inject');
        await inject(cloud, fleetRef, record);
        await sleep(record.healMs - (realNow() - t0));
        record.changeAtHeal = state.changes;
        await heal(cloud, fleetRef, record);
        record.healedAt = realNow() - t0;
        record.targets = {};
        for (const p of await fleetRef.progress()) {
          if (record.affected.includes(p.key)) record.targets[p.key] = { sold: p.sold };
        }
        state.faultsHealed++;
        options.onFault?.(record, 'heal');
      }),
    );
    await sleep(options.durationMs - (realNow() - t0));
    fleet.setSelling(false);
    running.value = false;
    await Promise.all(timers);
    const workloadMs = realNow() - t0;

    const convergeStart = realNow();
    const converged = await fleet.awaitConverged(
      state.changes,
      options.convergeTimeoutMs ?? 60_000,
    );
    const waitedMs = realNow() - convergeStart;
    // Sampling stopped with the workload; every fault still open converged at the end at the latest.
    for (const record of records) {
      if (record.convergedMs === null && record.healedAt !== null && converged.ok) {
        record.convergedMs = workloadMs + waitedMs - record.healedAt;
      }
    }
    const invariants = await checkInvariants(cloud, fleet, branches);
    if (!converged.ok)
      invariants.unshift({
        name: 'the fleet converged after the faults',
        pass: false,
        evidence: converged.message,
      });
    const last = samples[samples.length - 1];
    const lastFault = [...records].sort((a, b) => (b.healedAt ?? 0) - (a.healedAt ?? 0))[0];
    return {
      options: {
        terminals: options.terminals,
        realTerminals: Math.min(options.realTerminals, options.terminals),
        branches: options.branches,
        durationMs: options.durationMs,
        faults: options.faults,
        seed: options.seed,
        products: productCount,
        sellEveryMs: options.sellEveryMs ?? 250,
        changeEveryMs: options.changeEveryMs ?? 1_000,
      },
      startedAt: new Date(performance.timeOrigin + (t0 - performance.timeOrigin)).toISOString(),
      workloadMs,
      samples,
      faults: records,
      deltas,
      convergence: {
        ok: converged.ok,
        message: converged.message,
        afterLastHealMs: lastFault?.convergedMs ?? null,
        waitedMs,
      },
      invariants,
      passed: invariants.every((i) => i.pass),
      totals: {
        sold: last?.sold ?? 0,
        acked: last?.acked ?? 0,
        changes: state.changes,
        duplicatesSent: fleet.protocol.reduce((n, m) => n + m.protocol!.duplicatesSent, 0),
      },
    };
  } finally {
    await fleet?.close().catch(() => undefined);
    await cloud.destroy();
    if (fleet) removeDir(fleet.workDir);
  }
}

/**
 * Operations on the cloud process run one after the other: under load a restart can outlast the gap
 * to the next scheduled kill, which then waits for the cloud to be up instead of killing it mid-start.
 */
let cloudOps: Promise<void> = Promise.resolve();
function onCloud(op: () => Promise<void>): Promise<void> {
  cloudOps = cloudOps.then(op, op);
  return cloudOps;
}

async function inject(cloud: Cloud, fleet: Fleet, fault: Fault): Promise<void> {
  switch (fault.kind) {
    case 'cloud-kill':
      await onCloud(() => cloud.kill());
      return;
    case 'partition':
      fleet.member(fault.target).proxy.setMode(fault.detail === 'stall' ? 'stall' : 'drop');
      return;
    case 'duplicate': {
      const m = fleet.member(fault.target);
      if (m.protocol) m.protocol.duplicate = true;
      else m.proxy.setMode('lose-replies');
      return;
    }
    case 'terminal-kill':
      await fleet.hosts[Number(fault.target.slice(5))]!.kill();
      return;
    case 'clock-skew':
      if (fault.target.startsWith('host-'))
        fleet.hosts[Number(fault.target.slice(5))]!.setClockSkew(Number(fault.detail));
      else fleet.member(fault.target).protocol!.clockSkewMs = Number(fault.detail);
  }
}

async function heal(cloud: Cloud, fleet: Fleet, fault: Fault): Promise<void> {
  switch (fault.kind) {
    case 'cloud-kill':
      await onCloud(() => cloud.start());
      return;
    case 'partition':
      fleet.member(fault.target).proxy.setMode('pass');
      return;
    case 'duplicate': {
      const m = fleet.member(fault.target);
      if (m.protocol) m.protocol.duplicate = false;
      else m.proxy.setMode('pass');
      return;
    }
    case 'terminal-kill':
      await fleet.hosts[Number(fault.target.slice(5))]!.start();
      return;
    case 'clock-skew':
      if (fault.target.startsWith('host-'))
        fleet.hosts[Number(fault.target.slice(5))]!.setClockSkew(0);
      else fleet.member(fault.target).protocol!.clockSkewMs = 0;
  }
}
