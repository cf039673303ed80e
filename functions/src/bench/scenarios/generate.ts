import { defaultPolicy } from '../../config/default-policy';
import type { Policy } from '../../config/policy-schema';
import type { Scenario } from '../../config/scenario-schema';
import { binomialUpperTail } from '../../core/stats';
import { CHANNELS, PLATFORMS, type Channel, type Platform } from '../../core/types';
import { pick, seeded, uniform, type Rng } from './random';
import { BOUNDS, drawSide, latencyAbove, latencyQuantile, type SideModel } from './sides';

export const FAMILIES = ['healthy', 'near-threshold', 'data-gap', 'shared-incident', 'error-regression', 'crash-regression', 'latency-regression'] as const;
export type Family = (typeof FAMILIES)[number];
export const TRAFFIC = { low: 20, medium: 300, high: 5000 } as const;
export type Traffic = keyof typeof TRAFFIC;

/** One generated scenario and the truth about it. */
export interface BenchCase {
  scenario: Scenario;
  family: Family;
  traffic: Traffic;
  /** First window of the regression; null when the canary is healthy throughout. */
  onset: number | null;
  /** The regression carries enough evidence to be caught within DETECT_WITHIN windows (see oraclePower). */
  detectable: boolean;
  /** The chance that the oracle of oraclePower catches it (0 without a regression). */
  oraclePower: number;
  strength: number;
}

export const WINDOWS = 60;
export const DETECT_WITHIN = 15;
/** The bar of "detectable": the expected count over DETECT_WITHIN windows clears an exact test at this level. */
export const DETECTABLE_ALPHA = 0.001;
const BASELINE_RATIO: Record<Channel, number> = { alpha: 9, beta: 3, stable: 1 };
const SESSIONS_PER_REQUEST = 0.25;

/** Required power of the reference test for a regression to count as detectable. */
export const DETECTABLE_POWER = 0.9;

/**
 * The chance that an oracle catches the regression: a one-sided exact binomial test at
 * DETECTABLE_ALPHA against the threshold, run once by an oracle that knows the onset and pools
 * exactly the DETECT_WITHIN windows after it. "Detectable" (decided without looking at any policy's
 * decisions) is this power >= DETECTABLE_POWER. Weaker or quieter regressions are left out of the detection rate (a rollback of
 * them still counts as a true one, never as a false one).
 */
export function oraclePower(trialsPerWindow: number, badRate: number, threshold: number): number {
  const n = Math.round(trialsPerWindow * DETECT_WITHIN);
  if (n === 0) return 0;
  let lo = Math.floor(n * threshold);
  let hi = n + 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (binomialUpperTail(mid, n, threshold) < DETECTABLE_ALPHA) hi = mid;
    else lo = mid + 1;
  }
  return lo <= n ? binomialUpperTail(lo, n, badRate) : 0;
}

// The oracle knows the true distributions, but the baseline's p95 can only be learnt from the
// baseline's own samples and at the histograms' resolution, by it as by any evaluator: the limit is
// the 95% upper confidence bound of the baseline p95 given the baseline's expected sample over
// DETECT_WITHIN windows, rounded up to a bucket edge, times (1 + increase), rounded up again.
function edgeAtOrAbove(x: number): number {
  return BOUNDS.find((b) => b >= x) ?? Infinity;
}
function latencyLimit(baselinePerWindow: number, increase: number): number {
  const n = baselinePerWindow * DETECT_WITHIN;
  const q = Math.min(0.9999, 0.95 + 1.6449 * Math.sqrt((0.95 * 0.05) / n));
  return edgeAtOrAbove(edgeAtOrAbove(latencyQuantile(q, 1)) * (1 + increase));
}

function healthyModel(rng: Rng, policy: Policy, platform: Platform, channel: Channel, requests: number): SideModel {
  const red = policy.channels[channel].red;
  return {
    requests,
    errorRate: red.errorRate * uniform(rng, 0.05, 0.4),
    sessions: platform === 'web' ? 0 : requests * SESSIONS_PER_REQUEST,
    crashRate: red.crashRate * uniform(rng, 0.05, 0.4),
    latencyScale: 1,
  };
}

