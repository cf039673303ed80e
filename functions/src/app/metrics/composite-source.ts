import { assignment, type MetricsSourcesConfig, type SourceName } from '../../config/metrics-sources';
import type { Canary } from '../../core/canary';
import type { MetricName } from '../../core/types';
import type { CanaryMetrics, MetricsRange, MetricsSource } from '../../ports/metrics';
import { joinWindows, rebucket } from './merge-windows';

/** Sources by name, each built on first use (no client is loaded for a source nobody is assigned). */
export type SourceRegistry = Record<SourceName, () => MetricsSource>;

const HOURLY: ReadonlySet<SourceName> = new Set(['play_vitals']);

interface Plan {
  canary: Canary;
  /** Metrics per source for this canary. */
  bySource: Map<SourceName, Set<MetricName>>;
}

/**
 * One MetricsSource over several: per canary, each metric is read from the source the
 * configuration assigns it on the canary's platform, and the windows are joined. Sources are
 * called once per tick each, with all the canaries that need them (their own cost model holds).
 *
 * A platform that mixes Play vitals (hours, published late) with a minute source is judged in
 * hours: the minute source is asked for the `mixedHours` hours Play has finished and summed into
 * them, so every metric of a window describes the same hour.
 */
export function createCompositeMetricsSource(options: { sources: SourceRegistry; config: () => Promise<MetricsSourcesConfig> }): MetricsSource {
  return {
    async fetch(canaries: Canary[], range: MetricsRange): Promise<Map<string, CanaryMetrics>> {
      const config = await options.config();
      const plans: Plan[] = canaries.map((canary) => {
        const bySource = new Map<SourceName, Set<MetricName>>();
        for (const [metric, name] of assignment(config, canary.platform)) bySource.set(name, (bySource.get(name) ?? new Set()).add(metric));
        return { canary, bySource };
      });
      const mixed = (p: Plan) => [...p.bySource.keys()].some((n) => HOURLY.has(n)) && [...p.bySource.keys()].some((n) => !HOURLY.has(n));

      // First pass: every source with the tick's range, except minute sources of mixed canaries.
      const first = await callSources(
        plans.flatMap((p) => [...p.bySource.keys()].filter((n) => !mixed(p) || HOURLY.has(n)).map((n) => [n, p.canary] as const)),
        range,
      );
      // Second pass: minute sources of mixed canaries over the hours their hourly source finished.
      const hourly = new Map<string, { end: number; durationMs: number }>();
      const second = new Map<SourceName, Map<string, CanaryMetrics>>();
      const groups = new Map<number, [SourceName, Canary][]>();
      for (const p of plans.filter(mixed)) {
        const hours = [...p.bySource.keys()].filter((n) => HOURLY.has(n)).map((n) => first.get(n)?.get(p.canary.id));
        const ok = hours.filter((r): r is Extract<CanaryMetrics, { ok: true }> => r?.ok === true);
        if (ok.length !== hours.length) continue;
        const durationMs = Math.max(...ok.flatMap((r) => r.windows.map((w) => w.durationMs)), 3_600_000);
        const end = Math.min(...ok.map((r) => r.completeUntil ?? Math.max(...r.windows.map((w) => w.start + w.durationMs))));
        hourly.set(p.canary.id, { end, durationMs });
        for (const n of [...p.bySource.keys()].filter((x) => !HOURLY.has(x))) groups.set(end, [...(groups.get(end) ?? []), [n, p.canary]]);
      }
      await Promise.all(
        [...groups].map(async ([end, pairs]) => {
          const sub: MetricsRange = { end, windowMs: range.windowMs, windows: Math.round((config.mixedHours * 3_600_000) / range.windowMs) };
          for (const [name, results] of await callSources(pairs, sub)) {
            const into = second.get(name) ?? new Map<string, CanaryMetrics>();
            for (const [id, r] of results) into.set(id, r);
            second.set(name, into);
          }
        }),
      );

      const out = new Map<string, CanaryMetrics>();
      for (const p of plans) {
        const id = p.canary.id;
        const fed = [...p.bySource.values()].flatMap((s) => [...s]);
        if (p.bySource.size === 0) {
          out.set(id, { ok: false, error: `no metrics source configured for platform ${p.canary.platform}`, retryable: false });
          continue;
        }
        const results = [...p.bySource.keys()].map((n) => ({ n, r: (mixed(p) && !HOURLY.has(n) ? second : first).get(n)?.get(id) }));
        const failed = results.filter((x) => !x.r?.ok);
        if (failed.length) {
          const errors = failed.map((x) => `${x.n}: ${x.r && !x.r.ok ? x.r.error : 'not read'}`);
          out.set(id, { ok: false, error: errors.join('; '), retryable: failed.every((x) => !x.r || (!x.r.ok && x.r.retryable)) });
          continue;
        }
        const span = hourly.get(id);
        const parts = results.map(({ n, r }) => {
          const ok = r as Extract<CanaryMetrics, { ok: true }>;
          const windows = span && !HOURLY.has(n) ? rebucket(ok.windows, span.durationMs, span.end - config.mixedHours * span.durationMs, span.end) : ok.windows;
          return { windows, metrics: p.bySource.get(n)!, completeUntil: ok.completeUntil };
        });
        const completes = parts.flatMap((x) => (x.completeUntil !== undefined ? [x.completeUntil] : []));
        const windows = joinWindows(parts).filter((w) => !span || w.start + w.durationMs <= span.end);
        out.set(id, { ok: true, windows, metrics: fed, ...(completes.length ? { completeUntil: Math.min(...completes) } : {}) });
      }
      return out;

      async function callSources(pairs: readonly (readonly [SourceName, Canary])[], r: MetricsRange): Promise<Map<SourceName, Map<string, CanaryMetrics>>> {
        const byName = new Map<SourceName, Canary[]>();
        for (const [n, c] of pairs) byName.set(n, [...(byName.get(n) ?? []), c]);
        const entries = await Promise.all(
          [...byName].map(async ([n, list]): Promise<[SourceName, Map<string, CanaryMetrics>]> => {
            try {
              return [n, await options.sources[n]().fetch(list, r)];
            } catch (err) {
              const error = `${n} failed: ${String((err as Error)?.message ?? err)}`;
              return [n, new Map(list.map((c) => [c.id, { ok: false, error, retryable: true } satisfies CanaryMetrics]))];
            }
          }),
        );
        return new Map(entries);
      }
    },
  };
}
