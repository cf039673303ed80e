import type { SideCounts } from '../../core/types';
import { binomial, normalCdf, type Rng } from './random';

/** Latency buckets of the benchmark: exponential, 5 ms x 1.08^i (Cloud Monitoring style). */
export const BOUNDS: number[] = Array.from({ length: 110 }, (_, i) => Number((5 * Math.pow(1.08, i)).toFixed(3)));

/** Healthy latency: log-normal, median 120 ms, sigma 0.45 (p95 about 252 ms). */
export const LATENCY = { median: 120, sigma: 0.45 };

/** P(latency > x) for the healthy distribution slowed down by `scale`. */
export function latencyAbove(x: number, scale: number): number {
  return 1 - normalCdf((Math.log(x / (LATENCY.median * scale))) / LATENCY.sigma);
}

/** The q-quantile of the healthy distribution slowed down by `scale`. */
export function latencyQuantile(q: number, scale: number): number {
  let lo = -10;
  let hi = 10;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < q) lo = mid;
    else hi = mid;
  }
  return LATENCY.median * scale * Math.exp(lo * LATENCY.sigma);
}

const bucketCache = new Map<string, number[]>();
function bucketProbabilities(bounds: number[], scale: number): number[] {
  const key = `${bounds.length}:${bounds[0]}:${scale}`;
  let probs = bucketCache.get(key);
  if (!probs) {
    const cdf = bounds.map((b) => 1 - latencyAbove(b, scale));
    probs = [cdf[0]!, ...bounds.slice(1).map((_, i) => cdf[i + 1]! - cdf[i]!), 1 - cdf[cdf.length - 1]!];
    bucketCache.set(key, probs);
  }
  return probs;
}

function histogram(rng: Rng, n: number, scale: number, bounds: number[]): { bounds: number[]; counts: number[] } {
  const probs = bucketProbabilities(bounds, scale);
  const counts: number[] = [];
  let left = n;
  let mass = 1;
  for (const p of probs) {
    const k = left > 0 && mass > 0 ? binomial(rng, left, Math.min(1, p / mass)) : 0;
    counts.push(k);
    left -= k;
    mass -= p;
  }
  counts[counts.length - 1]! += left;
  return { bounds, counts };
}

/** What a population does in one window. */
export interface SideModel {
  requests: number;
  errorRate: number;
  /** Sessions per window; 0 on the web. */
  sessions: number;
  crashRate: number;
  latencyScale: number;
}

/** Draws one window of counts from a model. */
export function drawSide(rng: Rng, m: SideModel, bounds: number[] = BOUNDS): SideCounts {
  const requests = Math.max(0, Math.round(m.requests * (0.8 + 0.4 * rng())));
  const side: SideCounts = { requests, errors: binomial(rng, requests, m.errorRate), latencyMs: histogram(rng, requests, m.latencyScale, bounds) };
  if (m.sessions > 0) {
    const sessions = Math.max(1, Math.round(m.sessions * (0.8 + 0.4 * rng())));
    side.sessions = sessions;
    side.crashes = binomial(rng, sessions, m.crashRate);
  }
  return side;
}
