import type { Histogram, SideCounts, WindowSample } from './types';

/**
 * Counts as the evaluator trusts them. Anything impossible (NaN, Infinity, negative, fractional,
 * errors > requests, crashes > sessions) makes that side "no data" for the window rather than a
 * verdict (reliability matrix S7: invalid input never turns red).
 */

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

function cleanHistogram(h: Histogram | undefined): Histogram | undefined {
  if (!h || !Array.isArray(h.bounds) || !Array.isArray(h.counts)) return undefined;
  if (h.bounds.length === 0 || h.counts.length !== h.bounds.length + 1) return undefined;
  for (let i = 0; i < h.bounds.length; i++) {
    const b = h.bounds[i];
    if (typeof b !== 'number' || !Number.isFinite(b) || (i > 0 && b <= h.bounds[i - 1]!)) return undefined;
  }
  if (!h.counts.every(isCount)) return undefined;
  return h;
}

/** The side if every count is a valid count, else null. */
export function cleanSide(side: SideCounts | null | undefined): SideCounts | null {
  if (!side || typeof side !== 'object') return null;
  const { requests, errors, successes, sessions, crashes } = side;
  if (!isCount(requests) || !isCount(errors) || errors > requests) return null;
  if (successes !== undefined && (!isCount(successes) || successes > requests)) return null;
  const out: SideCounts = { requests, errors };
  const clientErrors = side.clientErrors;
  if (clientErrors !== undefined && (!isCount(clientErrors) || clientErrors > requests - errors)) return null;
  if (clientErrors !== undefined) out.clientErrors = clientErrors;
  if (successes !== undefined) out.successes = successes;
  if (sessions !== undefined || crashes !== undefined) {
    // A crash count without a valid session count cannot be turned into a rate: drop both.
    if (isCount(sessions) && (crashes === undefined || (isCount(crashes) && crashes <= sessions))) {
      out.sessions = sessions;
      out.crashes = crashes ?? 0;
    }
  }
  const latency = cleanHistogram(side.latencyMs);
  if (latency) out.latencyMs = latency;
  return out;
}

// A tick re-reads the same history windows every minute: each is cleaned once. The result depends
// only on the window, which callers never mutate after handing it over, so the core stays pure.
const cleaned = new WeakMap<WindowSample, WindowSample | null>();

/** The window with each side cleaned; a window with a bad start or length is dropped. */
export function cleanWindow(w: WindowSample): WindowSample | null {
  if (!w || typeof w !== 'object') return null;
  const known = cleaned.get(w);
  if (known !== undefined) return known;
  const out = !Number.isFinite(w.start) || !Number.isFinite(w.durationMs) || w.durationMs <= 0
    ? null
    : { start: w.start, durationMs: w.durationMs, canary: cleanSide(w.canary), baseline: cleanSide(w.baseline) };
  cleaned.set(w, out);
  return out;
}
