/**
 * Change detection that stays valid when one looks every minute for a week: a Shiryaev-Roberts
 * statistic per alternative rate, mixed over a grid of alternatives (docs/decisions.md, "Tests
 * that hold over a whole bake").
 *
 * For a rate p and its threshold t, and an alternative a > t, one window of n trials with k events
 * has the likelihood ratio LR = (a/t)^k ((1-a)/(1-t))^(n-k). Its mean is <= 1 whenever p <= t.
 * The Shiryaev-Roberts statistic R_w = (1 + R_(w-1)) LR_w sums the likelihood ratios of every
 * possible onset, so it pools the evidence from wherever the trouble began and forgets healthy
 * windows before it. R_w + (W - w) is a non-negative supermartingale under p <= t, so by Ville's
 * inequality the chance that the mixture ever reaches W / alpha within W looks is at most alpha.
 */

/** Multiples of the threshold the mixture bets on; weak ones catch slow drifts, strong ones spikes. */
export const ALTERNATIVES = [1.5, 2, 3, 5, 10, 25] as const;

/** Natural logs are kept within this range so a stored statistic is always a finite number. */
const LOG_MIN = -200;
const LOG_MAX = 700;

/** The alternative rates for threshold t: multiples of t, capped so that each stays below 1. */
export function alternativeRates(t: number): number[] {
  return ALTERNATIVES.map((r) => Math.min(r * t, 1 - (1 - t) / r));
}

/** ln LR of k events in n trials, alternative a against threshold t. */
export function logLikelihoodRatio(n: number, k: number, t: number, a: number): number {
  if (n <= 0) return 0;
  if (t <= 0) return k > 0 ? LOG_MAX : 0;
  if (t >= 1) return 0;
  return k * Math.log(a / t) + (n - k) * Math.log((1 - a) / (1 - t));
}

/** ln(1 + e^x) without overflow. */
function softplus(x: number): number {
  return x > 30 ? x : Math.log1p(Math.exp(x));
}

const clamp = (x: number) => Math.min(LOG_MAX, Math.max(LOG_MIN, x));

/** A fresh statistic: R = 0 for every alternative (stored as its floor log). */
export function freshStatistic(): number[] {
  return ALTERNATIVES.map(() => LOG_MIN);
}

/**
 * One look: ln R_w = ln(1 + R_(w-1)) + ln LR_w per alternative. `t` is the rate the canary may
 * reach in this window (the threshold, or a failing baseline's rate: the release is blamed only
 * for what exceeds both).
 */
export function updateStatistic(prev: readonly number[] | undefined, n: number, k: number, t: number): number[] {
  const logR = prev && prev.length === ALTERNATIVES.length ? prev : freshStatistic();
  if (n <= 0) return [...logR];
  const alts = alternativeRates(t);
  return logR.map((lr, i) => clamp(softplus(lr) + logLikelihoodRatio(n, k, t, alts[i]!)));
}

/** ln of the equally weighted mixture of the alternatives' statistics. */
export function mixtureLog(logR: readonly number[] | undefined): number {
  if (!logR || logR.length === 0) return LOG_MIN;
  const max = Math.max(...logR);
  const sum = logR.reduce((s, x) => s + Math.exp(x - max), 0);
  return max + Math.log(sum / logR.length);
}

/** ln(W / alpha): the level the mixture must reach for a decision whose error over W looks is <= alpha. */
export function alarmLevel(looks: number, alpha: number): number {
  return Math.log(Math.max(1, looks) / alpha);
}
