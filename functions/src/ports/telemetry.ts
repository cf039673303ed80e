import type { Platform } from '../core/types';

/**
 * Telemetry aggregates: what client apps reported (shared/spec/telemetry-format.md), summed per
 * (platform, release, minute). Written by the ingest function's group commit, read by the
 * telemetry MetricsSource. Layout and retention: docs/data-model.md ("Telemetry").
 */

/** Counts of one release in one minute, summed over every install that reported it. */
export interface TelemetryCounts {
  requests: number;
  errors: number;
  /** 4xx answers (absent in a report: 0). */
  clientErrors: number;
  /** Requests that completed the user's task (absent in a report: requests - errors). */
  successes: number;
  /** Sessions started; 0 when no install reported sessions (then the crash rate has no data). */
  sessions: number;
  crashes: number;
  /** Dense, 91 counts over the standard buckets (core/latency-buckets.ts). */
  latency: number[];
}

/** One minute of one release, as read back. */
export interface TelemetryMinute extends TelemetryCounts {
  /** Start of the minute, ms since epoch. */
  minute: number;
  /** Distinct installs that reported this minute (exact). */
  installs: number;
  /** Distinct installs that reported at least one error this minute. */
  errorInstalls: number;
  /** Distinct installs that reported at least one crash this minute. */
  crashInstalls: number;
  /** Windows whose counts were clipped by the per-install caps (poisoning bounds); a visible attack. */
  cappedWindows: number;
}

/** [from, to) in ms, both on minute boundaries. */
export interface TelemetryQuery {
  platform: Platform;
  release: string;
  from: number;
  to: number;
}

/** Distinct installs over the whole range (the union of the minutes: one install counts once). */
export interface TelemetryInstalls {
  all: number;
  errors: number;
  crashes: number;
}

/** Minutes with data, oldest first (a minute nobody reported is absent: no data, not zero), or why none could be read. */
export type TelemetryRead =
  | { ok: true; minutes: TelemetryMinute[]; installs: TelemetryInstalls }
  | { ok: false; error: string; retryable: boolean };

/**
 * The reading side. One call reads one release's range: about `(to - from) / 1 min × shards`
 * small documents, so a canary and its baseline over 15 minutes cost ~120 document reads.
 */
export interface TelemetryAggregates {
  read(query: TelemetryQuery): Promise<TelemetryRead>;
}
