import { templatesFor, type MetricTemplate, type MetricTemplateSet } from '../../config/metric-templates';
import type { Canary } from '../../core/canary';
import type { Platform } from '../../core/types';
import type { CanaryMetrics, MetricsRange, MetricsSource } from '../../ports/metrics';
import { assembleWindows, SeriesIndex } from './assemble';
import { MonitoringQueryError, queryTemplate, type ListTimeSeriesClient } from './query';
import { WindowCache } from './window-cache';

/** Where and how to reach Cloud Monitoring; tests point it at a fake with apiEndpoint/port/protocol. */
export interface MonitoringSourceOptions {
  projectId: string;
  /** A fixed set or a loader (e.g. Firestore `config/metric_templates` with the defaults as fallback). */
  templates: MetricTemplateSet | (() => Promise<MetricTemplateSet>);
  /** Client options passed to MetricServiceClient: apiEndpoint, port, protocol, fallback, authClient... */
  clientOptions?: Record<string, unknown>;
  /** An already-built client (the SDK's MetricServiceClient or anything with its listTimeSeries). */
  client?: ListTimeSeriesClient;
  /** Per HTTP call (ms); default 20 s, so two attempts fit well inside a one-minute tick. */
  timeoutMs?: number;
  /** Attempts per page for 503 / timeouts; default 2. */
  attempts?: number;
  backoffMs?: number;
  maxPages?: number;
  pageSize?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Observes every HTTP call (benchmark, logs). */
  onCall?: (templateId: string) => void;
  /**
   * Newest windows read again on every tick (late points); older ones come from this instance's
   * cache. Default 2; 0 turns the cache off (every tick reads the whole lookback).
   */
  refetchWindows?: number;
}

/**
 * A MetricsSource over Cloud Monitoring's listTimeSeries. One query per template of each platform
 * that has an active canary, grouped by the release label, covers every canary of that platform;
 * the client (and its auth) is created on first use, never at import.
 */
export function createMonitoringMetricsSource(options: MonitoringSourceOptions): MetricsSource & { templates(): Promise<MetricTemplateSet> } {
  let client: ListTimeSeriesClient | undefined = options.client;
  const getClient = (): ListTimeSeriesClient => {
    if (!client) {
      // Required lazily: the library and its protos cost noticeable start-up time (pitfall 23).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { MetricServiceClient } = require('@google-cloud/monitoring') as typeof import('@google-cloud/monitoring');
      client = new MetricServiceClient({ projectId: options.projectId, ...options.clientOptions }) as unknown as ListTimeSeriesClient;
    }
    return client;
  };
  const loadTemplates = async (): Promise<MetricTemplateSet> =>
    typeof options.templates === 'function' ? options.templates() : options.templates;
  const queryOptions = {
    projectId: options.projectId,
    timeoutMs: options.timeoutMs ?? 20_000,
    attempts: options.attempts ?? 2,
    backoffMs: options.backoffMs ?? 1_000,
    maxPages: options.maxPages ?? 50,
    pageSize: options.pageSize ?? 0,
    sleep: options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))),
    onCall: options.onCall,
  };

  const cache = options.refetchWindows === 0 ? undefined : new WindowCache(options.refetchWindows ?? 2);

  return {
    templates: loadTemplates,
    async fetch(canaries: Canary[], range: MetricsRange): Promise<Map<string, CanaryMetrics>> {
      const set = await loadTemplates();
      const platforms = [...new Set(canaries.map((c) => c.platform))];
      const byPlatform = new Map<Platform, { range: MetricsRange; result: Promise<SeriesIndex[] | MonitoringQueryError> }>();
      // Templates of different platforms run side by side; a failure stays with its platform.
      for (const platform of platforms) {
        const from = cache ? cache.oldestNeeded(canaries.filter((c) => c.platform === platform), range) : range.end - range.windows * range.windowMs;
        const sub: MetricsRange = { end: range.end, windowMs: range.windowMs, windows: Math.max(1, Math.round((range.end - from) / range.windowMs)) };
        byPlatform.set(platform, { range: sub, result: fetchPlatform(templatesFor(set, platform), sub) });
      }
      const out = new Map<string, CanaryMetrics>();
      for (const canary of canaries) {
        const { range: sub, result: pending } = byPlatform.get(canary.platform)!;
        const result = await pending;
        if (result instanceof MonitoringQueryError) {
          out.set(canary.id, { ok: false, error: result.message, retryable: result.retryable });
        } else if (result.length === 0) {
          out.set(canary.id, { ok: false, error: `no metric templates configured for platform ${canary.platform}`, retryable: false });
        } else {
          const fresh = assembleWindows(canary, result, sub);
          out.set(canary.id, { ok: true, windows: cache ? cache.merge(canary, fresh, range) : fresh });
        }
      }
      cache?.retain(new Set(canaries.map((c) => c.id)));
      return out;

      async function fetchPlatform(templates: MetricTemplate[], sub: MetricsRange): Promise<SeriesIndex[] | MonitoringQueryError> {
        try {
          const c = templates.length ? getClient() : undefined;
          // allSettled: a failed template must not leave its siblings' retries running after fetch() returned.
          const settled = await Promise.allSettled(templates.map(async (t) => new SeriesIndex(t, await queryTemplate(c!, t, sub, queryOptions))));
          const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
          if (failed) throw failed.reason;
          return settled.map((r) => (r as PromiseFulfilledResult<SeriesIndex>).value);
        } catch (err) {
          return err instanceof MonitoringQueryError ? err : new MonitoringQueryError(`monitoring: ${String((err as Error)?.message ?? err)}`, true);
        }
      }
    },
  };
}
