import uPlot from 'uplot';
import { h } from './dom';
import { isRate, METRIC_LABELS, time, value } from './format';
import type { EvaluationRecord } from './types';

/** A moment drawn across every chart: a pause, resume, promotion or rollback. */
export interface Marker {
  at: number;
  kind: 'pause' | 'resume' | 'promote' | 'complete' | 'rollback' | 'rolled_back' | 'manual_rollback';
  label: string;
}

const WINDOW_FILL: Record<string, string> = {
  green: 'rgba(46, 160, 67, 0.13)',
  yellow: 'rgba(212, 167, 44, 0.22)',
  red: 'rgba(218, 54, 51, 0.20)',
  inconclusive: 'rgba(140, 140, 140, 0.10)',
};
const MARKER_COLOUR: Record<Marker['kind'], string> = {
  pause: '#9a6700',
  resume: '#1a7f37',
  promote: '#0969da',
  complete: '#0969da',
  rollback: '#cf222e',
  rolled_back: '#82071e',
  manual_rollback: '#cf222e',
};

/** What the test (and a curious person in the console) can read back: the chart's own data. */
declare global {
  interface Window {
    statusCharts?: Record<string, { plot: uPlot; markers: Marker[]; windows: string[] }>;
  }
}

/** The markers once, as text under the charts (the same moments the charts draw as lines). */
export function markerList(markers: Marker[]): HTMLElement {
  return h('ul', { class: 'markers', 'aria-label': 'Markers' }, markers.map((m) => h('li', { 'data-kind': m.kind }, h('time', {}, time(m.at)), ' ', h('strong', {}, m.kind.replace('_', ' ')), ' ', m.label)));
}

/** Markers from the decisions themselves (each record's effects), plus the rollback's own clock. */
export function markersOf(history: EvaluationRecord[], extra: Marker[]): Marker[] {
  const out: Marker[] = [];
  for (const e of history) {
    for (const effect of e.effects) {
      if (effect === 'pause') out.push({ at: e.scheduleTime, kind: 'pause', label: `paused: ${e.reasons.join('; ') || e.verdict}` });
      else if (effect === 'resume') out.push({ at: e.scheduleTime, kind: 'resume', label: 'resumed' });
      else if (effect === 'promote') out.push({ at: e.scheduleTime, kind: 'promote', label: `promoted: ${e.reasons.join('; ')}` });
      else if (effect === 'complete') out.push({ at: e.scheduleTime, kind: 'complete', label: 'rollout complete' });
      else if (effect === 'rollback') out.push({ at: e.scheduleTime, kind: 'rollback', label: `rollback decided: ${e.reasons.join('; ')}` });
    }
  }
  return [...out, ...extra].sort((a, b) => a.at - b.at);
}

function thresholdOf(metric: string, r: EvaluationRecord['metrics'][string]): number | null {
  if (isRate(metric)) return r.threshold;
  // Latency's threshold is an allowed increase over the baseline of the same window.
  return r.baseline === null ? null : r.baseline * (1 + r.threshold);
}

/** The metrics that had canary data at least once, in the order people read them. */
export function chartedMetrics(history: EvaluationRecord[]): string[] {
  return Object.keys(METRIC_LABELS).filter((m) => history.some((e) => e.metrics[m]?.canary !== null && e.metrics[m]?.canary !== undefined));
}

function scale(metric: string, v: number | null | undefined): number | null {
  if (v === null || v === undefined) return null;
  return isRate(metric) ? v * 100 : v;
}

/**
 * One chart: canary and baseline over time, the threshold, the confidence band (between the
 * canary's value and the bound that decided a red or yellow window), each window's verdict as a
 * background, and the markers. `history` is oldest first.
 */
