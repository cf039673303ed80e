/** Seeded randomness for the decision benchmark: the same seed gives the same suite everywhere. */

import { mulberry32 } from '../../core/seeded-random';

export type Rng = () => number;

/** The benchmarks' generator (mulberry32). */
export const seeded: (seed: number) => Rng = mulberry32;

export function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng();
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]!;
}

function gaussian(rng: Rng): number {
  const u = Math.max(rng(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** Binomial(n, p): exact for small means (inversion), normal approximation for large ones. */
export function binomial(rng: Rng, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomial(rng, n, 1 - p);
  if (n < 40) {
    let k = 0;
    for (let i = 0; i < n; i++) if (rng() < p) k++;
    return k;
  }
  const mean = n * p;
  if (mean < 30) {
    const u = rng();
    let pk = Math.pow(1 - p, n);
    let cdf = pk;
    let k = 0;
    while (u > cdf && k < n) {
      pk *= ((n - k) / (k + 1)) * (p / (1 - p));
      k++;
      cdf += pk;
    }
    return k;
  }
  const k = Math.round(mean + Math.sqrt(mean * (1 - p)) * gaussian(rng));
  return Math.min(n, Math.max(0, k));
}

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 through erf). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}
