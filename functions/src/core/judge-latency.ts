import {
  countCertainlyAtOrAbove,
  countPossiblyAbove,
  mergeHistograms,
  quantile,
  quantileUpperBound,
  total,
} from './histogram';
import type { Levels } from './judge-rate';
import { lastWindows, scanHorizons } from './pool';
import { binomialLowerTail, binomialUpperTail } from './stats';
import type { Verdict, WindowSample } from './types';

export interface LatencyJudgement {
  status: Verdict;
  /** Quantile estimates in ms (display). */
  canary: number | null;
  baseline: number | null;
}

export interface LatencyTest {
  /** Relative increase allowed over the baseline's quantile (0.5 = +50%). */
  increase: number;
  /** 0.95 for p95. */
  q: number;
  windows: number;
}

/**
 * Judges the canary's latency quantile against the baseline's distribution. Under H0 "the canary's
 * p95 is at most L = p95(baseline) x (1 + increase)", at most 5% of canary requests lie above L, so
 * the number seen above L is an exact binomial test. L uses the baseline's upper confidence bound
 * and only buckets entirely above L are counted: both errors go against calling red.
 */
export function judgeLatency(history: readonly WindowSample[], end: number, windowMs: number, test: LatencyTest, levels: Levels & { baselineAlpha: number }): LatencyJudgement {
  const newest = [...history].reverse().find((w) => w.canary?.latencyMs)?.canary?.latencyMs;
  if (!newest) return { status: 'inconclusive', canary: null, baseline: null };
  const bounds = newest.bounds;
  const all = lastWindows(history, end, windowMs, test.windows);
  const base = mergeHistograms(bounds, all.map((w) => w.baseline?.latencyMs));
  const fullCanary = mergeHistograms(bounds, all.map((w) => w.canary?.latencyMs));
  const show = {
    canary: fullCanary ? quantile(fullCanary, test.q) : null,
    baseline: base ? quantile(base, test.q) : null,
  };
  if (!base || total(base) === 0) return { status: 'inconclusive', ...show };
  const tail = 1 - test.q;
  const horizons = scanHorizons(test.windows);
  const m = horizons.length;
  // The baseline over the same recent windows as the canary: a latency incident that hits both
  // raises the limit with it (shared, not the release's fault). The whole window's bound is kept as
  // a floor so a quiet recent minute cannot lower the bar.
  const upperAll = quantileUpperBound(base, test.q, levels.baselineAlpha);
  let yellow: LatencyJudgement | null = null;
  for (const h of horizons) {
    const ws = lastWindows(history, end, windowMs, h);
    const c = mergeHistograms(bounds, ws.map((w) => w.canary?.latencyMs));
    const b = mergeHistograms(bounds, ws.map((w) => w.baseline?.latencyMs));
    const upper = b ? quantileUpperBound(b, test.q, levels.baselineAlpha) : null;
    if (!c || total(c) === 0 || upper === null || upperAll === null) continue;
    const limit = Math.max(upper, upperAll) * (1 + test.increase);
    const p = binomialUpperTail(countCertainlyAtOrAbove(c, limit), total(c), tail);
    const seen = { canary: quantile(c, test.q), baseline: b ? quantile(b, test.q) : show.baseline };
    if (p < levels.redAlpha / m) return { status: 'red', ...seen };
    if (p < levels.yellowAlpha / m) yellow ??= { status: 'yellow', ...seen };
  }
  if (yellow) return yellow;
  // Green: the same limit, with the bucket that straddles it counted as above (conservative the
  // other way): the canary's p95 is below the limit with confidence.
  if (upperAll !== null && fullCanary && total(fullCanary) > 0) {
    const limit = upperAll * (1 + test.increase);
    const p = binomialLowerTail(countPossiblyAbove(fullCanary, limit), total(fullCanary), tail);
    if (p < levels.greenAlpha) return { status: 'green', ...show };
  }
  return { status: 'inconclusive', ...show };
}
