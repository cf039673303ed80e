import { z } from 'zod';
import { PLATFORMS, type Platform } from '../core/types';

/**
 * What the scheduled evaluation asks Cloud Monitoring, per platform: configuration, not code.
 * Stored overrides live in Firestore `config/metric_templates`; the shipped defaults below work for
 * a Cloud Run web backend and for client telemetry written as custom metrics (docs/metrics.md).
 *
 * One template = one listTimeSeries query per tick, grouped by the release label, whatever the
 * number of canaries: cost grows with templates, not canaries.
 */

/** The per-window counts a series can feed (see shared/spec/replay-format.md, SIDE). */
export const SIGNALS = ['requests', 'errors', 'clientErrors', 'successes', 'sessions', 'crashes', 'latencyMs'] as const;
export type Signal = (typeof SIGNALS)[number];

/** A label as Monitoring names it in filters and groupByFields. */
const labelPath = z
  .string()
  .regex(/^(metric\.labels|resource\.labels|metadata\.user_labels|metadata\.system_labels)\.[A-Za-z0-9_.-]+$/, {
    error: 'must be metric.labels.X, resource.labels.X, metadata.user_labels.X or metadata.system_labels.X',
  });

const output = z.object({
  signal: z.enum(SIGNALS),
  /** Only series whose label value is one of these feed the signal (e.g. response_code_class 5xx). */
  where: z.object({ label: labelPath, in: z.array(z.string().min(1)).min(1) }).optional(),
});

export const metricTemplateSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, { error: 'lowercase letters, digits, - and _' }),
  /** One metric type per query (a Monitoring rule). */
  metricType: z.string().regex(/^[A-Za-z0-9._/-]+$/, { error: 'a metric type such as run.googleapis.com/request_count' }),
  /** Further filter clauses ANDed to `metric.type = "..."`, e.g. resource.labels.service_name = "api". */
  filter: z.string().max(2000).default(''),
  release: z.object({
    /** The label that names the release (a Cloud Run revision, or a `release` metric label). */
    label: labelPath,
    /** The label value of a release: {release} or {releaseSlug} (lowercase, [^a-z0-9] -> '-'). */
    value: z.string().min(1).default('{release}'),
    /** `suffix` matches revision names such as api-v29-1-0 by their revision suffix. */
    match: z.enum(['exact', 'suffix']).default('exact'),
  }),
  /** Only aligners and reducers that keep counts and distributions additive are accepted. */
  aligner: z.enum(['ALIGN_DELTA', 'ALIGN_SUM']).default('ALIGN_DELTA'),
  reducer: z.enum(['REDUCE_SUM', 'REDUCE_NONE']).default('REDUCE_SUM'),
  /** Extra fields kept by the reducer; the release label and every `where` label are added. */
  groupBy: z.array(labelPath).default([]),
  outputs: z.array(output).min(1),
  /** Multiplies distribution values into milliseconds (1000 for a metric in seconds). */
  latencyScale: z.number().positive().default(1),
});
export type MetricTemplate = z.infer<typeof metricTemplateSchema>;

export const metricTemplateSetSchema = z.object({
  /** Monitoring makes a point visible up to ~3 min after it was sampled; newer windows are not judged (S8). */
  ingestionLagSeconds: z.number().int().min(0).max(3600).default(180),
  platforms: z.partialRecord(z.enum(PLATFORMS), z.array(metricTemplateSchema).max(20)),
});
export type MetricTemplateSet = z.infer<typeof metricTemplateSetSchema>;

/** The templates for a platform (none configured: the canaries of that platform get no data). */
export function templatesFor(set: MetricTemplateSet, platform: Platform): MetricTemplate[] {
  return set.platforms[platform] ?? [];
}

/** The fields a template's query must group by, so every label it reads survives the reducer. */
export function groupByFields(template: MetricTemplate): string[] {
  const fields = [template.release.label, ...template.groupBy, ...template.outputs.flatMap((o) => (o.where ? [o.where.label] : []))];
  return [...new Set(fields)];
}

/** The label value that identifies `release` for this template. */
export function releaseLabelValue(template: MetricTemplate, release: string): string {
  const slug = release
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return template.release.value.replaceAll('{releaseSlug}', slug).replaceAll('{release}', release);
}

const clientTelemetry = (platform: Platform): z.input<typeof metricTemplateSchema>[] => [
  {
    id: `${platform}-client-events`,
    metricType: 'custom.googleapis.com/canary/client_events',
    filter: `metric.labels.platform = "${platform}"`,
    release: { label: 'metric.labels.release' },
    groupBy: ['metric.labels.event'],
    outputs: [
      { signal: 'requests', where: { label: 'metric.labels.event', in: ['request'] } },
      { signal: 'errors', where: { label: 'metric.labels.event', in: ['error'] } },
      { signal: 'clientErrors', where: { label: 'metric.labels.event', in: ['client_error'] } },
      { signal: 'sessions', where: { label: 'metric.labels.event', in: ['session'] } },
      { signal: 'crashes', where: { label: 'metric.labels.event', in: ['crash'] } },
    ],
  },
  {
    id: `${platform}-client-latency`,
    metricType: 'custom.googleapis.com/canary/request_latency',
    filter: `metric.labels.platform = "${platform}"`,
    release: { label: 'metric.labels.release' },
    outputs: [{ signal: 'latencyMs' }],
  },
];

/**
 * Shipped defaults. Web: Cloud Run (or Cloud Functions 2nd gen, whose metrics Cloud Run writes),
 * the revision deployed with `--revision-suffix=<release slug>`. Desktop and mobile: the custom
 * metrics described in docs/metrics.md.
 */
export const defaultMetricTemplates: MetricTemplateSet = metricTemplateSetSchema.parse({
  ingestionLagSeconds: 180,
  platforms: {
    web: [
      {
        id: 'web-requests',
        metricType: 'run.googleapis.com/request_count',
        filter: 'resource.type = "cloud_run_revision"',
        release: { label: 'resource.labels.revision_name', value: '-{releaseSlug}', match: 'suffix' },
        groupBy: ['metric.labels.response_code_class'],
        outputs: [
          { signal: 'requests' },
          { signal: 'errors', where: { label: 'metric.labels.response_code_class', in: ['5xx'] } },
          { signal: 'clientErrors', where: { label: 'metric.labels.response_code_class', in: ['4xx'] } },
        ],
      },
      {
        id: 'web-latency',
        metricType: 'run.googleapis.com/request_latencies',
        filter: 'resource.type = "cloud_run_revision"',
        release: { label: 'resource.labels.revision_name', value: '-{releaseSlug}', match: 'suffix' },
        outputs: [{ signal: 'latencyMs' }],
      },
    ],
    desktop: clientTelemetry('desktop'),
    mobile: clientTelemetry('mobile'),
  },
});

/** Validates stored templates; the caller keeps the previous set on failure (a bad edit is not fatal). */
export function parseMetricTemplates(raw: unknown): { ok: true; templates: MetricTemplateSet } | { ok: false; error: string } {
  const parsed = metricTemplateSetSchema.safeParse(raw);
  if (parsed.success) return { ok: true, templates: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, error: `${issue.path.join('.') || '(root)'}: ${issue.message}` };
}
