import { LATENCY_BUCKET_COUNT } from '../../core/latency-buckets';
import { hasLoneSurrogate } from '../../core/text';
import { minuteOf, type TelemetryReport } from './report-schema';

/**
 * The schema of report-schema.ts (TelemetryBody) written out by hand, for the batch every client
 * sends: the same acceptance, field by field, without zod's per-field allocations (zod was the
 * largest share of the ingest's own CPU per report). It only says yes or "ask the schema":
 * undefined sends the body through TelemetryBody, which names the problem. A property test holds
 * the two to the same answers (test/app/telemetry/report-check.test.ts).
 */

const ID = /^[A-Za-z0-9_-]{8,64}$/;
const BUCKET = /^(0|[1-9][0-9]?)$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function count(v: unknown, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
}

/** undefined (absent) or a count: the schema's `.optional()` counts. */
function optionalCount(v: unknown, max: number): boolean {
  return v === undefined || count(v, max);
}

function releaseOk(v: unknown): boolean {
  if (typeof v !== 'string' || v.length === 0 || v.includes('/') || hasLoneSurrogate(v)) return false;
  // 1-64 code points: a string of at most 64 UTF-16 units has at most 64; a longer one may still (pairs).
  return v.length <= 64 || [...v].length <= 64;
}

function latencyOk(v: unknown, requests: number): boolean {
  if (v === undefined) return true;
  if (!isObject(v)) return false;
  for (const k in v) if (k !== 'counts') return false;
  const counts = v.counts;
  if (!isObject(counts)) return false;
  let total = 0;
  for (const bucket in counts) {
    const n = counts[bucket];
    if (!count(n, 100_000) || !BUCKET.test(bucket) || Number(bucket) >= LATENCY_BUCKET_COUNT) return false;
    total += n;
  }
  return total <= requests;
}

const WINDOW_KEYS: ReadonlySet<string> = new Set(['start', 'requests', 'errors', 'clientErrors', 'successes', 'sessions', 'crashes', 'latencyMs']);
const REPORT_KEYS: ReadonlySet<string> = new Set(['key', 'batchId', 'installId', 'platform', 'release', 'channel', 'windows']);

/** The schema's strict objects: no key outside `allowed`. */
function onlyKeys(v: Record<string, unknown>, allowed: ReadonlySet<string>): boolean {
  for (const k in v) if (!allowed.has(k)) return false;
  return true;
}

/** The window's minute when the schema would accept the window, else null. */
function windowMinute(w: unknown): number | null {
  if (!isObject(w) || !onlyKeys(w, WINDOW_KEYS)) return null;
  const { start, requests, errors, clientErrors, successes, sessions, crashes } = w;
  const minute = typeof start === 'string' ? minuteOf(start) : null;
  if (minute === null) return null;
  if (!count(requests, 100_000) || !count(errors, 100_000) || errors > requests) return null;
  if (!optionalCount(clientErrors, 100_000) || (clientErrors !== undefined && (clientErrors as number) > requests - errors)) return null;
  if (!optionalCount(successes, 100_000) || (successes !== undefined && (successes as number) > requests)) return null;
  if (!optionalCount(sessions, 1000) || !optionalCount(crashes, 1000)) return null;
  if (crashes !== undefined && (crashes as number) > ((sessions as number | undefined) ?? 0)) return null;
  return latencyOk(w.latencyMs, requests) ? minute : null;
}

/** The body as a TelemetryReport when TelemetryBody would accept it, else undefined (never throws). */
export function checkReport(body: unknown): TelemetryReport | undefined {
  if (!isObject(body) || !onlyKeys(body, REPORT_KEYS)) return undefined;
  const { key, batchId, installId, platform, release, channel, windows } = body;
  if (key !== undefined && (typeof key !== 'string' || key.length === 0 || key.length > 200)) return undefined;
  if (typeof batchId !== 'string' || !ID.test(batchId) || typeof installId !== 'string' || !ID.test(installId)) return undefined;
  if (platform !== 'web' && platform !== 'desktop' && platform !== 'mobile') return undefined;
  if (channel !== 'alpha' && channel !== 'beta' && channel !== 'stable') return undefined;
  if (!releaseOk(release)) return undefined;
  if (!Array.isArray(windows) || windows.length < 1 || windows.length > 10) return undefined;
  // Two windows with the same minute are refused (a start may be written two ways, e.g. with and without ".000").
  const minutes = new Set<number>();
  for (const w of windows) {
    const minute = windowMinute(w);
    if (minute === null || minutes.has(minute)) return undefined;
    minutes.add(minute);
  }
  return body as TelemetryReport;
}
