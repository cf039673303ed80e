import { z } from 'zod';

/**
 * The channel policy: thresholds, timings, gates and the evaluator's statistical settings.
 * Objects are strict so that a misspelt override ("errorRat") is rejected, not silently ignored.
 */

const rate = z
  .number({ error: 'must be a number' })
  .min(0, { error: 'must be >= 0' })
  .max(1, { error: 'must be <= 1' });
const positive = z.number({ error: 'must be a number' }).positive({ error: 'must be > 0' });
const count = z.number({ error: 'must be a number' }).int({ error: 'must be an integer' }).min(1, { error: 'must be >= 1' });
const percent = z
  .number({ error: 'must be a number' })
  .gt(0, { error: 'must be > 0' })
  .max(100, { error: 'must be <= 100' });
/** A significance level: the chance of judging wrongly that we accept for one test. */
const alpha = z
  .number({ error: 'must be a number' })
  .gt(0, { error: 'must be > 0' })
  .lt(0.5, { error: 'must be < 0.5' });

const metricName = z.enum(['error_rate', 'success_rate', 'crash_rate', 'p95_latency', 'http_error_rate', 'p95_latency_sla']);

const channelSchema = z.strictObject({
  /** Share of users on the canary. */
  trafficPercent: percent,
  /** Green time required before leaving the channel's last stage (stable: completion). */
  bakeHours: positive,
  red: z.strictObject({
    /** Absolute error rate above which the canary is rolled back. */
    errorRate: rate,
    /** Relative p95 increase over the baseline (0.5 = +50%). */
    p95LatencyIncrease: positive,
    crashRate: rate,
    /** (5xx + 4xx) / requests above which the canary is rolled back (the web's "4xx/5xx rate > 10%"). */
    httpErrorRate: rate,
  }),
  successRate: z.strictObject({
    /** Success rate below this is flagged. */
    below: rate,
    /** The document says "Yellow" for alpha/beta and "Red: Investigate" for stable: see docs/decisions.md. */
    action: z.enum(['pause', 'rollback']),
  }),
  /**
   * Absolute latency limit in ms for the quantile (the document's KPI "p95 latency target < 200 ms"):
   * a canary confidently above it while its baseline is not pauses (yellow), and a bake passes
   * ("performance within SLA") only when it shows the quantile below it. null: no absolute limit.
   */
  latencySlaMs: positive.nullable(),
  /**
   * MTTR target in minutes ("Yellow: Monitor"): an incident on this channel that recovers later (or
   * never) flags its canary, and no promotion leaves the channel until a person clears the flag; on
   * the last channel every incident of the rollout must meet it before completion (core/mttr.ts).
   */
  mttrMinutes: positive.nullable(),
  /**
   * The least canary traffic a stage's bake must have seen before it can pass: requests, and
   * sessions where the crash rate counts (desktop, mobile).
   */
  minExposure: z.strictObject({
    requests: z.number({ error: 'must be a number' }).int({ error: 'must be an integer' }).min(0, { error: 'must be >= 0' }),
    sessions: z.number({ error: 'must be a number' }).int({ error: 'must be an integer' }).min(0, { error: 'must be >= 0' }),
  }),
  /** Where a green canary goes next; null means the channel's last stage completes the rollout. */
  next: z.enum(['alpha', 'beta', 'stable']).nullable(),
  /** Gates required to leave this channel (promote, or complete on the last channel). */
  exitGates: z.strictObject({
    noOpenP0P1Bugs: z.boolean(),
    securityScanPassed: z.boolean(),
    loadTestPassed: z.boolean(),
    crossPlatformValidated: z.boolean(),
    guardianPassed: z.boolean(),
    /** User feedback score (0..5) that must be exceeded; null: not required. */
    minUserFeedbackScore: z.number().min(0, { error: 'must be >= 0' }).max(5, { error: 'must be <= 5' }).nullable(),
  }),
});

const stageSchema = z.strictObject({
  /** Day of the rollout (1 = first day) on which this percentage starts. */
  day: count,
  percent,
});

export const policySchema = z
  .strictObject({
    channels: z.strictObject({ alpha: channelSchema, beta: channelSchema, stable: channelSchema }),
    /** Play production staged rollout; each step only after the previous one stayed green. */
    mobileStagedRollout: z.array(stageSchema).min(1, { error: 'must have at least one stage' }),
    /** Pooling window per metric, in minutes. */
    windows: z.strictObject({
      errorRateMinutes: positive,
      p95LatencyMinutes: positive,
      crashRateMinutes: positive,
      successRateMinutes: positive,
    }),
    /** Which metrics count towards the overall verdict on each platform. */
    platformMetrics: z.strictObject({
      web: z.array(metricName).min(1, { error: 'must name at least one metric' }),
      desktop: z.array(metricName).min(1, { error: 'must name at least one metric' }),
      mobile: z.array(metricName).min(1, { error: 'must name at least one metric' }),
    }),
    evaluation: z.strictObject({
      /**
       * Chance, per metric and per stage, that a canary whose rate is at its threshold is ever rolled
       * back over the stage's whole bake of looks (the sequential test, docs/decisions.md).
       */
      sequentialRollbackAlpha: alpha,
      /** The same chance for a pause (a lower bar than a rollback: a pause only holds the rollout). */
      sequentialPauseAlpha: alpha,
      /** Level at which the canary is called worse than a failing baseline (shared-incident check). */
      redAlpha: alpha,
      /** Level of the recent-window scan that notices trouble (shown, and shared incidents). */
      yellowAlpha: alpha,
      /** Level for green: the canary is below its threshold with this confidence (a window, and a bake's pooled evidence). */
      greenAlpha: alpha,
      /** Consecutive red windows before the rollback (1 = act on the first significant window). */
      redWindowsToRollback: count,
      /** Consecutive green windows that lift a pause (hysteresis: no pause/resume flapping). */
      resumeAfterGreenWindows: count,
      /** Consecutive windows (or failed reads) without canary data after which the canary pauses. */
      pauseAfterNoDataWindows: count,
      /**
       * Confidence of the baseline p95's upper bound used to place the latency limit. The canary's
       * own exact test (redAlpha) guards against false reds; this only decides how many histogram
       * buckets of margin the baseline gets.
       */
      latencyBaselineAlpha: alpha,
      /** Quantile the latency threshold is about. */
      latencyQuantile: z.number().gt(0.5, { error: 'must be > 0.5' }).lt(1, { error: 'must be < 1' }),
    }),
  })
  .superRefine((p, ctx) => {
    p.mobileStagedRollout.forEach((s, i) => {
      const prev = p.mobileStagedRollout[i - 1];
      if (prev && (s.day <= prev.day || s.percent <= prev.percent)) {
        ctx.addIssue({ code: 'custom', path: ['mobileStagedRollout', i], message: 'days and percentages must increase' });
      }
    });
  });

/** The validated channel policy. */
export type Policy = z.infer<typeof policySchema>;
export type ChannelPolicy = Policy['channels']['alpha'];
