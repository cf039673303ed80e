import { compareWithBaseline, lastWindows, poolSide, scanHorizons, type Pooled } from './pool';
import { binomialLowerTail, binomialUpperTail } from './stats';
import type { SideCounts, WindowSample } from './types';

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

/** What the recent windows say about one rate; the sequential statistic decides red (judge-window.ts). */
export interface RateJudgement {
  /** green: below the threshold with confidence over the recent windows; otherwise inconclusive. */
  status: 'green' | 'inconclusive';
  /** Event rates over the windows that decided the status. */
  canary: number | null;
  baseline: number | null;
  /** Some recent suffix puts the canary above the threshold (at yellowAlpha, Bonferroni over the scan). */
  alarmed: boolean;
  /** Over a suffix where the canary is alarmed, the baseline is significantly above the threshold too. */
  baselineFailing: boolean;
  /** Alarmed while the baseline fails too, and the canary is not significantly worse than it. */
  shared: boolean;
  /** The canary's counts behind `canary` and the windows they pool (messages show its confidence bound). */
  pooled: Pooled | null;
  windows: number;
}

/**
 * Reads one rate metric over the recent windows with exact binomial tests, scanning the newest
 * 1, 2, 4, ... windows up to the metric's window (Bonferroni-corrected across the scan). This is
 * what is shown and what decides green and shared incidents; it never calls red by itself: one
 * look every minute would add up to false rollbacks over a bake (docs/decisions.md).
 */
export function judgeRate(history: readonly WindowSample[], end: number, windowMs: number, test: RateTest, levels: Levels): RateJudgement {
  const horizons = scanHorizons(test.windows);
  const m = horizons.length;
  const t = test.threshold;
  const all = lastWindows(history, end, windowMs, test.windows);
  const fullC = poolSide(all, 'canary', test.pick);
  const fullB = poolSide(all, 'baseline', test.pick);
  let baselineFailing = false;
  let alarmed = false;
  let worse = false;
  let shown: { canary: number | null; baseline: number | null; pooled: Pooled | null; windows: number } | null = null;
  // The suffixes are nested: pool them newest first, one window at a time.
  const c: Pooled = { n: 0, k: 0 };
  let taken = 0;
  for (const h of horizons) {
    const from = end - h * windowMs - 1;
    for (; taken < all.length && all[all.length - 1 - taken]!.start >= from; taken++) {
      const s = all[all.length - 1 - taken]!.canary;
      const p = s ? test.pick(s) : null;
      if (p) {
        c.n += p.n;
        c.k += p.k;
      }
    }
    // At or below the threshold's mean no count is significant: skip the exact tail.
    if (c.n === 0 || c.k <= c.n * t || binomialUpperTail(c.k, c.n, t) >= levels.yellowAlpha / m) continue;
    const ws = all.slice(all.length - taken);
    const b = poolSide(ws, 'baseline', test.pick);
    shown ??= { canary: c.k / c.n, baseline: b ? b.k / b.n : null, pooled: { ...c }, windows: h };
    alarmed = true;
    if (b && binomialUpperTail(b.k, b.n, t) < levels.yellowAlpha / m) baselineFailing = true;
    const vs = compareWithBaseline(ws, test.pick, binomialUpperTail);
    if (!vs || vs.canaryWorseP < levels.redAlpha / m) worse = true;
  }
  const shared = alarmed && baselineFailing && !worse;
  const rates = shown ?? { canary: fullC ? fullC.k / fullC.n : null, baseline: fullB ? fullB.k / fullB.n : null, pooled: fullC, windows: test.windows };
  const green = !alarmed && fullC !== null && binomialLowerTail(fullC.k, fullC.n, t) < levels.greenAlpha;
  return { status: green ? 'green' : 'inconclusive', ...rates, alarmed, baselineFailing, shared };
}
