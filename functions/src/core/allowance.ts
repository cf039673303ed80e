import type { Pooled } from './pool';
import { binomialUpperTail } from './stats';

/** Whether `p` shows a rate above `t` by an exact one-sided test at `alpha`. */
function failing(p: Pooled | null, t: number, alpha: number): p is Pooled {
  return p !== null && p.n > 0 && p.k > p.n * t && binomialUpperTail(p.k, p.n, t) < alpha;
}

/**
 * The rate the canary may reach in one window before the sequential test blames the release
 * (docs/decisions.md, "Not the release's fault"): the threshold `t`, lifted to the baseline's rate
 * only while the baseline is itself shown to be failing, in this window or over one of the recent
 * suffixes (`recent`, the newest 1, 2, 4... windows), each at `alpha` / (number of tests), the
 * policy's yellowAlpha as for a shared incident. Then it is lifted to the highest of the
 * baseline's rates in this window and over the failing suffixes.
 *
 * An unproven lift would cost the canary its evidence for nothing: at 20 requests a minute one
 * baseline error reads as 5%, ten times a 0.5% threshold, and such windows (5% of them for a healthy
 * baseline at 0.35%) took more evidence away from a canary at twice the threshold than the other
 * windows added, so a regression there was never caught. The result is never below `t`, so the
 * false-rollback guarantee, which holds for any allowance at or above the threshold, is untouched.
 */
export function allowedRate(t: number, window: Pooled | null, recent: readonly (Pooled | null)[], alpha: number): number {
  const level = alpha / (1 + recent.length);
  const shown = recent.filter((p) => failing(p, t, level));
  if (!failing(window, t, level) && shown.length === 0) return t;
  const rate = (p: Pooled | null) => (p && p.n > 0 ? p.k / p.n : 0);
  return Math.max(t, rate(window), ...shown.map(rate));
}
