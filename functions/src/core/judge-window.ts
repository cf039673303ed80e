import type { Policy } from '../config/policy-schema';
import { allowedRate } from './allowance';
import { judgeLatency } from './judge-latency';
import { readLatencySla } from './judge-latency-sla';
import { judgeRate, type RateJudgement } from './judge-rate';
import { lastWindows, poolSide, scanHorizons, windowsFor, type Pooled } from './pool';
import { RATE_METRICS } from './rate-metrics';
import { latencyReason, rateReason, sharedReason, slaReason } from './reasons';
import { alarmLevel, mixtureLog, updateStatistic } from './sequential';
import { binomialLowerTail, rateLowerBound } from './stats';
import type { Channel, MetricName, MetricResult, Platform, Verdict, WindowSample } from './types';

const RANK: Record<Verdict, number> = { green: 0, inconclusive: 1, yellow: 2, red: 3 };

/** The worse of two verdicts; inconclusive is worse than green (no evidence is not a pass). */
export function worse(a: Verdict, b: Verdict): Verdict {
  return RANK[a] >= RANK[b] ? a : b;
}

/** ln of the sequential statistic per metric, one entry per alternative (core/sequential.ts). */
export type Evidence = Partial<Record<MetricName, number[]>>;

/** The sequential test's memory going into a window. */
export interface SequentialState {
  evidence: Evidence;
  /** W: the looks the false-alarm guarantee covers (the stage's bake, in windows). */
  looks: number;
}

export interface WindowJudgement {
  verdict: Verdict;
  metrics: Record<MetricName, MetricResult>;
  reasons: string[];
  sharedIncident: boolean;
  /** The sequential statistics after this window. */
  evidence: Evidence;
  /** The newest window's canary trials and events per applicable metric (latency: requests possibly above its limit). */
  counts: Partial<Record<MetricName, Pooled>>;
}

/** How the sequential evidence reads against the policy's two levels. */
function sequentialStatus(level: number, red: number, pause: number): Verdict | null {
  if (level >= red) return 'red';
  if (level >= pause) return 'yellow';
  return null;
}

/**
 * The exact lower bound shown beside a rate that is over its threshold (messages, status page), at
 * the yellow level. Only red and yellow metrics get one: a bisection per metric and window would
 * multiply the cost of every green tick for a number nobody reads.
 */
function confidenceBound(j: RateJudgement, status: Verdict, ev: Policy['evaluation']): number | null {
  const p = j.pooled;
  if (!p || p.n <= 0 || (status !== 'red' && status !== 'yellow')) return null;
  return rateLowerBound(p.k, p.n, ev.yellowAlpha);
}

const sustained = ', above it on the evidence pooled since the onset';

/**
 * Judges every metric over the history ending at `end` and folds them into one verdict. The
 * recent windows decide green and shared incidents; red and yellow come from the sequential
 * statistic, which pools each metric from the onset of trouble and stays valid over a whole bake
 * of looks. Metrics the platform does not report (crash rate on the web) are shown but do not count.
 */
