import { z } from 'zod';
import { METRICS, PLATFORMS, type MetricName, type Platform } from '../core/types';

/**
 * Which source feeds which metric on which platform: Firestore `config/metrics_sources`
 * (docs/metrics.md). A bad document is reported and the last good one stays in force.
 */
export const SOURCE_NAMES = ['monitoring', 'telemetry', 'play_vitals'] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

/** The metrics each source can feed. Play vitals: crash rate, and the ANR rate as the error rate. */
export const SOURCE_FEEDS: Record<SourceName, readonly MetricName[]> = {
  monitoring: METRICS,
  telemetry: METRICS,
  play_vitals: ['crash_rate', 'error_rate'],
};

const source = z.enum(SOURCE_NAMES);

/**
 * Metrics read from another's counts follow its source: the 4xx/5xx rate shares the error rate's
 * requests, the latency SLA the latency histogram. They cannot be assigned on their own.
 */
const DERIVED: Partial<Record<MetricName, MetricName>> = { http_error_rate: 'error_rate', p95_latency_sla: 'p95_latency' };
const ASSIGNABLE = METRICS.filter((m) => !DERIVED[m]) as [MetricName, ...MetricName[]];

const platformSources = z
  .strictObject({
    /** The source of every metric not named in `metrics`. */
    default: source,
    metrics: z.partialRecord(z.enum(ASSIGNABLE), source).default({}),
  })
  .superRefine((p, ctx) => {
    for (const [metric, name] of Object.entries(p.metrics) as [MetricName, SourceName][]) {
      if (!SOURCE_FEEDS[name].includes(metric)) ctx.addIssue({ code: 'custom', path: ['metrics', metric], message: `${name} cannot feed ${metric}` });
    }
    // Both rates read requests from one population; two sources would give two denominators.
    if (sourceOf(p, 'error_rate') !== sourceOf(p, 'success_rate') && SOURCE_FEEDS[sourceOf(p, 'success_rate')].includes('success_rate')) {
      ctx.addIssue({ code: 'custom', path: ['metrics', 'success_rate'], message: 'error_rate and success_rate must come from the same source' });
    }
  });
export type PlatformSources = z.infer<typeof platformSources>;

export const metricsSourcesSchema = z.strictObject({
  platforms: z.partialRecord(z.enum(PLATFORMS), platformSources).default({}),
  playVitals: z
    .strictObject({
      /** `crashRate` (every crash) or `userPerceivedCrashRate` (Play's bad-behaviour metric). */
      crashMetric: z.enum(['crashRate', 'userPerceivedCrashRate']).default('crashRate'),
      /** Judge vitals.anrrate as the error rate. */
      anr: z.boolean().default(true),
      lookbackHours: z.number().int().min(2).max(168).default(24),
    })
    .prefault({}),
  /** When a platform mixes Play's hours with a minute source: hours of minute data summed per tick. */
  mixedHours: z.number().int().min(1).max(6).default(2),
});
export type MetricsSourcesConfig = z.infer<typeof metricsSourcesSchema>;

/** Without a document: Cloud Monitoring templates for every platform (the behaviour before sources). */
export const defaultMetricsSources: MetricsSourcesConfig = metricsSourcesSchema.parse({});

export function sourceOf(p: PlatformSources | undefined, metric: MetricName): SourceName {
  const own = DERIVED[metric] ?? metric;
  return p?.metrics[own] ?? p?.default ?? 'monitoring';
}

/** Per metric, the source that feeds it on `platform` (only metrics that source can feed). */
export function assignment(config: MetricsSourcesConfig, platform: Platform): Map<MetricName, SourceName> {
  const p = config.platforms[platform];
  const out = new Map<MetricName, SourceName>();
  for (const m of METRICS) {
    const name = sourceOf(p, m);
    if (SOURCE_FEEDS[name].includes(m)) out.set(m, name);
  }
  return out;
}

export function parseMetricsSources(raw: unknown): { ok: true; config: MetricsSourcesConfig } | { ok: false; error: string } {
  const parsed = metricsSourcesSchema.safeParse(raw);
  if (parsed.success) return { ok: true, config: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, error: `${issue.path.join('.') || '(root)'}: ${issue.message}` };
}
