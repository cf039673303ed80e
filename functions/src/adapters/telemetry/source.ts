import type { Canary } from '../../core/canary';
import { standardHistogram } from '../../core/latency-buckets';
import type { SideCounts, WindowSample } from '../../core/types';
import type { CanaryMetrics, MetricsRange, MetricsSource } from '../../ports/metrics';
import type { TelemetryAggregates, TelemetryMinute, TelemetryRead } from '../../ports/telemetry';

const MINUTE = 60_000;

/** What the reader saw of one release in one tick: the visible side of a poisoning attempt (T3). */
export interface TelemetryEvidence {
  canaryId: string;
  release: string;
  installs: number;
  errorInstalls: number;
  crashInstalls: number;
  /** Windows the ingest caps clipped (one install reporting more than an install can). */
  cappedWindows: number;
  /** Errors and crashes left out by install weighting (below). */
  unweightedErrors: number;
  unweightedCrashes: number;
}

export interface TelemetrySourceOptions {
  aggregates: TelemetryAggregates;
  /** Reads in flight at once (each is ~minutes x shards small documents). Default 16. */
  concurrency?: number;
  /** Called once per canary per tick when installs were capped or weighted: log it, alert on it. */
  onEvidence?: (evidence: TelemetryEvidence) => void;
}

/**
 * A MetricsSource over the telemetry aggregates that the ingest function writes: per canary, its
 * release and its previous release (the baseline) over the tick's range, summed into windows.
 *
 * Install weighting: within a minute, the installs that reported errors may count for at most as
 * many errors as they would make requests at the release's average rate per install (likewise
 * crashes per session). A real regression reaches most installs, so the bound does not bite; a
 * handful of scripted installs with a valid key move the rate by at most their share of installs.
 */
export function createTelemetryMetricsSource(options: TelemetrySourceOptions): MetricsSource {
  const concurrency = options.concurrency ?? 16;
  return {
    async fetch(canaries: Canary[], range: MetricsRange): Promise<Map<string, CanaryMetrics>> {
      const from = range.end - range.windows * range.windowMs;
      // One read per distinct (platform, release): canaries of a release on two channels share it.
      const reads = new Map<string, Promise<TelemetryRead>>();
      const keys: string[] = [];
      const key = (c: Canary, release: string) => `${c.platform}\u0000${release}`;
      for (const c of canaries) for (const r of [c.release, c.previousRelease]) if (r !== null && !keys.includes(key(c, r))) keys.push(key(c, r));
      let next = 0;
      const worker = async () => {
        while (next < keys.length) {
          const k = keys[next++]!;
          const [platform, release] = k.split('\u0000') as [Canary['platform'], string];
          const p = options.aggregates.read({ platform, release, from, to: range.end }).catch(
            (err: unknown): TelemetryRead => ({ ok: false, error: `telemetry: ${String((err as Error)?.message ?? err)}`, retryable: true }),
          );
          reads.set(k, p);
          await p;
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, keys.length)) }, worker));

      const out = new Map<string, CanaryMetrics>();
      for (const c of canaries) {
        const mine = await reads.get(key(c, c.release))!;
        const base = c.previousRelease !== null ? await reads.get(key(c, c.previousRelease))! : null;
        if (!mine.ok) {
          out.set(c.id, { ok: false, error: mine.error, retryable: mine.retryable });
          continue;
        }
        const evidence: TelemetryEvidence = {
          canaryId: c.id,
          release: c.release,
          installs: mine.installs.all,
          errorInstalls: mine.installs.errors,
          crashInstalls: mine.installs.crashes,
          cappedWindows: 0,
          unweightedErrors: 0,
          unweightedCrashes: 0,
        };
        const canarySides = bucket(mine.minutes, from, range, evidence);
        // A baseline that cannot be read leaves the canary judged on its thresholds alone.
        const baseSides = base?.ok ? bucket(base.minutes, from, range, null) : [];
        const windows: WindowSample[] = [];
        for (let i = 0; i < range.windows; i++) {
          windows.push({ start: from + i * range.windowMs, durationMs: range.windowMs, canary: canarySides[i] ?? null, baseline: baseSides[i] ?? null });
        }
        out.set(c.id, { ok: true, windows });
        if (evidence.cappedWindows > 0 || evidence.unweightedErrors > 0 || evidence.unweightedCrashes > 0) options.onEvidence?.(evidence);
      }
      return out;
    },
  };
}

/** Minutes summed into the range's windows (a window nobody reported stays null: no data, not zero). */
function bucket(minutes: TelemetryMinute[], from: number, range: MetricsRange, evidence: TelemetryEvidence | null): (SideCounts | null)[] {
  const sums: (TelemetryMinute | null)[] = new Array<TelemetryMinute | null>(range.windows).fill(null);
  for (const m of minutes) {
    const i = Math.floor((m.minute - from) / range.windowMs);
    if (i < 0 || i >= range.windows || m.minute + MINUTE > from + (i + 1) * range.windowMs) continue;
    const w = weighted(m, evidence);
    const s = sums[i];
    if (!s) {
      sums[i] = { ...w, latency: [...w.latency] };
      continue;
    }
    for (const f of ['requests', 'errors', 'clientErrors', 'successes', 'sessions', 'crashes', 'installs', 'errorInstalls', 'crashInstalls', 'cappedWindows'] as const) s[f] += w[f];
    w.latency.forEach((n, b) => (s.latency[b] = (s.latency[b] ?? 0) + n));
  }
  return sums.map((s) => {
    if (!s || (s.requests === 0 && s.sessions === 0)) return s ? { requests: 0, errors: 0 } : null;
    const side: SideCounts = { requests: s.requests, errors: s.errors, successes: Math.min(s.requests, s.successes) };
    if (s.sessions > 0) {
      side.sessions = s.sessions;
      side.crashes = Math.min(s.sessions, s.crashes);
    }
    const latency = standardHistogram(s.latency);
    if (latency) side.latencyMs = latency;
    return side;
  });
}

/** The minute with install weighting applied (see createTelemetryMetricsSource). */
function weighted(m: TelemetryMinute, evidence: TelemetryEvidence | null): TelemetryMinute {
  const installs = Math.max(1, m.installs);
  const errorCap = m.errorInstalls * Math.ceil(m.requests / installs);
  const crashCap = m.crashInstalls * Math.ceil(m.sessions / installs);
  const errors = Math.min(m.errors, errorCap);
  const crashes = Math.min(m.crashes, crashCap);
  if (evidence) {
    evidence.cappedWindows += m.cappedWindows;
    evidence.unweightedErrors += m.errors - errors;
    evidence.unweightedCrashes += m.crashes - crashes;
  }
  // Errors left out were requests that failed: they stay requests, and count as successes only if
  // the install said so (successes are never raised above requests - errors).
  return { ...m, errors, crashes, successes: Math.min(m.successes + (m.errors - errors), m.requests - errors) };
}
