import { groupByFields, type MetricTemplate } from '../../config/metric-templates';
import type { MetricsRange } from '../../ports/metrics';
import type { RawSeries } from './series';

/** The slice of MetricServiceClient this adapter calls (so a test can count calls through the real one). */
export interface ListTimeSeriesClient {
  listTimeSeries(
    request: Record<string, unknown>,
    options: { autoPaginate: false; timeout: number; maxRetries: number },
  ): Promise<[RawSeries[], unknown, { nextPageToken?: string | null } | undefined | null]>;
}

/** Why a query failed, in the port's terms: retryable or a misconfiguration. */
export class MonitoringQueryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly code?: number,
  ) {
    super(message);
    this.name = 'MonitoringQueryError';
  }
}

export interface QueryOptions {
  projectId: string;
  /** Per page (ms). */
  timeoutMs: number;
  /** Attempts per page for retryable failures (1 = no retry). */
  attempts: number;
  backoffMs: number;
  /** Bound on pages per query: a runaway result set is an error, not an endless tick. */
  maxPages: number;
  pageSize: number;
  sleep: (ms: number) => Promise<void>;
  /** Called once per HTTP call, for the benchmark and the logs. */
  onCall?: (templateId: string) => void;
}

/** The listTimeSeries request of one template over the whole range, aligned to the window length. */
export function buildRequest(template: MetricTemplate, range: MetricsRange, projectId: string): Record<string, unknown> {
  // Monitoring rejects alignment periods under 60 s.
  const periodSeconds = Math.max(60, Math.round(range.windowMs / 1000));
  const endSeconds = Math.floor(range.end / 1000);
  const startSeconds = endSeconds - periodSeconds * range.windows;
  const filter = [`metric.type = "${template.metricType}"`, template.filter.trim()].filter(Boolean).join(' AND ');
  return {
    name: `projects/${projectId}`,
    filter,
    interval: { startTime: { seconds: startSeconds }, endTime: { seconds: endSeconds } },
    aggregation: {
      alignmentPeriod: { seconds: periodSeconds },
      perSeriesAligner: template.aligner,
      crossSeriesReducer: template.reducer,
      ...(template.reducer === 'REDUCE_NONE' ? {} : { groupByFields: groupByFields(template) }),
    },
    view: 'FULL',
  };
}

// gRPC codes (also what the REST fallback maps HTTP statuses to): 403 -> 7, 404 -> 5, 400 -> 3, 401 -> 16.
const PERMANENT = new Set([3, 5, 7, 9, 11, 12, 16]);

function translate(err: unknown, templateId: string): MonitoringQueryError {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'number' ? e.code : undefined;
  const message = `monitoring query ${templateId} failed${code !== undefined ? ` (code ${code})` : ''}: ${String(e.message ?? err).slice(0, 300)}`;
  return new MonitoringQueryError(message, code === undefined || !PERMANENT.has(code), code);
}

/**
 * All series of one template, page by page. Retryable failures (503, timeouts, quota) are retried
 * a bounded number of times with backoff; permanent ones (403, 404, 400) fail at once, so a
 * misconfiguration costs one request per tick, never a retry storm (S6).
 */
export async function queryTemplate(
  client: ListTimeSeriesClient,
  template: MetricTemplate,
  range: MetricsRange,
  options: QueryOptions,
): Promise<RawSeries[]> {
  const base = buildRequest(template, range, options.projectId);
  if (options.pageSize > 0) base.pageSize = options.pageSize;
  const out: RawSeries[] = [];
  let pageToken: string | undefined;
  for (let page = 0; page < options.maxPages; page++) {
    const request = pageToken ? { ...base, pageToken } : base;
    const [series, , raw] = await callWithRetry(client, request, template.id, options);
    out.push(...series);
    pageToken = raw?.nextPageToken || undefined;
    if (!pageToken) return out;
  }
  throw new MonitoringQueryError(`monitoring query ${template.id} returned more than ${options.maxPages} pages`, false);
}

async function callWithRetry(
  client: ListTimeSeriesClient,
  request: Record<string, unknown>,
  templateId: string,
  options: QueryOptions,
): ReturnType<ListTimeSeriesClient['listTimeSeries']> {
  let last: MonitoringQueryError | undefined;
  for (let attempt = 0; attempt < Math.max(1, options.attempts); attempt++) {
    if (attempt > 0) await options.sleep(options.backoffMs * 2 ** (attempt - 1));
    options.onCall?.(templateId);
    try {
      // The library's own retry (up to 10 min for ListTimeSeries) is off: this loop is the bound.
      return await client.listTimeSeries(request, { autoPaginate: false, timeout: options.timeoutMs, maxRetries: 0 });
    } catch (err) {
      last = translate(err, templateId);
      if (!last.retryable) throw last;
    }
  }
  throw last!;
}
