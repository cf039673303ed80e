import type { MetricName, WindowSample } from '../../core/types';
import type { EvaluationRecord } from '../../ports';

/** Windows a replay will take for one canary, at most: 30 days of one-minute windows and then some. */
export const MAX_BACKTEST_WINDOWS = 50_000;

/** One canary's stored counts, ready for the replay. */
export interface HistoryWindows {
  windows: WindowSample[];
  /** Channel and traffic share of the first decision that kept counts: where the replay starts. */
  channel: string;
  rolloutPercent: number;
  /** The metrics the source fed, from the newest record that said. */
  fed?: MetricName[];
  /** Decision documents without counts (written before they were kept, or judging no new window). */
  withoutCounts: number;
  /** True when the history was longer than MAX_BACKTEST_WINDOWS and its newest part was kept. */
  truncated: boolean;
}

/**
 * Joins the windows kept by each decision document (oldest first) into one consecutive series: a
 * window judged twice (a tick given up and judged again) is taken once, from the later document;
 * a stretch with no window stored is filled with windows without data, which is what the
 * evaluator saw then (a source outage counts toward the no-data pause, never as green).
 */
export function historyWindows(records: readonly EvaluationRecord[]): HistoryWindows | null {
  const byStart = new Map<number, WindowSample>();
  let first: EvaluationRecord | undefined;
  let fed: MetricName[] | undefined;
  let withoutCounts = 0;
  for (const r of records) {
    if (!r.counts || r.counts.windows.length === 0) {
      withoutCounts++;
      continue;
    }
    first ??= r;
    if (r.counts.metrics) fed = r.counts.metrics;
    for (const w of r.counts.windows) if (Number.isFinite(w.start) && Number.isFinite(w.durationMs) && w.durationMs > 0) byStart.set(w.start, w);
  }
  if (!first || byStart.size === 0) return null;
  const sorted = [...byStart.values()].sort((a, b) => a.start - b.start);
  const windows: WindowSample[] = [];
  let truncated = false;
  for (const w of sorted) {
    const prev = windows.at(-1);
    if (prev) {
      for (let t = prev.start + prev.durationMs; t + prev.durationMs <= w.start; t += prev.durationMs) {
        windows.push({ start: t, durationMs: prev.durationMs, canary: null, baseline: null });
        if (windows.length > 2 * MAX_BACKTEST_WINDOWS) break;
      }
    }
    // Overlapping windows (a source that changed its window length) keep the earlier one.
    if (!prev || w.start >= prev.start + prev.durationMs) windows.push(w);
  }
  const kept = windows.length > MAX_BACKTEST_WINDOWS ? ((truncated = true), windows.slice(-MAX_BACKTEST_WINDOWS)) : windows;
  return { windows: kept, channel: first.channel, rolloutPercent: first.rolloutPercent, ...(fed ? { fed } : {}), withoutCounts, truncated };
}
