import { compareWithBaseline, lastWindows, poolSide, scanHorizons, type Pooled } from './pool';
import { binomialLowerTail, binomialUpperTail } from './stats';
import type { SideCounts, Verdict, WindowSample } from './types';

/** Where a rate metric reads its counts and the rate it must stay under. */
export interface RateTest {
  /** Highest acceptable event rate (errors, failures, crashes per trial). */
  threshold: number;
  pick: (side: SideCounts) => Pooled | null;
  /** Windows pooled at most (the metric's evaluation window). */
  windows: number;
}

export interface Levels {
  redAlpha: number;
  yellowAlpha: number;
  greenAlpha: number;
}

export interface RateJudgement {
  /** red: significantly above the threshold and worse than the baseline; yellow: weaker evidence, or shared. */
  status: Verdict;
  /** Event rates over the windows that decided the status. */
  canary: number | null;
  baseline: number | null;
  /** Canary and baseline crossed the threshold together and the canary is not worse. */
  shared: boolean;
}

/**
 * Judges one rate metric with exact binomial tests over pooled counts, scanning the newest
 * 1, 2, 4, ... windows up to the metric's window (Bonferroni-corrected across the scan).
 */
export function judgeRate(history: readonly WindowSample[], end: number, windowMs: number, test: RateTest, levels: Levels): RateJudgement {
  const horizons = scanHorizons(test.windows);
  const m = horizons.length;
  const t = test.threshold;
  let yellow: RateJudgement | null = null;
  let shared: RateJudgement | null = null;
  let full: { c: Pooled | null; b: Pooled | null } = { c: null, b: null };
  for (const h of horizons) {
    const ws = lastWindows(history, end, windowMs, h);
    const c = poolSide(ws, 'canary', test.pick);
    const b = poolSide(ws, 'baseline', test.pick);
    full = { c, b };
    if (!c) continue;
    const pAbove = binomialUpperTail(c.k, c.n, t);
    if (pAbove >= levels.yellowAlpha / m) continue;
    const rates = { canary: c.k / c.n, baseline: b ? b.k / b.n : null };
    const vs = compareWithBaseline(ws, test.pick, binomialUpperTail);
    if (vs && vs.baselineRate >= t && vs.canaryWorseP >= levels.redAlpha / m) {
      shared ??= { status: 'yellow', shared: true, ...rates };
    } else if (pAbove < levels.redAlpha / m) {
      return { status: 'red', shared: false, ...rates };
    } else {
      yellow ??= { status: 'yellow', shared: false, ...rates };
    }
  }
  if (yellow) return yellow;
  if (shared) return shared;
  const { c, b } = full;
  const rates = { canary: c ? c.k / c.n : null, baseline: b ? b.k / b.n : null };
  if (c && binomialLowerTail(c.k, c.n, t) < levels.greenAlpha) return { status: 'green', shared: false, ...rates };
  return { status: 'inconclusive', shared: false, ...rates };
}
