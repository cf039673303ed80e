import type { Policy } from '../config/policy-schema';
import { judgeLatency } from './judge-latency';
import { judgeRate, type RateJudgement } from './judge-rate';
import { windowsFor } from './pool';
import { latencyReason, rateReason, sharedReason } from './reasons';
import type { Channel, MetricName, MetricResult, Platform, Verdict, WindowSample } from './types';

const RANK: Record<Verdict, number> = { green: 0, inconclusive: 1, yellow: 2, red: 3 };

/** The worse of two verdicts; inconclusive is worse than green (no evidence is not a pass). */
export function worse(a: Verdict, b: Verdict): Verdict {
  return RANK[a] >= RANK[b] ? a : b;
}

export interface WindowJudgement {
  verdict: Verdict;
  metrics: Record<MetricName, MetricResult>;
  reasons: string[];
  sharedIncident: boolean;
}

/**
 * Judges every metric over the history ending at `end` and folds them into one verdict. Metrics
 * the platform does not report (crash rate on the web) are shown but do not count.
 */
export function judgeWindow(policy: Policy, platform: Platform, channel: Channel, history: readonly WindowSample[], end: number, windowMs: number): WindowJudgement {
  const ch = policy.channels[channel];
  const ev = policy.evaluation;
  const w = policy.windows;
  const applies = new Set<MetricName>(policy.platformMetrics[platform]);
  const reasons: string[] = [];
  let shared = false;

  const errors = judgeRate(history, end, windowMs, {
    threshold: ch.red.errorRate,
    windows: windowsFor(w.errorRateMinutes, windowMs),
    pick: (s) => (s.requests > 0 ? { n: s.requests, k: s.errors } : null),
  }, ev);
  const failures = judgeRate(history, end, windowMs, {
    threshold: 1 - ch.successRate.below,
    windows: windowsFor(w.successRateMinutes, windowMs),
    pick: (s) => (s.requests > 0 ? { n: s.requests, k: s.requests - (s.successes ?? s.requests - s.errors) } : null),
  }, ev);
  const crashes = judgeRate(history, end, windowMs, {
    threshold: ch.red.crashRate,
    windows: windowsFor(w.crashRateMinutes, windowMs),
    pick: (s) => (s.sessions !== undefined && s.sessions > 0 ? { n: s.sessions, k: s.crashes ?? 0 } : null),
  }, ev);
  const latency = judgeLatency(history, end, windowMs, {
    increase: ch.red.p95LatencyIncrease,
    q: ev.latencyQuantile,
    windows: windowsFor(w.p95LatencyMinutes, windowMs),
  }, { ...ev, baselineAlpha: ev.latencyBaselineAlpha });

  const rateMetric = (name: MetricName, label: string, j: RateJudgement, threshold: number, asSuccess: boolean): MetricResult => {
    let status = j.status;
    if (asSuccess && status === 'red' && ch.successRate.action === 'pause') status = 'yellow';
    const canary = j.canary === null ? null : asSuccess ? 1 - j.canary : j.canary;
    const baseline = j.baseline === null ? null : asSuccess ? 1 - j.baseline : j.baseline;
    if (applies.has(name) && (status === 'red' || status === 'yellow')) {
      if (j.shared) {
        shared = true;
        reasons.push(sharedReason(label, canary, baseline, threshold));
      } else {
        reasons.push(rateReason(label, canary, threshold) + (asSuccess ? ': investigate' : ''));
      }
    }
    return { canary, baseline, threshold, status };
  };

  const metrics: Record<MetricName, MetricResult> = {
    error_rate: rateMetric('error_rate', 'Error rate', errors, ch.red.errorRate, false),
    success_rate: rateMetric('success_rate', 'Success rate', failures, ch.successRate.below, true),
    crash_rate: rateMetric('crash_rate', 'Crash rate', crashes, ch.red.crashRate, false),
    p95_latency: {
      canary: latency.canary,
      baseline: latency.baseline,
      threshold: ch.red.p95LatencyIncrease,
      status: latency.status,
    },
  };
  if (applies.has('p95_latency') && (latency.status === 'red' || latency.status === 'yellow')) {
    reasons.push(latencyReason(latency.canary, latency.baseline, ch.red.p95LatencyIncrease));
  }
  let verdict: Verdict = 'green';
  for (const name of applies) verdict = worse(verdict, metrics[name].status);
  if (!applies.has('crash_rate')) metrics.crash_rate.status = 'inconclusive';
  return { verdict, metrics, reasons, sharedIncident: shared && verdict !== 'red' };
}
