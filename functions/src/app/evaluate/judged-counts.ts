import type { MetricName, SideCounts, WindowSample } from '../../core/types';
import type { JudgedCounts } from '../../ports';

/**
 * At most this many windows per decision document. A tick judges the windows newer than the last
 * one judged, and the fetch covers one lookback (15 one-minute windows with the default policy),
 * so the cap only bites on a misbehaving source; the newest windows are kept.
 */
export const MAX_JUDGED_WINDOWS = 60;
/** A latency histogram with more buckets than this is not kept (the standard buckets number 30). */
export const MAX_KEPT_BUCKETS = 200;

function keptSide(side: SideCounts | null): SideCounts | null {
  if (!side) return null;
  if (side.latencyMs && side.latencyMs.counts.length > MAX_KEPT_BUCKETS + 1) {
    const { latencyMs: _dropped, ...rest } = side;
    void _dropped;
    return rest;
  }
  return side;
}

/**
 * The raw counts a backtest needs to replay this tick under another policy: the windows judged
 * for the first time (after `before`, the canary's last judged window, up to `through`, the last
 * one this tick judged), bounded so a decision document stays a few kilobytes. Undefined when the
 * tick judged no window (no data, a retried tick).
 */
export function judgedCounts(
  windows: readonly WindowSample[],
  before: number | null,
  through: number | null,
  fed: readonly MetricName[] | undefined,
): JudgedCounts | undefined {
  if (through === null || (before !== null && through <= before)) return undefined;
  const judged = windows
    .filter((w) => (before === null || w.start > before) && w.start <= through)
    .slice(-MAX_JUDGED_WINDOWS)
    .map((w) => ({ start: w.start, durationMs: w.durationMs, canary: keptSide(w.canary), baseline: keptSide(w.baseline) }));
  if (judged.length === 0) return undefined;
  return fed ? { windows: judged, metrics: [...fed] } : { windows: judged };
}
