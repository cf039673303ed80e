import { allowedRate } from './allowance';
import { countCertainlyAtOrAbove, countPossiblyAbove, mergeHistograms, quantile, total } from './histogram';
import { lastWindows } from './pool';
import type { Histogram, WindowSample } from './types';

/** What the absolute latency limit (the SLA, e.g. "p95 < 200 ms") sees over the recent windows. */
export interface LatencySlaReading {
  /** p95 of the canary and of the baseline over the latency window, ms (display). */
  canary: number | null;
  baseline: number | null;
  /**
   * The newest window as a rate for the sequential test and the bake: canary requests (n), those
   * certainly at or above the limit (k: a pause needs proof), those possibly above it (kGreen: the
   * bake needs proof the other way), and the share the canary may reach above it (allowed: the
   * baseline's own share where it is shown above 1 - q, core/allowance.ts).
   */
  newest: { n: number; k: number; kGreen: number; allowed: number } | null;
}

/**
 * Under H0 "the canary's q-quantile is at most the limit", at most 1 - q of its requests lie above
 * the limit: the count above it is a binomial count like an error count. Pure.
 */
export function readLatencySla(history: readonly WindowSample[], end: number, windowMs: number, windows: number, limitMs: number, q: number, alpha: number): LatencySlaReading {
  const newestWindow = history.at(-1);
  const h: Histogram | undefined = newestWindow && newestWindow.start + newestWindow.durationMs >= end - 1 ? newestWindow.canary?.latencyMs : undefined;
  const bounds = h?.bounds ?? history.findLast((w) => w.canary?.latencyMs)?.canary?.latencyMs?.bounds;
  if (!bounds) return { canary: null, baseline: null, newest: null };
  const recent = lastWindows(history, end, windowMs, windows);
  const c = mergeHistograms(bounds, recent.map((w) => w.canary?.latencyMs));
  const b = mergeHistograms(bounds, recent.map((w) => w.baseline?.latencyMs));
  let newest: LatencySlaReading['newest'] = null;
  if (h && total(h) > 0) {
    const base = newestWindow?.baseline?.latencyMs;
    const inWindow = base && total(base) > 0 && base.bounds.length === bounds.length ? { n: total(base), k: countCertainlyAtOrAbove(base, limitMs) } : null;
    const overWindows = b && total(b) > 0 ? { n: total(b), k: countCertainlyAtOrAbove(b, limitMs) } : null;
    newest = { n: total(h), k: countCertainlyAtOrAbove(h, limitMs), kGreen: countPossiblyAbove(h, limitMs), allowed: allowedRate(1 - q, inWindow, [overWindows], alpha) };
  }
  return { canary: c ? quantile(c, q) : null, baseline: b ? quantile(b, q) : null, newest };
}
