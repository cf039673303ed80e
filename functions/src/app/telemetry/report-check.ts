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

function windowOk(w: unknown): boolean {
  if (!isObject(w)) return false;
  for (const k in w) {
    switch (k) {
      case 'start':
      case 'requests':
      case 'errors':
      case 'clientErrors':
      case 'successes':
      case 'sessions':
      case 'crashes':
      case 'latencyMs':
        continue;
      default:
        return false;
    }
  }
  const { start, requests, errors, clientErrors, successes, sessions, crashes } = w;
  if (typeof start !== 'string' || minuteOf(start) === null) return false;
  if (!count(requests, 100_000) || !count(errors, 100_000) || errors > requests) return false;
  if (!optionalCount(clientErrors, 100_000) || (clientErrors !== undefined && (clientErrors as number) > requests - errors)) return false;
  if (!optionalCount(successes, 100_000) || (successes !== undefined && (successes as number) > requests)) return false;
  if (!optionalCount(sessions, 1000) || !optionalCount(crashes, 1000)) return false;
  if (crashes !== undefined && (crashes as number) > ((sessions as number | undefined) ?? 0)) return false;
  return latencyOk(w.latencyMs, requests);
}

/** The body as a TelemetryReport when TelemetryBody would accept it, else undefined (never throws). */
export function checkReport(body: unknown): TelemetryReport | undefined {
  if (!isObject(body)) return undefined;
  for (const k in body) {
    switch (k) {
      case 'key':
      case 'batchId':
      case 'installId':
      case 'platform':
      case 'release':
      case 'channel':
      case 'windows':
        continue;
      default:
        return undefined;
    }
  }
  const { key, batchId, installId, platform, release, channel, windows } = body;
  if (key !== undefined && (typeof key !== 'string' || key.length === 0 || key.length > 200)) return undefined;
  if (typeof batchId !== 'string' || !ID.test(batchId) || typeof installId !== 'string' || !ID.test(installId)) return undefined;
  if (platform !== 'web' && platform !== 'desktop' && platform !== 'mobile') return undefined;
  if (channel !== 'alpha' && channel !== 'beta' && channel !== 'stable') return undefined;
  if (!releaseOk(release)) return undefined;
  if (!Array.isArray(windows) || windows.length < 1 || windows.length > 10) return undefined;
  for (let i = 0; i < windows.length; i++) {
    if (!windowOk(windows[i])) return undefined;
    // Two windows with the same minute (a start may be written two ways, e.g. with and without ".000").
    const minute = minuteOf((windows[i] as { start: string }).start);
    for (let j = 0; j < i; j++) if (minuteOf((windows[j] as { start: string }).start) === minute) return undefined;
  }
  return body as TelemetryReport;
}
