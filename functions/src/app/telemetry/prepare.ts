import { hash } from 'node:crypto';
import type { PendingBatch, ReportWindow } from '../../ports';
import { minuteOf, type TelemetryReport } from './report-schema';

/** The spec's acceptance range, by the server's clock. */
export const PAST_LIMIT_MS = 15 * 60_000;
export const FUTURE_LIMIT_MS = 2 * 60_000;

/**
 * A letter and 15 hex digits of sha256: ids are stored hashed, under a field name that is safe in
 * Firestore and never reads as a number (the in-process test server drops numeric-looking map keys).
 */
export function shortHash(prefix: 'i' | 'b', value: string): string {
  // crypto.hash: the same digest as createHash(...).update().digest() without a Hash object per call.
  return prefix + hash('sha256', value, 'hex').slice(0, 15);
}

/** Sparse [bucket, count] pairs, ascending, zero counts left out. */
function latencyOf(counts: Record<string, number> | undefined): [number, number][] {
  const out: [number, number][] = [];
  if (counts) for (const bucket in counts) if (counts[bucket]! > 0) out.push([Number(bucket), counts[bucket]!]);
  return out.length > 1 ? out.sort((a, b) => a[0] - b[0]) : out;
}

/**
 * A validated report made ready for the group commit: windows outside -15/+2 minutes dropped
 * (counted in the answer), optional counts given their defaults (successes = requests - errors),
 * the dedup marker placed on the earliest window as sent (so every retry finds it, whatever the clock).
 */
export function prepareBatch(report: TelemetryReport, now: number, sampleRate: number): PendingBatch {
  const windows: ReportWindow[] = [];
  let markerMinute = Infinity;
  for (const w of report.windows) {
    const minute = minuteOf(w.start)!;
    markerMinute = Math.min(markerMinute, minute);
    if (minute < now - PAST_LIMIT_MS || minute > now + FUTURE_LIMIT_MS) continue;
    windows.push({
      minute,
      requests: w.requests,
      errors: w.errors,
      clientErrors: w.clientErrors ?? 0,
      successes: w.successes ?? w.requests - w.errors,
      sessions: w.sessions ?? 0,
      crashes: w.crashes ?? 0,
      latency: latencyOf(w.latencyMs?.counts),
    });
  }
  return {
    platform: report.platform,
    release: report.release,
    installHash: shortHash('i', report.installId),
    batchHash: shortHash('b', report.batchId),
    markerMinute,
    windows,
    answer: { accepted: windows.length, dropped: report.windows.length - windows.length, sampleRate },
  };
}
