import {
  countCertainlyAtOrAbove,
  countPossiblyAbove,
  mergeHistograms,
  quantile,
  quantileUpperBound,
  total,
} from './histogram';
import { allowedRate } from './allowance';
import type { Levels } from './judge-rate';
import { lastWindows, scanHorizons } from './pool';
import { binomialLowerTail, binomialUpperTail } from './stats';
import type { Histogram, WindowSample } from './types';

export interface LatencyJudgement {
  /** green: the canary's quantile is below the limit with confidence over the recent windows. */
  status: 'green' | 'inconclusive';
  /** Quantile estimates in ms (display). */
  canary: number | null;
  baseline: number | null;
  /** Some recent suffix puts more than 1 - q of the canary's requests above the limit (yellowAlpha). */
  alarmed: boolean;
  /**
   * The newest window as a rate for the sequential test and the bake: canary requests (n), those
   * certainly above the limit (k, for red) and those possibly above it (kGreen, for green), and
   * the share the canary may reach above it (allowed: a baseline shown slow lifts it).
   */
  newest: { n: number; k: number; kGreen: number; allowed: number } | null;
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
 * the number seen above L is a binomial count against 5%: a rate like any other. L uses the
 * baseline's upper confidence bound and only buckets entirely above L count towards red: both
 * errors go against calling red.
 */
export function judgeLatency(history: readonly WindowSample[], end: number, windowMs: number, test: LatencyTest, levels: Levels & { baselineAlpha: number }): LatencyJudgement {
  let newestWithLatency: Histogram | undefined;
  for (let i = history.length - 1; i >= 0 && !newestWithLatency; i--) newestWithLatency = history[i]!.canary?.latencyMs;
  if (!newestWithLatency) return { status: 'inconclusive', canary: null, baseline: null, alarmed: false, newest: null };
  const bounds = newestWithLatency.bounds;
  const all = lastWindows(history, end, windowMs, test.windows);
  const base = mergeHistograms(bounds, all.map((w) => w.baseline?.latencyMs));
  const fullCanary = mergeHistograms(bounds, all.map((w) => w.canary?.latencyMs));
  const show = {
    canary: fullCanary ? quantile(fullCanary, test.q) : null,
    baseline: base ? quantile(base, test.q) : null,
  };
  if (!base || total(base) === 0) return { status: 'inconclusive', ...show, alarmed: false, newest: null };
  const tail = 1 - test.q;
  const horizons = scanHorizons(test.windows);
  const m = horizons.length;
  // The baseline over the same recent windows as the canary: a latency incident that hits both
  // raises the limit with it (shared, not the release's fault). The whole window's bound is kept as
  // a floor so a quiet recent minute cannot lower the bar.
  const upperAll = quantileUpperBound(base, test.q, levels.baselineAlpha);
  let alarmed = false;
  let newest: LatencyJudgement['newest'] = null;
  let seen: { canary: number | null; baseline: number | null } | null = null;
  // The suffixes are nested: merge them newest first, one window at a time.
  let c: Histogram | null = null;
  let b: Histogram | null = null;
  let taken = 0;
  for (const h of horizons) {
    const from = end - h * windowMs - 1;
    for (; taken < all.length && all[all.length - 1 - taken]!.start >= from; taken++) {
      const w = all[all.length - 1 - taken]!;
      c = mergeHistograms(bounds, [c ?? undefined, w.canary?.latencyMs]);
      b = mergeHistograms(bounds, [b ?? undefined, w.baseline?.latencyMs]);
    }
    if (!c || total(c) === 0 || upperAll === null) continue;
    // A recent baseline whose quantile lies in the open top bucket has no upper bound: the canary
    // cannot be shown slower than it (an identical canary was called red when this read as 0).
    if (b && total(b) > 0 && (quantile(b, test.q) ?? 0) >= bounds.at(-1)!) continue;
    const floor = upperAll * (1 + test.increase);
    // Below the floor's tail share nothing can be significant, whatever the recent baseline adds.
    if (h !== 1 && countCertainlyAtOrAbove(c, floor) <= total(c) * tail) continue;
    const upper = b ? quantileUpperBound(b, test.q, levels.baselineAlpha) : null;
    // A recent baseline too thin to bound its quantile cannot lower the bar, nor need it raise it.
    const limit = Math.max(upper ?? 0, upperAll) * (1 + test.increase);
    if (h === 1) {
      // The sequential test counts against the whole window's limit: one minute of baseline is too
      // thin to bound its quantile (at 60 requests the bound is near the slowest one), and letting
      // it raise the bar threw a slow canary's evidence away at low traffic. A baseline that slows
      // too lifts the allowance instead, where it is shown to (core/allowance.ts), as for rates.
      const inWindow = b && total(b) > 0 ? { n: total(b), k: countCertainlyAtOrAbove(b, floor) } : null;
      const recent = { n: total(base), k: countCertainlyAtOrAbove(base, floor) };
      newest = { n: total(c), k: countCertainlyAtOrAbove(c, floor), kGreen: countPossiblyAbove(c, floor), allowed: allowedRate(tail, inWindow, [recent], levels.yellowAlpha) };
    }
    const above = countCertainlyAtOrAbove(c, limit);
    if (above > total(c) * tail && binomialUpperTail(above, total(c), tail) < levels.yellowAlpha / m) {
      alarmed = true;
      seen ??= { canary: quantile(c, test.q), baseline: b ? quantile(b, test.q) : show.baseline };
    }
  }
  if (alarmed) return { status: 'inconclusive', ...(seen ?? show), alarmed, newest };
  // Green: the same limit, with the bucket that straddles it counted as above (conservative the
  // other way): the canary's p95 is below the limit with confidence.
  if (upperAll !== null && fullCanary && total(fullCanary) > 0) {
    const limit = upperAll * (1 + test.increase);
    const p = binomialLowerTail(countPossiblyAbove(fullCanary, limit), total(fullCanary), tail);
    if (p < levels.greenAlpha) return { status: 'green', ...show, alarmed, newest };
  }
  return { status: 'inconclusive', ...show, alarmed, newest };
}
