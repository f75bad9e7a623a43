import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { FaultKind, Sample, SimulationResult } from '../../testing/index.ts';
import { FAULT_KINDS, renderReport, replayCommand, runSimulation } from '../../testing/index.ts';

export const SIMULATE_USAGE = `pos simulate [--terminals N] [--real N] [--branches N] [--duration 120s]
             [--faults cloud-kill,partition,terminal-kill,duplicate,clock-skew | all | none]
             [--seed N] [--report FILE.html] [--json FILE.json] [--sell-every-ms MS]
             [--change-every-ms MS] [--products N]
pos simulate --bench [--only ingest,snapshot,delta,connections,faults] [--quick]
  Runs a fleet of terminals against a cloud on the embedded store under a seeded fault schedule:
  --real of them are real terminals (the full engine, two per child process; default a tenth, at
  least 3), the rest protocol-level terminals in this process. Each sells and adjusts inventory while
  an admin changes prices. Faults: the cloud SIGKILLed and restarted, a terminal cut off by its
  loopback proxy (dropped or stalled connections), a terminal process SIGKILLed mid-sale and mid-push,
  pushes delivered twice, a terminal clock skewed by minutes to days. The same --seed replays the same
  schedule. At the end the invariants are printed pass/fail with their evidence; the exit code is 1
  when any fails. --report writes one self-contained HTML file with the charts.
  --bench measures the scale goals instead (docs/benchmarks.md, "Fleet and scale").
`;

/** `120s`, `2m`, `1500ms` or a number of seconds, in ms. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) throw new Error(`not a duration: ${text} (e.g. 30s, 2m, 1500ms)`);
  const value = Number(match[1]);
  return Math.round(match[2] === 'ms' ? value : match[2] === 'm' ? value * 60_000 : value * 1000);
}

/** `all`, `none` or a comma list of fault kinds. */
export function parseFaults(text: string): FaultKind[] {
  if (text === 'all') return [...FAULT_KINDS];
  if (text === 'none' || text === '') return [];
  const kinds = text.split(',').map((k) => k.trim());
  const unknown = kinds.filter((k) => !(FAULT_KINDS as readonly string[]).includes(k));
  if (unknown.length > 0)
    throw new Error(`unknown fault ${unknown.join(', ')} (known: ${FAULT_KINDS.join(', ')})`);
  return kinds as FaultKind[];
}

/** The one-line progress summary. */
export function formatProgress(
  sample: Sample,
  terminals: number,
  faults: { injected: number; healed: number; planned: number },
  salesPerSecond: number,
): string {
  const queued = Object.values(sample.queues).reduce((a, b) => a + b, 0);
  return (
    `t=${(sample.t / 1000).toFixed(0).padStart(4)}s  online ${sample.online}/${terminals}  ` +
    `sold ${sample.sold} (${salesPerSecond.toFixed(0)}/s)  queued ${queued}  ` +
    `faults ${faults.injected}/${faults.planned} injected, ${faults.healed} healed`
  );
}

/** Prints the invariants and the headline figures of a run. */
export function formatSummary(result: SimulationResult): string {
  const lines = result.invariants.map(
    (i) => `${i.pass ? 'PASS' : 'FAIL'}  ${i.name}\n      ${i.evidence}`,
  );
  const latencies = result.deltas.map((d) => d.ms).sort((a, b) => a - b);
  const p = (q: number) =>
    latencies[Math.max(0, Math.ceil(q * latencies.length) - 1)] ?? Number.NaN;
  const conv = result.convergence.afterLastHealMs;
  return [
    ...lines,
    `sold ${result.totals.sold}, ${result.totals.changes} admin changes, ${result.faults.length} faults; ` +
      `delta p50 ${p(0.5).toFixed(0)} ms, p95 ${p(0.95).toFixed(0)} ms; converged ${conv === null ? '–' : `${(conv / 1000).toFixed(2)} s`} after the last fault healed`,
    result.passed
      ? `every invariant holds (seed ${result.options.seed})`
      : `FAILED: replay with ${replayCommand(result.options)}`,
  ].join('\n');
}

/** `pos simulate`: resolves with the exit code (1 when an invariant fails). */
export async function runSimulate(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      terminals: { type: 'string', default: '20' },
      real: { type: 'string' },
      branches: { type: 'string', default: '4' },
      duration: { type: 'string', default: '60s' },
      faults: { type: 'string', default: 'all' },
      seed: { type: 'string' },
      report: { type: 'string' },
      json: { type: 'string' },
      products: { type: 'string', default: '200' },
      'sell-every-ms': { type: 'string', default: '250' },
      'change-every-ms': { type: 'string', default: '1000' },
      bench: { type: 'boolean', default: false },
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(SIMULATE_USAGE);
    return 0;
  }
  if (values.bench) {
    const { runScaleBench } = await import('../bench/scale-bench.ts');
    return runScaleBench({ only: values.only?.split(','), quick: values.quick });
  }
  const terminals = Number(values.terminals);
  const seed =
    values.seed === undefined ? Math.floor(Math.random() * 1_000_000) : Number(values.seed);
  const options = {
    terminals,
    realTerminals:
      values.real === undefined ? Math.max(3, Math.round(terminals / 10)) : Number(values.real),
    branches: Number(values.branches),
    durationMs: parseDuration(values.duration),
    faults: parseFaults(values.faults),
    seed,
    products: Number(values.products),
    sellEveryMs: Number(values['sell-every-ms']),
    changeEveryMs: Number(values['change-every-ms']),
  };
  process.stdout.write(
    `pos simulate: ${terminals} terminals (${Math.min(options.realTerminals, terminals)} real), ${options.branches} branches, ` +
      `${values.duration}, faults ${options.faults.join(',') || 'none'}, seed ${seed}\n`,
  );
  const tty = process.stdout.isTTY;
  let lastPrinted = 0;
  let previous: Sample | undefined;
  const faults = { injected: 0, healed: 0, planned: 0 };
  const result = await runSimulation({
    ...options,
    onSchedule(planned) {
      faults.planned = planned.length;
    },
    onFault(fault, phase) {
      if (phase === 'inject') faults.injected++;
      else faults.healed++;
      if (!tty)
        process.stdout.write(
          `  fault #${fault.n} ${fault.kind} ${fault.target} ${phase === 'inject' ? 'injected' : 'healed'}\n`,
        );
    },
    onSample(sample) {
      const rate = previous
        ? ((sample.sold - previous.sold) * 1000) / Math.max(1, sample.t - previous.t)
        : 0;
      previous = sample;
      const line = formatProgress(sample, terminals, faults, rate);
      if (tty) process.stdout.write(`\r${line}\x1b[K`);
      else if (sample.t - lastPrinted >= 5_000) {
        lastPrinted = sample.t;
        process.stdout.write(`${line}\n`);
      }
    },
  });
  if (tty) process.stdout.write('\n');
  process.stdout.write(`${formatSummary(result)}\n`);
  if (values.report) {
    writeFileSync(values.report, renderReport(result));
    process.stdout.write(`report: ${values.report}\n`);
  }
  if (values.json) writeFileSync(values.json, JSON.stringify(result, null, 1));
  return result.passed ? 0 : 1;
}