export function metricChart(metric: string, history: EvaluationRecord[], markers: Marker[], width: number): { figure: HTMLElement; plot: uPlot } {
  const rows = history.filter((e) => e.metrics[metric]);
  const xs = rows.map((e) => e.scheduleTime / 1000);
  const pick = (f: (r: EvaluationRecord['metrics'][string]) => number | null | undefined) => rows.map((e) => scale(metric, f(e.metrics[metric]!)));
  const canary = pick((r) => r.canary);
  const baseline = pick((r) => r.baseline);
  const threshold = pick((r) => thresholdOf(metric, r));
  const boundLo = pick((r) => (r.bound === null || r.bound === undefined || r.canary === null ? null : Math.min(r.bound, r.canary)));
  const boundHi = pick((r) => (r.bound === null || r.bound === undefined || r.canary === null ? null : Math.max(r.bound, r.canary)));
  const windows = rows.map((e) => e.metrics[metric]!.status);
  const unit = isRate(metric) ? '%' : 'ms';
  const last = rows.at(-1)?.metrics[metric];
  const label = METRIC_LABELS[metric] ?? metric;

  const chart = h('div', { class: 'chart', role: 'img', 'aria-label': `${label} over time, canary against baseline and threshold` });
  const opts: uPlot.Options = {
    width,
    height: 200,
    cursor: { drag: { x: false, y: false } },
    legend: { live: false },
    // The x range reaches the last marker too: a rollback finishes after the tick that decided it.
    scales: { x: { time: true, range: (_u, min, max) => [min, Math.max(max, ...markers.map((m) => m.at / 1000 + 10))] } },
    axes: [{}, { label: unit, size: 56 }],
    series: [
      {},
      { label: 'canary', stroke: '#1f4e9c', width: 2, spanGaps: false },
      { label: 'baseline', stroke: '#57606a', width: 1.5, dash: [4, 4] },
      { label: 'threshold', stroke: '#cf222e', width: 1.5, dash: [10, 5], points: { show: false } },
      { label: 'confidence bound (low)', stroke: 'rgba(31,78,156,0.35)', width: 1, points: { show: false } },
      { label: 'confidence bound (high)', stroke: 'rgba(31,78,156,0.35)', width: 1, points: { show: false } },
    ],
    bands: [{ series: [5, 4], fill: 'rgba(31, 78, 156, 0.18)' }],
    hooks: {
      drawClear: [
        (u) => {
          const { ctx, bbox } = u;
          ctx.save();
          for (let i = 0; i < xs.length; i++) {
            const end = xs[i]!;
            const start = i > 0 ? xs[i - 1]! : end - (xs[1] !== undefined ? xs[1] - xs[0]! : 60);
            const x0 = u.valToPos(start, 'x', true);
            const x1 = u.valToPos(end, 'x', true);
            ctx.fillStyle = WINDOW_FILL[windows[i]!] ?? WINDOW_FILL.inconclusive!;
            ctx.fillRect(Math.max(x0, bbox.left), bbox.top, Math.max(1, x1 - Math.max(x0, bbox.left)), bbox.height);
          }
          ctx.restore();
        },
      ],
      draw: [
        (u) => {
          const { ctx, bbox } = u;
          ctx.save();
          ctx.font = `${Math.round(11 * devicePixelRatio)}px system-ui, sans-serif`;
          for (const m of markers) {
            const x = u.valToPos(m.at / 1000, 'x', true);
            if (x < bbox.left || x > bbox.left + bbox.width) continue;
            ctx.strokeStyle = ctx.fillStyle = MARKER_COLOUR[m.kind];
            ctx.lineWidth = 2 * devicePixelRatio;
            ctx.beginPath();
            ctx.moveTo(x, bbox.top);
            ctx.lineTo(x, bbox.top + bbox.height);
            ctx.stroke();
            ctx.fillText(m.kind.replace('_', ' '), x + 3 * devicePixelRatio, bbox.top + 12 * devicePixelRatio);
          }
          ctx.restore();
        },
      ],
    },
  };
  const plot = new uPlot(opts, [xs, canary, baseline, threshold, boundLo, boundHi], chart);
  (window.statusCharts ??= {})[metric] = { plot, markers, windows };

  const verdict = last ? `${last.status}` : 'no data';
  const summary = last
    ? `${label}: canary ${value(metric, last.canary)} vs baseline ${value(metric, last.baseline)}, threshold ${isRate(metric) ? value(metric, last.threshold) : `+${Math.round(last.threshold * 100)} % over the baseline`}${last.bound !== undefined && last.bound !== null ? `, confidence bound ${value(metric, last.bound)}` : ''}: ${verdict.toUpperCase()} (latest window)`
    : `${label}: no data`;
  const figure = h(
    'figure',
    { class: 'metric', 'data-metric': metric },
    h('figcaption', {}, h('h3', {}, label), h('p', { class: `verdict tone-${verdict === 'red' ? 'bad' : verdict === 'yellow' ? 'warn' : verdict === 'green' ? 'good' : 'idle'}` }, summary)),
    chart,
  );
  return { figure, plot };
}
