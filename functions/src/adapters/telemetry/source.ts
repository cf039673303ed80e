import type { Canary } from '../../core/canary';
import { mapBounded } from '../../core/map-bounded';
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
 * Install weighting: within a minute, each install that reported errors counts for at most
 * SLACK times the errors an erroring install of the baseline reports (at least one), or, without a
 * baseline, the requests of an average install; likewise crashes. A real regression reaches many
 * installs, so the bound barely bites; a handful of scripted installs with a valid key (each
 * allowed up to the ingest caps) move the rate by about their share of installs, not by their caps.
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
      await mapBounded(keys, concurrency, async (k) => {
        const [platform, release] = k.split('\u0000') as [Canary['platform'], string];
        const p = options.aggregates.read({ platform, release, from, to: range.end }).catch(
          (err: unknown): TelemetryRead => ({ ok: false, error: `telemetry: ${String((err as Error)?.message ?? err)}`, retryable: true }),
        );
        reads.set(k, p);
        await p;
      });

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
        const intensity = base?.ok ? intensities(base.minutes) : null;
        const canarySides = bucket(mine.minutes, from, range, evidence, intensity);
        // A baseline that cannot be read leaves the canary judged on its thresholds alone.
        const baseSides = base?.ok ? bucket(base.minutes, from, range, null, null) : [];
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

/** How many errors (crashes) an erroring (crashing) install of the baseline reports in a minute. */
interface Intensity {
  errors: number | null;
  crashes: number | null;
}
/** Headroom over the baseline's intensity before an install's errors stop counting. */
export const SLACK = 2;

function intensities(minutes: TelemetryMinute[]): Intensity {
  const sum = (f: (m: TelemetryMinute) => number) => minutes.reduce((a, m) => a + f(m), 0);
  const ei = sum((m) => m.errorInstalls);
  const ci = sum((m) => m.crashInstalls);
  return { errors: ei > 0 ? sum((m) => m.errors) / ei : null, crashes: ci > 0 ? sum((m) => m.crashes) / ci : null };
}

/** Minutes summed into the range's windows (a window nobody reported stays null: no data, not zero). */
function bucket(minutes: TelemetryMinute[], from: number, range: MetricsRange, evidence: TelemetryEvidence | null, intensity: Intensity | null): (SideCounts | null)[] {
  const sums: (TelemetryMinute | null)[] = new Array<TelemetryMinute | null>(range.windows).fill(null);
  for (const m of minutes) {
    const i = Math.floor((m.minute - from) / range.windowMs);
    if (i < 0 || i >= range.windows || m.minute + MINUTE > from + (i + 1) * range.windowMs) continue;
    const w = weighted(m, evidence, intensity);
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
    if (s.clientErrors > 0) side.clientErrors = Math.min(s.clientErrors, Math.max(0, s.requests - s.errors));
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
function weighted(m: TelemetryMinute, evidence: TelemetryEvidence | null, intensity: Intensity | null): TelemetryMinute {
  if (!evidence) return m;
  const installs = Math.max(1, m.installs);
  const perErrorInstall = intensity?.errors != null ? Math.ceil(SLACK * Math.max(1, intensity.errors)) : Math.ceil(m.requests / installs);
  const perCrashInstall = intensity?.crashes != null ? Math.ceil(SLACK * Math.max(1, intensity.crashes)) : Math.ceil(m.sessions / installs);
  const errorCap = m.errorInstalls * perErrorInstall;
  const crashCap = m.crashInstalls * perCrashInstall;
  const errors = Math.min(m.errors, errorCap);
  const crashes = Math.min(m.crashes, crashCap);
  evidence.cappedWindows += m.cappedWindows;
  evidence.unweightedErrors += m.errors - errors;
  evidence.unweightedCrashes += m.crashes - crashes;
  // Errors left out were requests that failed: they stay requests, and count as successes only if
  // the install said so (successes are never raised above requests - errors).
  return { ...m, errors, crashes, successes: Math.min(m.successes + (m.errors - errors), m.requests - errors) };
}
