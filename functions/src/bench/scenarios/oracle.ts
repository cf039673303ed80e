import { binomialUpperTail } from '../../core/stats';

/**
 * The information limit: windows a fixed-sample one-sided exact binomial test at `alpha`, knowing
 * the onset, needs to tell `times` x the threshold from the threshold with power 0.9.
 */
export function informationLimit(rpm: number, t: number, times: number, alpha: number): number {
  for (let w = 1; w < 100_000; w = Math.ceil(w * 1.02)) {
    if (fixedTestPower(Math.round(w * rpm), t, times, alpha) >= 0.9) {
      // Refine downwards from the coarse step.
      for (let v = Math.max(1, Math.floor(w / 1.02)); v <= w; v++) if (fixedTestPower(Math.round(v * rpm), t, times, alpha) >= 0.9) return v;
      return w;
    }
  }
  return Infinity;
}

/** Power of the one-sided exact binomial test at `alpha` on n trials against `times` x the threshold t. */
export function fixedTestPower(n: number, t: number, times: number, alpha: number): number {
  let k = Math.ceil(n * t);
  while (k <= n && binomialUpperTail(k, n, t) >= alpha) k++;
  return k <= n ? binomialUpperTail(k, n, times * t) : 0;
}
