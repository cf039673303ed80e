import type { MetricExplanation, NotificationEvent } from './notification';
import { percent, signedPercent } from './reasons';
import type { MetricName } from './types';

const LABEL: Record<MetricName, string> = {
  error_rate: 'Error rate',
  success_rate: 'Success rate',
  crash_rate: 'Crash rate',
  p95_latency: 'P95 latency',
  http_error_rate: '4xx/5xx rate',
  p95_latency_sla: 'P95 latency SLA',
};

const value = (m: MetricExplanation, x: number | null) =>
  x === null ? 'no data' : m.metric === 'p95_latency' || m.metric === 'p95_latency_sla' ? `${Math.round(x)} ms` : percent(x);

/**
 * One metric in a sentence a person can check: "Error rate 8% (95% bound >= 6.1%) vs baseline
 * 0.4%, threshold 5%, over 15 windows: red". For latency the threshold is the allowed increase
 * over the baseline.
 */
export function metricLine(m: MetricExplanation): string {
  const bound = m.bound === null ? '' : ` (confidence bound ${m.metric === 'success_rate' ? '≤' : '≥'} ${value(m, m.bound)})`;
  const threshold = m.metric === 'p95_latency' ? `${signedPercent(m.threshold)} over baseline` : m.metric === 'p95_latency_sla' ? `${Math.round(m.threshold)} ms` : percent(m.threshold);
  const windows = m.windows === null ? '' : `, over ${m.windows} window${m.windows === 1 ? '' : 's'}`;
  return `${LABEL[m.metric]} ${value(m, m.canary)}${bound} vs baseline ${value(m, m.baseline)}, threshold ${threshold}${windows}: ${m.status}`;
}

/** The metrics worth reading first: the failing ones, then the others with data. */
export function orderedMetrics(event: NotificationEvent): MetricExplanation[] {
  const rank = { red: 0, yellow: 1, inconclusive: 2, green: 3 } as const;
  return [...event.metrics].filter((m) => m.canary !== null || m.status === 'red' || m.status === 'yellow').sort((a, b) => rank[a.status] - rank[b.status]);
}

/** Where and what, e.g. "web · alpha · 2.4.1". */
export function subjectLine(event: NotificationEvent): string {
  return [event.platform, event.channel, event.release].filter((x): x is string => !!x).join(' · ');
}

/** The whole message as plain text lines (e-mail text part, webhook summary, fallbacks). */
export function plainText(event: NotificationEvent): string {
  const lines = [`[${event.severity.toUpperCase()}] ${event.title}`, subjectLine(event)];
  if (event.reason) lines.push(`Why: ${event.reason}`);
  for (const m of orderedMetrics(event)) lines.push(`- ${metricLine(m)}`);
  for (const f of event.facts) lines.push(`${f.label}: ${f.value}`);
  for (const l of event.links) lines.push(`${l.label}: ${l.url}`);
  lines.push(`Event ${event.id} by ${event.actor} at ${new Date(event.at).toISOString()}`);
  return lines.join('\n');
}
