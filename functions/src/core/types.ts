/**
 * The vocabulary every layer shares. Pure data: no SDK types, no Firestore Timestamps (times are
 * milliseconds since the epoch), so the core, the replay command and the adapters speak alike.
 */

export const PLATFORMS = ['web', 'desktop', 'mobile'] as const;
export type Platform = (typeof PLATFORMS)[number];

export const CHANNELS = ['alpha', 'beta', 'stable'] as const;
export type Channel = (typeof CHANNELS)[number];

/** Cloud Monitoring explicit buckets: counts[0] < bounds[0] <= counts[1] < ... <= counts[n]. */
export interface Histogram {
  bounds: number[];
  counts: number[];
}

/** What one population (canary or baseline) did in one window. See shared/spec/replay-format.md. */
export interface SideCounts {
  requests: number;
  errors: number;
  /** 4xx answers (web), 0..requests - errors; absent counts as 0 (shared/spec/replay-format.md). */
  clientErrors?: number;
  /** Absent means requests - errors. */
  successes?: number;
  sessions?: number;
  crashes?: number;
  latencyMs?: Histogram;
}

/** One evaluation window. null means no data arrived for that side: not zero traffic. */
export interface WindowSample {
  /** Start of the window, ms since epoch. */
  start: number;
  /** Window length in ms. */
  durationMs: number;
  canary: SideCounts | null;
  baseline: SideCounts | null;
}

/**
 * p95_latency is judged relative to the baseline; p95_latency_sla against the channel's absolute
 * limit (the SLA, `latencySlaMs`), where one is set.
 */
export const METRICS = ['error_rate', 'success_rate', 'crash_rate', 'p95_latency', 'http_error_rate', 'p95_latency_sla'] as const;
export type MetricName = (typeof METRICS)[number];

/** inconclusive: not enough evidence either way. Never treated as green. */
export type Verdict = 'green' | 'yellow' | 'red' | 'inconclusive';
export type Decision = 'continue' | 'pause' | 'rollback' | 'promote';

export interface MetricResult {
  /** Canary value: a rate in [0,1] for rates, milliseconds for p95_latency; null without data. */
  canary: number | null;
  baseline: number | null;
  /** The threshold in force: a rate in [0,1], or for p95_latency the relative increase (0.5 = +50%). */
  threshold: number;
  status: Verdict;
  /**
   * The exact (Clopper-Pearson) lower confidence bound on the canary's rate at the yellow level,
   * for a red or yellow rate metric; null otherwise and for latency. Shown in messages; not judged on.
   */
  bound?: number | null;
  /** Evaluation windows pooled for this metric's verdict. */
  windows?: number;
}

/** The evaluator's judgement of one tick. */
export interface Evaluation {
  verdict: Verdict;
  decision: Decision;
  /** Audit-trail wording, e.g. "Error rate 8% (threshold 5%)". Empty when nothing is wrong. */
  reasons: string[];
  metrics: Record<MetricName, MetricResult>;
  /** True when canary and baseline degraded together: an incident the release did not cause. */
  sharedIncident?: boolean;
}

/** A rollout position on a platform; structurally the same as ports/platform.ts PromotionStep. */
export interface RolloutStep {
  channel: Channel;
  rolloutPercent: number;
}
