import type { SideCounts, WindowSample } from './types';

/** How many windows of `windowMs` cover `minutes` (at least one). */
export function windowsFor(minutes: number, windowMs: number): number {
  return Math.max(1, Math.ceil((minutes * 60_000) / windowMs - 1e-9));
}

/**
 * Suffix lengths tested for each metric: the newest window, the newest 2, 4, 8... and the whole
 * pooling window. A fresh regression is seen in the short suffixes before the old healthy windows
 * dilute it; a slow one in the long suffix. Each test runs at alpha / (number of suffixes).
 */
export function scanHorizons(total: number): number[] {
  const out: number[] = [];
  for (let h = 1; h < total; h *= 2) out.push(h);
  out.push(total);
  return out;
}

/** The windows among `history` that lie within the `count` windows ending at `end`. */
export function lastWindows(history: readonly WindowSample[], end: number, windowMs: number, count: number): WindowSample[] {
  const from = end - count * windowMs;
  return history.filter((w) => w.start >= from - 1 && w.start + w.durationMs <= end + 1);
}

export interface Pooled {
  /** Trials (requests or sessions). */
  n: number;
  /** Events counted against the threshold (errors, failures, crashes). */
  k: number;
}

/** Sums one side's trials and events; null when no window of that side had trials. */
export function poolSide(
  windows: readonly WindowSample[],
  side: 'canary' | 'baseline',
  pick: (s: SideCounts) => Pooled | null,
): Pooled | null {
  let n = 0;
  let k = 0;
  for (const w of windows) {
    const s = w[side];
    const p = s ? pick(s) : null;
    if (!p) continue;
    n += p.n;
    k += p.k;
  }
  return n > 0 ? { n, k } : null;
}

/** The canary against its baseline, window by window (see `compareWithBaseline`). */
export interface BaselineComparison {
  /** The baseline's rate weighted by the canary's traffic in each window. */
  baselineRate: number;
  /** P-value of "the canary is worse than the baseline". */
  canaryWorseP: number;
}

/**
 * Compares canary and baseline within each window, so traffic that shifts between windows of
 * different rates cannot fake a difference (Simpson's paradox). Under "same rate in each window",
 * given a window's events, the canary's share is Binomial(k_w, n_c/(n_c+n_b)); the sum over
 * windows is approximated by one binomial with the same mean, whose larger variance makes the
 * test conservative about blaming the canary. Null without a window where both sides have trials.
 */
export function compareWithBaseline(
  windows: readonly WindowSample[],
  pick: (s: SideCounts) => Pooled | null,
  tail: (k: number, n: number, p: number) => number,
): BaselineComparison | null {
  let events = 0;
  let expected = 0;
  let canaryEvents = 0;
  let canaryTrials = 0;
  let weighted = 0;
  for (const w of windows) {
    const c = w.canary ? pick(w.canary) : null;
    const b = w.baseline ? pick(w.baseline) : null;
    if (!c || !b) continue;
    const share = c.n / (c.n + b.n);
    events += c.k + b.k;
    expected += (c.k + b.k) * share;
    canaryEvents += c.k;
    canaryTrials += c.n;
    weighted += c.n * (b.k / b.n);
  }
  if (canaryTrials === 0) return null;
  const canaryWorseP = events === 0 ? 1 : tail(canaryEvents, events, expected / events);
  return { baselineRate: weighted / canaryTrials, canaryWorseP };
}
