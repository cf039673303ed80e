import type { ScalarCounts, WindowCounts } from '../core/telemetry-bounds';
import type { Platform } from '../core/types';

/**
 * Telemetry aggregates: what client apps reported (shared/spec/telemetry-format.md), summed per
 * (platform, release, minute). Written by the ingest function's group commit, read by the
 * telemetry MetricsSource. Layout and retention: docs/data-model.md ("Telemetry").
 */

/** Counts of one release in one minute, summed over every install that reported it. */
/** clientErrors absent in a report count 0, successes requests - errors; sessions 0 means the crash rate has no data. */
export interface TelemetryCounts extends ScalarCounts {
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

// ---- The writing side: the ingest function's group commit ----

/** One accepted window of one report, already validated; latency sparse as [bucket, count]. */
export interface ReportWindow extends WindowCounts {
  minute: number;
}

/** The answer of a recorded batch, returned again (200) for every retry of it. */
export interface IngestAnswer {
  accepted: number;
  dropped: number;
  sampleRate: number;
}

/** A validated report waiting for the group commit. Ids are hashed: no raw install id is stored. */
export interface PendingBatch {
  platform: Platform;
  release: string;
  /** "i" and 15 hex digits of sha256(installId). */
  installHash: string;
  /** "b" and 15 hex digits of sha256(batchId). */
  batchHash: string;
  /** The earliest window's minute as sent (dropped or not): where the dedup marker lives, the same on every retry. */
  markerMinute: number;
  /** The windows inside the accepted time range (may be empty: then only the marker is written). */
  windows: ReportWindow[];
  answer: IngestAnswer;
}

/** What one install may add to one release in one minute (poisoning bounds) and how many batches it may send for one minute. */
export interface InstallLimits {
  batchesPerMinute: number;
  requestsPerMinute: number;
  errorsPerMinute: number;
  sessionsPerMinute: number;
  crashesPerMinute: number;
}

export type BatchOutcome =
  | { kind: 'recorded'; answer: IngestAnswer }
  /** The same (install, batch) was recorded before: nothing counted again; the first answer. */
  | { kind: 'duplicate'; answer: IngestAnswer }
  /** The install already sent its batches for that minute. */
  | { kind: 'over_budget'; retryAfterSeconds: number };

/** Reports one instance accepted for one key in one minute (an absolute count: each instance writes only its own). */
export interface KeyUsage {
  keyId: string;
  minute: number;
  instance: string;
  reports: number;
}

/**
 * The aggregate store. `commit` is one atomic unit (one Firestore commit guarded by preconditions):
 * every batch is either recorded with its dedup marker, or found a duplicate, or refused over
 * budget, and the instance's key usage is written with it. It throws when nothing could be recorded.
 */
export interface TelemetryStore {
  commit(batches: PendingBatch[], usage: KeyUsage[], limits: InstallLimits): Promise<BatchOutcome[]>;
  /** Batches of different lanes touch different documents: their commits may run at the same time. */
  lane(batch: PendingBatch): string;
  /** Reports accepted for the key in that minute, summed over every instance. */
  keyUsage(keyId: string, minute: number): Promise<number>;
}

// ---- Publishable ingest keys ----

/** A publishable ingest key as stored (the key itself never is: `id` is a hash of it). */
export interface IngestKey {
  id: string;
  app: string;
  platforms: Platform[];
  /** Browser origins allowed, exact `scheme://host[:port]`. */
  origins: string[];
  appCheck: boolean;
  revoked: boolean;
  createdAt: number;
  revokedAt?: number;
  /** The key's budget across all instances (reports per minute). */
  reportsPerMinute?: number;
  /** `sampleRate` for releases that are not a canary. */
  sampleRate?: number;
}

export type IngestKeyRead = { ok: true; key: IngestKey } | { ok: false; id: string; error: string };

export interface IngestKeyStore {
  get(id: string): Promise<IngestKeyRead | null>;
  list(): Promise<IngestKeyRead[]>;
  /** create(): false when the id exists. */
  create(key: IngestKey): Promise<boolean>;
  /** Marks it revoked; false when there is no such key. */
  revoke(id: string, at: number): Promise<boolean>;
}
