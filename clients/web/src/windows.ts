/**
 * Per-minute windows in the wire shape of shared/spec/telemetry-format.md. No DOM here: the
 * aggregation is plain data, so it is tested under Node beside the server's own bucket function.
 */

export const MINUTE_MS = 60_000;

/** One minute of what this page saw, exactly as the WINDOW of the spec. */
export interface TelemetryWindow {
  start: string;
  requests: number;
  errors: number;
  clientErrors: number;
  sessions: number;
  latencyMs: { counts: Record<string, number> };
}

/**
 * The spec's standard bucket of a latency: bucket i holds [10 × 1.1^(i-1), 10 × 1.1^i) ms, 0 below
 * 10 ms, 90 from 10 × 1.1^89 ms up. The logarithm can land one off at an exact edge, so the edges
 * settle it (the server computes the edges the same way).
 */
export function latencyBucket(ms: number): number {
  if (!(ms >= 10)) return 0;
  let i = Math.floor(Math.log(ms / 10) / Math.log(1.1)) + 1;
  if (ms < 10 * 1.1 ** (i - 1)) i--;
  else if (ms >= 10 * 1.1 ** i) i++;
  return Math.min(90, i);
}

/** What one event adds: a request answered (status), failed (0), or a page event. */
export interface Tally {
  requests?: number;
  errors?: number;
  clientErrors?: number;
  sessions?: number;
  latency?: number;
}

/** The spec's upper bounds on a window's counts: past them this page stops counting for the minute. */
const MAX_REQUESTS = 100_000;
const MAX_SESSIONS = 1000;

/** Open windows by minute; `take` empties them into batches. */
export function createWindows() {
  let open = new Map<number, TelemetryWindow>();
  return {
    add(now: number, t: Tally): void {
      const minute = now - (now % MINUTE_MS);
      let w = open.get(minute);
      if (!w) open.set(minute, (w = { start: new Date(minute).toISOString().replace('.000', ''), requests: 0, errors: 0, clientErrors: 0, sessions: 0, latencyMs: { counts: {} } }));
      // Whole events only, so errors <= requests and clientErrors <= requests - errors always hold.
      if (w.requests + (t.requests ?? 0) > MAX_REQUESTS || w.sessions + (t.sessions ?? 0) > MAX_SESSIONS) return;
      w.requests += t.requests ?? 0;
      w.errors += t.errors ?? 0;
      w.clientErrors += t.clientErrors ?? 0;
      w.sessions += t.sessions ?? 0;
      if (t.latency !== undefined) {
        const b = latencyBucket(t.latency);
        w.latencyMs.counts[b] = (w.latencyMs.counts[b] ?? 0) + 1;
      }
    },
    /** Every window counted so far, oldest first, and forgets them. */
    take(): TelemetryWindow[] {
      const out = [...open.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
      open = new Map();
      return out;
    },
  };
}
