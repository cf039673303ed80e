import type { Policy } from '../config/policy-schema';
import type { BakeState, PooledCounts, RolloutState } from './canary';
import { percent } from './reasons';
import { RATE_METRICS } from './rate-metrics';
import { binomialLowerTail } from './stats';
import type { MetricName, Platform } from './types';

/**
 * A stage's bake passes on the evidence pooled over all of it, not on an unbroken run of green
 * minutes: "error rate < 2% for 48 h" is a statement about the 48 hours.
 */

/** A bake starting at `since` with nothing pooled. */
export function freshBake(since: number): BakeState {
  return { since, heldMs: 0, pooled: {}, evidence: {} };
}

/** The state's bake; a document stored before bakes existed starts one where its green run (or stage) began. */
export function bakeOf(state: RolloutState): BakeState {
  return state.bake ?? freshBake(state.greenSince ?? state.stageStartedAt);
}

/** Adds one window's canary counts to the pooled ones. */
export function pool(pooled: BakeState['pooled'], counts: Partial<Record<MetricName, PooledCounts>>): BakeState['pooled'] {
  const out = { ...pooled };
  for (const [name, c] of Object.entries(counts) as [MetricName, PooledCounts][]) {
    const p = out[name] ?? { n: 0, k: 0 };
    out[name] = { n: p.n + c.n, k: p.k + c.k };
  }
  return out;
}

/** Baked time so far: the clock stands still while paused. */
export function bakedMs(bake: BakeState, end: number): number {
  return end - bake.since - bake.heldMs;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * What the pooled evidence still lacks for a promotion, in words; empty when it suffices: the
 * channel's minimum exposure, and every applicable rate (and the latency quantile) shown below its
 * threshold with the policy's confidence (one-sided Clopper-Pearson bound at greenAlpha).
 */
export function bakeShortfall(policy: Policy, platform: Platform, channel: RolloutState['channel'], bake: BakeState): string[] {
  const ch = policy.channels[channel];
  const applies = new Set<MetricName>(policy.platformMetrics[platform]);
  const alpha = policy.evaluation.greenAlpha;
  const out: string[] = [];
  const requests = bake.pooled.error_rate?.n ?? 0;
  if (requests < ch.minExposure.requests) out.push(`${count(requests)} of ${count(ch.minExposure.requests)} canary requests`);
  if (applies.has('crash_rate')) {
    const sessions = bake.pooled.crash_rate?.n ?? 0;
    if (sessions < ch.minExposure.sessions) out.push(`${count(sessions)} of ${count(ch.minExposure.sessions)} canary sessions`);
  }
  for (const m of RATE_METRICS) {
    if (!applies.has(m.name)) continue;
    const t = m.threshold(ch);
    const p = bake.pooled[m.name];
    if (!p || p.n === 0) out.push(`no ${m.label.toLowerCase()} data`);
    else if (binomialLowerTail(p.k, p.n, t) >= alpha) {
      const shown = (r: number) => percent(m.asSuccess ? 1 - r : r);
      out.push(`${m.label.toLowerCase()} ${shown(p.k / p.n)} not yet shown ${m.asSuccess ? 'above' : 'below'} ${shown(t)}`);
    }
  }
  if (applies.has('p95_latency')) {
    const p = bake.pooled.p95_latency;
    const tail = 1 - policy.evaluation.latencyQuantile;
    if (!p || p.n === 0) out.push('no latency data');
    else if (binomialLowerTail(p.k, p.n, tail) >= alpha) out.push(`p${Math.round(policy.evaluation.latencyQuantile * 100)} latency not yet shown within +${Math.round(ch.red.p95LatencyIncrease * 100)}% of the baseline`);
    // "Performance within SLA": the bake shows the quantile below the channel's absolute limit.
    const sla = bake.pooled.p95_latency_sla;
    if (ch.latencySlaMs !== null && p && p.n > 0 && (!sla || sla.n === 0 || binomialLowerTail(sla.k, sla.n, tail) >= alpha)) {
      out.push(`performance within SLA: p${Math.round(policy.evaluation.latencyQuantile * 100)} latency not yet shown below ${ch.latencySlaMs} ms`);
    }
  }
  return out;
}