/** Builds one case of `family` for (platform, channel, traffic). */
export function makeCase(rng: Rng, policy: Policy, family: Family, platform: Platform, channel: Channel, traffic: Traffic, index: number): BenchCase {
  const red = policy.channels[channel].red;
  const n = TRAFFIC[traffic];
  const base = healthyModel(rng, policy, platform, channel, n * BASELINE_RATIO[channel]);
  const canary: SideModel = { ...base, requests: n, sessions: base.sessions / BASELINE_RATIO[channel] };
  const onset = family.endsWith('regression') ? Math.floor(uniform(rng, 20, 36)) : null;
  let strength = 1;
  let power = 0;
  let regressed = canary;
  const shared = { from: Math.floor(uniform(rng, 15, 35)), length: Math.floor(uniform(rng, 5, 16)), rate: red.errorRate * uniform(rng, 1.5, 4), slow: rng() < 0.5 };
  const gaps = Array.from({ length: 1 + Math.floor(rng() * 3) }, () => ({ from: Math.floor(uniform(rng, 5, 50)), length: Math.floor(uniform(rng, 2, 13)), outage: rng() < 0.5 }));
  switch (family) {
    case 'healthy':
    case 'data-gap':
    case 'shared-incident':
      break;
    case 'near-threshold':
      Object.assign(canary, {
        errorRate: red.errorRate * uniform(rng, 0.6, 0.85),
        crashRate: red.crashRate * uniform(rng, 0.6, 0.85),
        latencyScale: 1 + red.p95LatencyIncrease * uniform(rng, 0.2, 0.6),
      });
      break;
    case 'error-regression':
      strength = pick(rng, [1.3, 2, 4, 10]);
      regressed = { ...canary, errorRate: red.errorRate * strength };
      power = oraclePower(n, regressed.errorRate, red.errorRate);
      break;
    case 'crash-regression':
      strength = pick(rng, [1.5, 2, 4, 10]);
      regressed = { ...canary, crashRate: red.crashRate * strength };
      power = oraclePower(canary.sessions, regressed.crashRate, red.crashRate);
      break;
    case 'latency-regression': {
      strength = pick(rng, [1.15, 1.5, 2, 3]);
      regressed = { ...canary, latencyScale: (1 + red.p95LatencyIncrease) * strength };
      const limit = latencyLimit(base.requests, red.p95LatencyIncrease);
      power = oraclePower(n, latencyAbove(limit, regressed.latencyScale), 0.05);
      break;
    }
    default: {
      const exhaustive: never = family;
      throw new Error(`unknown family ${String(exhaustive)}`);
    }
  }
  const windows: Scenario['windows'] = [];
  for (let i = 0; i < WINDOWS; i++) {
    let c = onset !== null && i >= onset ? regressed : canary;
    let b = base;
    if (family === 'shared-incident' && i >= shared.from && i < shared.from + shared.length) {
      const hit = (m: SideModel): SideModel => ({ ...m, errorRate: shared.rate, latencyScale: shared.slow ? 2.5 : 1 });
      c = hit(c);
      b = hit(b);
    }
    const gap = family === 'data-gap' ? gaps.find((g) => i >= g.from && i < g.from + g.length) : undefined;
    windows.push({ canary: gap ? null : drawSide(rng, c), baseline: gap?.outage ? null : drawSide(rng, b) });
  }
  const scenario: Scenario = {
    name: `${family} ${platform}/${channel} ${traffic} traffic #${index}${onset !== null ? ` x${strength} from window ${onset}` : ''}`,
    platform,
    channel,
    release: 'v29.1.0',
    previousRelease: 'v29.0.0',
    start: '2026-01-05T10:00:00Z',
    windowSeconds: 60,
    windows,
  };
  return { scenario, family, traffic, onset, detectable: power >= DETECTABLE_POWER, oraclePower: power, strength };
}

/** The seeded suite: every family on every platform, channel and traffic level (252 cases). */
export function generateSuite(seed: number, policy: Policy = defaultPolicy): BenchCase[] {
  const rng = seeded(seed);
  const cases: BenchCase[] = [];
  for (const family of FAMILIES) {
    const copies = family.endsWith('regression') ? 2 : 1;
    for (const platform of PLATFORMS) {
      if (family === 'crash-regression' && platform === 'web') continue;
      for (const channel of CHANNELS) {
        for (const traffic of Object.keys(TRAFFIC) as Traffic[]) {
          for (let c = 0; c < copies; c++) cases.push(makeCase(rng, policy, family, platform, channel, traffic, cases.length));
        }
      }
    }
  }
  return cases;
}