export function judgeWindow(
  policy: Policy,
  platform: Platform,
  channel: Channel,
  history: readonly WindowSample[],
  end: number,
  windowMs: number,
  seq: SequentialState = { evidence: {}, looks: 1 },
): WindowJudgement {
  const ch = policy.channels[channel];
  const ev = policy.evaluation;
  const applies = new Set<MetricName>(policy.platformMetrics[platform]);
  const redLevel = alarmLevel(seq.looks, ev.sequentialRollbackAlpha);
  const pauseLevel = alarmLevel(seq.looks, ev.sequentialPauseAlpha);
  const last = history.at(-1);
  const newest = last && last.start >= end - windowMs - 1 && last.start + last.durationMs <= end + 1 ? last : undefined;
  const reasons: string[] = [];
  const evidence: Evidence = { ...seq.evidence };
  const counts: WindowJudgement['counts'] = {};
  let shared = false;
  const metrics = {} as Record<MetricName, MetricResult>;

  for (const m of RATE_METRICS) {
    const t = m.threshold(ch);
    const windows = windowsFor(m.minutes(policy.windows), windowMs);
    const j = judgeRate(history, end, windowMs, { threshold: t, windows, pick: m.pick }, ev);
    const shown = (v: number | null) => (v === null ? null : m.asSuccess ? 1 - v : v);
    const threshold = m.asSuccess ? 1 - t : t;
    let status: Verdict = j.status;
    if (applies.has(m.name)) {
      const c = newest?.canary ? m.pick(newest.canary) : null;
      if (c) {
        // The release is blamed only for what exceeds both the threshold and a baseline shown to
        // be failing (core/allowance.ts): a canary no worse than a failing baseline adds no evidence.
        const b = newest?.baseline ? m.pick(newest.baseline) : null;
        const recent = scanHorizons(windows).slice(1).map((h) => poolSide(lastWindows(history, end, windowMs, h), 'baseline', m.pick));
        evidence[m.name] = updateStatistic(seq.evidence[m.name], c.n, c.k, allowedRate(t, b, recent, ev.yellowAlpha));
        counts[m.name] = c;
      }
      let s = sequentialStatus(mixtureLog(evidence[m.name]), redLevel, pauseLevel);
      if (s === 'red' && m.action(ch) === 'pause') s = 'yellow';
      if (s === null && j.alarmed && j.baselineFailing) s = 'yellow';
      if (s) status = s;
      if (status === 'red' || status === 'yellow') {
        const canary = shown(j.canary);
        if (j.shared && status === 'yellow') {
          shared = true;
          reasons.push(sharedReason(m.label, canary, shown(j.baseline), threshold));
        } else {
          const above = j.canary !== null && j.canary > t;
          reasons.push(rateReason(m.label, canary, threshold) + (above ? '' : sustained) + (m.asSuccess ? ': investigate' : ''));
        }
      }
    }
    metrics[m.name] = { canary: shown(j.canary), baseline: shown(j.baseline), threshold, status, bound: shown(confidenceBound(j, status, ev)), windows: j.windows };
  }

  const lat = judgeLatency(history, end, windowMs, {
    increase: ch.red.p95LatencyIncrease,
    q: ev.latencyQuantile,
    windows: windowsFor(policy.windows.p95LatencyMinutes, windowMs),
  }, { ...ev, baselineAlpha: ev.latencyBaselineAlpha });
  let latStatus: Verdict = lat.status;
  if (applies.has('p95_latency')) {
    if (lat.newest) {
      evidence.p95_latency = updateStatistic(seq.evidence.p95_latency, lat.newest.n, lat.newest.k, lat.newest.allowed);
      counts.p95_latency = { n: lat.newest.n, k: lat.newest.kGreen };
    }
    latStatus = sequentialStatus(mixtureLog(evidence.p95_latency), redLevel, pauseLevel) ?? lat.status;
    if (latStatus === 'red' || latStatus === 'yellow') reasons.push(latencyReason(lat.canary, lat.baseline, ch.red.p95LatencyIncrease));
  }
  metrics.p95_latency = {
    canary: lat.canary,
    baseline: lat.baseline,
    threshold: ch.red.p95LatencyIncrease,
    status: latStatus,
    bound: null,
    windows: windowsFor(policy.windows.p95LatencyMinutes, windowMs),
  };

  let verdict: Verdict = 'green';
  for (const name of applies) if (name !== 'p95_latency_sla') verdict = worse(verdict, metrics[name].status);
  // Shown but not judged on this platform (crash rate on the web, the 4xx/5xx rate off it).
  for (const name of Object.keys(metrics) as MetricName[]) if (!applies.has(name)) metrics[name].status = 'inconclusive';

  // The absolute limit (SLA) where the channel sets one, wherever latency is judged. It can only
  // pause: a window that does not show the canary below it is not made inconclusive for that, as
  // its verdict belongs to the bake ("performance within SLA", core/bake.ts).
  const sla = ch.latencySlaMs;
  const slaWindows = windowsFor(policy.windows.p95LatencyMinutes, windowMs);
  let slaStatus: Verdict = 'inconclusive';
  const reading = sla !== null && applies.has('p95_latency') ? readLatencySla(history, end, windowMs, slaWindows, sla, ev.latencyQuantile, ev.yellowAlpha) : null;
  if (sla !== null && reading) {
    if (reading.newest) {
      evidence.p95_latency_sla = updateStatistic(seq.evidence.p95_latency_sla, reading.newest.n, reading.newest.k, reading.newest.allowed);
      counts.p95_latency_sla = { n: reading.newest.n, k: reading.newest.kGreen };
      slaStatus = binomialLowerTail(reading.newest.kGreen, reading.newest.n, 1 - ev.latencyQuantile) < ev.greenAlpha ? 'green' : 'inconclusive';
    }
    if (sequentialStatus(mixtureLog(evidence.p95_latency_sla), redLevel, pauseLevel) !== null) {
      slaStatus = 'yellow';
      const q = Math.round(ev.latencyQuantile * 100);
      reasons.push(slaReason(q, sla, reading.newest, reading.canary, reading.baseline, policy.windows.p95LatencyMinutes));
      verdict = worse(verdict, 'yellow');
    }
  }
  metrics.p95_latency_sla = { canary: reading?.canary ?? null, baseline: reading?.baseline ?? null, threshold: sla ?? 0, status: slaStatus, bound: null, windows: slaWindows };
  return { verdict, metrics, reasons, sharedIncident: shared && verdict !== 'red', evidence, counts };
}

