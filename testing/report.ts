import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { SimulationResult } from './simulation.ts';
import { replayCommand } from './simulation.ts';
import { TERMINALS_PER_HOST } from './terminal-host-handle.ts';

const require = createRequire(import.meta.url);

/** uPlot's script and stylesheet, inlined so the report opens without a network. */
function uplotAssets(): { js: string; css: string } {
  const js = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
  const css = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  // The script goes inside a <script> element: a literal closing tag in it would end the element.
  return { js: js.replace(/<\/script/gi, '<\\/script'), css };
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** Percentile (nearest rank) of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

/** The series the charts draw, computed from a result (kept apart from the HTML so it can be tested). */
export function reportSeries(result: SimulationResult) {
  const s = result.samples;
  const seconds = s.map((x) => x.t / 1000);
  const rate = (pick: (x: (typeof s)[number]) => number) =>
    s.map((x, i) =>
      i === 0 ? 0 : ((pick(x) - pick(s[i - 1]!)) * 1000) / Math.max(1, x.t - s[i - 1]!.t),
    );
  const queueKeys = Object.keys(s[s.length - 1]?.queues ?? {});
  const byMax = queueKeys
    .map((key) => ({ key, max: Math.max(0, ...s.map((x) => x.queues[key] ?? 0)) }))
    .sort((a, b) => b.max - a.max);
  const shown = byMax.slice(0, 12).map((q) => q.key);
  const deltas = [...result.deltas].sort((a, b) => a.t - b.t);
  const latencies = deltas.map((d) => d.ms).sort((a, b) => a - b);
  const binMs = Math.max(1, Math.ceil((latencies[latencies.length - 1] ?? 1) / 40));
  const bins = new Map<number, number>();
  for (const ms of latencies)
    bins.set(Math.floor(ms / binMs) * binMs, (bins.get(Math.floor(ms / binMs) * binMs) ?? 0) + 1);
  const binKeys = [...bins.keys()].sort((a, b) => a - b);
  return {
    throughput: [seconds, rate((x) => x.sold), rate((x) => x.acked)],
    deltaOverTime: [deltas.map((d) => d.t / 1000), deltas.map((d) => d.ms)],
    histogram: [binKeys, binKeys.map((k) => bins.get(k)!)],
    queues: {
      keys: shown,
      data: [seconds, ...shown.map((key) => s.map((x) => x.queues[key] ?? 0))],
    },
    convergence: [
      result.faults.map((f) => f.n),
      result.faults.map((f) => (f.convergedMs === null ? null : f.convergedMs / 1000)),
    ],
    faults: result.faults.map((f) => ({
      n: f.n,
      kind: f.kind,
      from: (f.injectedAt ?? f.atMs) / 1000,
      to: (f.healedAt ?? f.healMs) / 1000,
    })),
    latency: {
      n: latencies.length,
      p50: percentile(latencies, 0.5),
      p95: percentile(latencies, 0.95),
      max: latencies[latencies.length - 1] ?? Number.NaN,
    },
  };
}

const CLIENT_SCRIPT = `
const FAULT_COLORS = { 'cloud-kill': 'rgba(220,50,47,0.18)', partition: 'rgba(38,139,210,0.15)',
  'terminal-kill': 'rgba(211,54,130,0.18)', duplicate: 'rgba(133,153,0,0.18)', 'clock-skew': 'rgba(181,137,0,0.18)' };
const faultBands = (faults) => ({ hooks: { drawClear: [(u) => {
  const ctx = u.ctx; ctx.save();
  for (const f of faults) {
    const x0 = u.valToPos(f.from, 'x', true), x1 = u.valToPos(f.to, 'x', true);
    ctx.fillStyle = FAULT_COLORS[f.kind] || 'rgba(0,0,0,0.1)';
    ctx.fillRect(x0, u.bbox.top, Math.max(2, x1 - x0), u.bbox.height);
  }
  ctx.restore();
}] } });
const width = () => Math.min(1100, document.body.clientWidth - 40);
const palette = ['#268bd2','#dc322f','#859900','#d33682','#b58900','#2aa198','#6c71c4','#cb4b16','#073642','#93a1a1','#586e75','#e377c2'];
const S = DATA.series;
new uPlot({ title: 'Sales per second (shaded: faults)', width: width(), height: 260, plugins: [faultBands(S.faults)],
  scales: { x: { time: false } }, axes: [{ label: 's' }, { label: 'sales/s' }],
  series: [{}, { label: 'sold/s', stroke: '#268bd2' }, { label: 'acknowledged/s', stroke: '#859900' }] },
  S.throughput, document.getElementById('throughput'));
new uPlot({ title: 'Delta latency: admin change → terminal catalog (each point one terminal)', width: width(), height: 260,
  plugins: [faultBands(S.faults)], scales: { x: { time: false } }, axes: [{ label: 's' }, { label: 'ms' }],
  series: [{}, { label: 'latency ms', stroke: '#d33682', width: 0, points: { show: true, size: 4, fill: '#d33682' } }] },
  S.deltaOverTime, document.getElementById('delta'));
new uPlot({ title: 'Delta latency histogram', width: width(), height: 220, scales: { x: { time: false } },
  axes: [{ label: 'ms (bin start)' }, { label: 'arrivals' }],
  series: [{}, { label: 'arrivals', stroke: '#6c71c4', fill: 'rgba(108,113,196,0.4)', paths: uPlot.paths.bars({ size: [0.9, 40] }) }] },
  S.histogram, document.getElementById('histogram'));
new uPlot({ title: 'Queue depth per terminal (the 12 deepest; shaded: faults)', width: width(), height: 280,
  plugins: [faultBands(S.faults)], scales: { x: { time: false } }, axes: [{ label: 's' }, { label: 'queued sales' }],
  series: [{}, ...S.queues.keys.map((k, i) => ({ label: k, stroke: palette[i % palette.length] }))] },
  S.queues.data, document.getElementById('queues'));
new uPlot({ title: 'Time to converge after each fault healed', width: width(), height: 220, scales: { x: { time: false } },
  axes: [{ label: 'fault #' }, { label: 's' }],
  series: [{}, { label: 'seconds', stroke: '#cb4b16', fill: 'rgba(203,75,22,0.4)', paths: uPlot.paths.bars({ size: [0.6, 60] }) }] },
  S.convergence, document.getElementById('convergence'));
`;

/** One self-contained HTML file: summary, charts (uPlot, inlined), faults and invariants. */
export function renderReport(result: SimulationResult): string {
  const { js, css } = uplotAssets();
  const series = reportSeries(result);
  const o = result.options;
  const row = (cells: string[]) => `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
  const invariants = result.invariants
    .map((i) =>
      row([
        i.pass ? '<b class="pass">pass</b>' : '<b class="fail">FAIL</b>',
        escapeHtml(i.name),
        escapeHtml(i.evidence),
      ]),
    )
    .join('\n');
  const faults = result.faults
    .map((f) =>
      row([
        String(f.n),
        f.kind,
        escapeHtml(f.target),
        escapeHtml(String(f.detail)),
        ((f.injectedAt ?? f.atMs) / 1000).toFixed(1),
        ((f.healedAt ?? f.healMs) / 1000).toFixed(1),
        f.convergedMs === null ? '–' : (f.convergedMs / 1000).toFixed(2),
        String(f.affected.length),
      ]),
    )
    .join('\n');
  const seconds = (ms: number | null) => (ms === null ? '–' : `${(ms / 1000).toFixed(2)} s`);
  const data = JSON.stringify({ series }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>pos simulate — seed ${o.seed}</title>
<style>${css}
body { font: 14px/1.45 system-ui, sans-serif; margin: 20px; color: #222; }
table { border-collapse: collapse; margin: 8px 0 24px; } td, th { border: 1px solid #ccc; padding: 4px 8px; vertical-align: top; text-align: left; }
.pass { color: #2b7a0b; } .fail { color: #c00; } .chart { margin: 12px 0 28px; } code { background: #f3f3f3; padding: 1px 4px; }
</style></head><body>
<h1>pos simulate: ${result.passed ? '<span class="pass">every invariant holds</span>' : '<span class="fail">invariants FAILED</span>'}</h1>
<p>Replay: <code>${escapeHtml(replayCommand(o))}</code></p>
<table>
${row(['started', escapeHtml(result.startedAt)])}
${row(['fleet', `${o.terminals} terminals (${o.realTerminals} real in ${Math.ceil(o.realTerminals / TERMINALS_PER_HOST)} processes, ${o.terminals - o.realTerminals} protocol-level), ${o.branches} branches, ${o.products} products`])}
${row(['workload', `${(result.workloadMs / 1000).toFixed(1)} s; ${result.totals.sold} sales sold, ${result.totals.changes} admin price changes, ${result.faults.length} faults`])}
${row(['delta latency', `${series.latency.n} arrivals; p50 ${series.latency.p50.toFixed(0)} ms, p95 ${series.latency.p95.toFixed(0)} ms, max ${series.latency.max.toFixed(0)} ms`])}
${row(['convergence', `${escapeHtml(result.convergence.message)}; after the last fault healed: ${seconds(result.convergence.afterLastHealMs)}; final wait after the workload: ${seconds(result.convergence.waitedMs)}`])}
</table>
<h2>Invariants</h2>
<table><tr><th>verdict</th><th>invariant</th><th>evidence</th></tr>
${invariants}
</table>
<h2>Charts</h2>
<div class="chart" id="throughput"></div><div class="chart" id="delta"></div><div class="chart" id="histogram"></div>
<div class="chart" id="queues"></div><div class="chart" id="convergence"></div>
<h2>Faults</h2>
<table><tr><th>#</th><th>kind</th><th>target</th><th>detail</th><th>injected (s)</th><th>healed (s)</th><th>converged after (s)</th><th>terminals hit</th></tr>
${faults}
</table>
<script>${js}</script>
<script>const DATA = ${data};
${CLIENT_SCRIPT}</script>
</body></html>
`;
}
