import { createRandom } from './random.ts';

/** The faults a simulation can inject. */
export const FAULT_KINDS = [
  'cloud-kill',
  'partition',
  'terminal-kill',
  'duplicate',
  'clock-skew',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** One scheduled fault: injected at `atMs` after the start, healed at `healMs`. */
export type Fault = {
  n: number;
  kind: FaultKind;
  atMs: number;
  healMs: number;
  /**
   * What it hits: `cloud`; a terminal key (partition, duplicate, clock-skew on a protocol terminal);
   * a host index `host-N` (terminal-kill, clock-skew of a real terminal's machine).
   */
  target: string;
  /** partition: `drop` or `stall`; clock-skew: the skew in ms. */
  detail: string | number;
};

export type ScheduleInput = {
  seed: number;
  durationMs: number;
  kinds: readonly FaultKind[];
  /** Keys of every terminal (proxied). */
  terminals: readonly string[];
  /** Real-terminal host processes (terminal-kill needs at least one). */
  hosts: number;
};

/** Skews a clock may have: minutes to days, both ways (within the cloud's sale bounds). */
const SKEWS_MS = [-3 * 86_400_000, -3_600_000, -5 * 60_000, 5 * 60_000, 3_600_000, 86_400_000];

/**
 * The fault schedule of a run, a pure function of its input: the same seed gives the same faults at
 * the same times on the same targets, so a failing run can be replayed. Faults fall in the first 70 %
 * of the run and heal before 80 % of it, so the fleet has time to converge while it still sells. Two
 * faults never hold the same target at once, and the cloud is killed at most once at a time.
 */
export function planFaults(input: ScheduleInput): Fault[] {
  const random = createRandom(input.seed);
  const { durationMs } = input;
  const perKind = Math.max(1, Math.round(durationMs / 30_000));
  const busy = new Map<string, [number, number][]>();
  const free = (target: string, from: number, to: number) =>
    (busy.get(target) ?? []).every(([a, b]) => to + 500 < a || from > b + 500);
  const take = (target: string, from: number, to: number) =>
    busy.set(target, [...(busy.get(target) ?? []), [from, to]]);
  const faults: Omit<Fault, 'n'>[] = [];
  for (const kind of input.kinds) {
    const count = kind === 'partition' ? perKind * 2 : perKind;
    for (let i = 0; i < count; i++) {
      const lengthMs =
        kind === 'cloud-kill'
          ? random.int(1_000, 3_000)
          : kind === 'terminal-kill'
            ? random.int(500, 2_000)
            : random.int(2_000, Math.max(2_500, Math.min(8_000, durationMs * 0.15)));
      const candidates =
        kind === 'cloud-kill'
          ? ['cloud']
          : kind === 'terminal-kill'
            ? Array.from({ length: input.hosts }, (_, h) => `host-${h}`)
            : kind === 'clock-skew'
              ? [
                  ...input.terminals.filter((t) => t.startsWith('p')),
                  ...Array.from({ length: input.hosts }, (_, h) => `host-${h}`),
                ]
              : [...input.terminals];
      if (candidates.length === 0) continue;
      for (let attempt = 0; attempt < 20; attempt++) {
        const atMs = random.int(Math.round(durationMs * 0.1), Math.round(durationMs * 0.7));
        const healMs = Math.min(atMs + lengthMs, Math.round(durationMs * 0.8));
        const target = random.pick(candidates);
        if (!free(target, atMs, healMs)) continue;
        take(target, atMs, healMs);
        const detail =
          kind === 'partition'
            ? random.pick(['drop', 'stall'])
            : kind === 'clock-skew'
              ? random.pick(SKEWS_MS)
              : '';
        faults.push({ kind, atMs, healMs, target, detail });
        break;
      }
    }
  }
  return faults.sort((a, b) => a.atMs - b.atMs).map((fault, n) => ({ n: n + 1, ...fault }));
}
