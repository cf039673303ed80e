import { binomialUpperTail } from './stats';
import type { Histogram } from './types';

/**
 * Histogram arithmetic on Cloud Monitoring explicit buckets: counts[0] < bounds[0] <= counts[1] <
 * bounds[1] ... <= counts[n]. Bounds that fall inside a bucket are resolved conservatively.
 */

function sameBounds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Sum of the histograms sharing `bounds`; others are ignored (a bucket layout change mid-window). */
export function mergeHistograms(bounds: readonly number[], list: readonly (Histogram | undefined)[]): Histogram | null {
  const counts = new Array<number>(bounds.length + 1).fill(0);
  let any = false;
  for (const h of list) {
    if (!h || !sameBounds(h.bounds, bounds)) continue;
    any = true;
    h.counts.forEach((c, i) => (counts[i]! += c));
  }
  return any ? { bounds: [...bounds], counts } : null;
}

export function total(h: Histogram): number {
  return h.counts.reduce((a, b) => a + b, 0);
}

/** The q-quantile by linear interpolation inside its bucket (display only). */
export function quantile(h: Histogram, q: number): number | null {
  const n = total(h);
  if (n === 0) return null;
  const target = q * n;
  let below = 0;
  for (let i = 0; i < h.counts.length; i++) {
    const c = h.counts[i]!;
    if (below + c >= target && c > 0) {
      const lo = i === 0 ? 0 : h.bounds[i - 1]!;
      const hi = i < h.bounds.length ? h.bounds[i]! : lo;
      return lo + ((hi - lo) * (target - below)) / c;
    }
    below += c;
  }
  return h.bounds[h.bounds.length - 1]!;
}

/** Values certainly >= limit: buckets whose lower edge is >= limit. */
export function countCertainlyAtOrAbove(h: Histogram, limit: number): number {
  let sum = 0;
  for (let i = 1; i < h.counts.length; i++) if (h.bounds[i - 1]! >= limit) sum += h.counts[i]!;
  return sum;
}

/** Values possibly > limit: buckets whose upper edge is above limit (the overflow bucket always). */
export function countPossiblyAbove(h: Histogram, limit: number): number {
  let sum = 0;
  for (let i = 0; i < h.counts.length; i++) if (i === h.bounds.length || h.bounds[i]! > limit) sum += h.counts[i]!;
  return sum;
}

/**
 * An upper confidence bound for the q-quantile: the smallest bucket edge b such that, were the
 * true quantile >= b, seeing this many values below b would have probability <= alpha.
 */
export function quantileUpperBound(h: Histogram, q: number, alpha: number): number | null {
  const n = total(h);
  let below = 0;
  for (let i = 0; i < h.bounds.length; i++) {
    below += h.counts[i]!;
    // Below the empirical quantile the tail is >= ~1/2: skip the exact test there.
    if (below >= q * n && n > 0 && binomialUpperTail(below, n, q) <= alpha) return h.bounds[i]!;
  }
  return null;
}
