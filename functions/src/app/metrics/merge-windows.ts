import type { Histogram, MetricName, SideCounts, WindowSample } from '../../core/types';

/** The fields of a window side that each metric reads. */
export function takeFields(target: SideCounts, from: SideCounts, metrics: ReadonlySet<MetricName>): void {
  if (metrics.has('error_rate') || metrics.has('success_rate') || metrics.has('http_error_rate')) {
    target.requests = from.requests;
    target.errors = from.errors;
    if (from.clientErrors !== undefined) target.clientErrors = from.clientErrors;
    if (from.successes !== undefined) target.successes = from.successes;
  }
  if (metrics.has('crash_rate') && from.sessions !== undefined) {
    target.sessions = from.sessions;
    target.crashes = from.crashes ?? 0;
  }
  if ((metrics.has('p95_latency') || metrics.has('p95_latency_sla')) && from.latencyMs) target.latencyMs = from.latencyMs;
}

function addHistogram(a: Histogram | undefined, b: Histogram | undefined): Histogram | undefined {
  if (!a) return b && { bounds: [...b.bounds], counts: [...b.counts] };
  if (!b) return a;
  // Histograms of different layouts cannot be added: the window keeps no latency rather than a wrong one.
  if (a.bounds.length !== b.bounds.length || a.bounds.some((x, i) => x !== b.bounds[i])) return undefined;
  return { bounds: a.bounds, counts: a.counts.map((c, i) => c + (b.counts[i] ?? 0)) };
}

function addSide(a: SideCounts | null, b: SideCounts | null): SideCounts | null {
  if (!a) return b && { ...b };
  if (!b) return a;
  const out: SideCounts = { requests: a.requests + b.requests, errors: a.errors + b.errors };
  if (a.clientErrors !== undefined || b.clientErrors !== undefined) out.clientErrors = (a.clientErrors ?? 0) + (b.clientErrors ?? 0);
  if (a.successes !== undefined || b.successes !== undefined) out.successes = (a.successes ?? a.requests - a.errors) + (b.successes ?? b.requests - b.errors);
  if (a.sessions !== undefined || b.sessions !== undefined) {
    out.sessions = (a.sessions ?? 0) + (b.sessions ?? 0);
    out.crashes = (a.crashes ?? 0) + (b.crashes ?? 0);
  }
  const latency = a.latencyMs || b.latencyMs ? addHistogram(a.latencyMs, b.latencyMs) : undefined;
  if (latency) out.latencyMs = latency;
  return out;
}

/**
 * Short windows summed into windows of `durationMs` aligned on multiples of it (UTC hours for an
 * hour), ending at `end`: only whole long windows, so a minute source joins an hourly one.
 */
export function rebucket(windows: readonly WindowSample[], durationMs: number, from: number, end: number): WindowSample[] {
  const out: WindowSample[] = [];
  for (let start = from; start + durationMs <= end; start += durationMs) {
    const inside = windows.filter((w) => w.start >= start && w.start + w.durationMs <= start + durationMs);
    out.push({
      start,
      durationMs,
      canary: inside.reduce<SideCounts | null>((acc, w) => addSide(acc, w.canary), null),
      baseline: inside.reduce<SideCounts | null>((acc, w) => addSide(acc, w.baseline), null),
    });
  }
  return out;
}

/**
 * Windows of several sources for one canary, joined by start: each source gives the fields of the
 * metrics assigned to it. A side with no contribution from any source stays null (no data).
 */
export function joinWindows(parts: { windows: readonly WindowSample[]; metrics: ReadonlySet<MetricName> }[]): WindowSample[] {
  const byStart = new Map<number, WindowSample>();
  for (const part of parts) {
    for (const w of part.windows) {
      const cur = byStart.get(w.start) ?? { start: w.start, durationMs: w.durationMs, canary: null, baseline: null };
      for (const sideName of ['canary', 'baseline'] as const) {
        const from = w[sideName];
        if (!from) continue;
        const target = cur[sideName] ?? { requests: 0, errors: 0 };
        takeFields(target, from, part.metrics);
        cur[sideName] = target;
      }
      byStart.set(w.start, cur);
    }
  }
  return [...byStart.values()].sort((a, b) => a.start - b.start);
}
