import { Timestamp } from 'firebase-admin/firestore';
import { z } from 'zod';
import { CANARY_STATUSES, ROLLBACK_SEVERITIES, type Canary } from '../../core/canary';
import { CHANNELS, METRICS, PLATFORMS } from '../../core/types';
import type { EvaluationRecord } from '../../ports/canary-store';
import { anyNumber, finite, optional, timestampMs, withoutUndefined } from './values';

const verdict = z.enum(['green', 'yellow', 'red', 'inconclusive']);
const metricResult = z.object({
  canary: anyNumber.nullable(),
  baseline: anyNumber.nullable(),
  threshold: anyNumber,
  status: verdict,
  bound: optional(anyNumber.nullable()),
  windows: optional(finite),
});

/** EvaluationSummary: the evaluator's judgement as kept on the canary and in the history. */
export const evaluationSummarySchema = z.object({
  verdict,
  decision: z.enum(['continue', 'pause', 'rollback', 'promote']),
  reasons: z.array(z.string()),
  // Partial: evaluations stored before a metric existed (the 4xx/5xx rate) still read back.
  metrics: z.partialRecord(z.enum(METRICS), metricResult),
  sharedIncident: optional(z.boolean()),
  at: finite,
  windowStart: finite.nullable(),
});

const rollbackStepStatus = z.enum(['pending', 'done', 'failed', 'skipped', 'dry_run']);

/**
 * `canaries/{id}` as stored: the domain Canary without `id` (the document id), with createdAt and
 * updatedAt as Firestore Timestamps (console-readable, ordered by the canaries queries); every
 * other time is ms since the epoch, as in the domain. Parsing yields the domain Canary.
 */
export const canaryDocSchema = z.object({
  platform: z.enum(PLATFORMS),
  release: z.string().min(1),
  previousRelease: z.string().nullable(),
  channel: z.enum(CHANNELS),
  status: z.enum(CANARY_STATUSES),
  dryRun: z.boolean(),
  createdAt: timestampMs,
  updatedAt: timestampMs,
  createdBy: z.string(),
  target: z.object({
    repository: optional(z.string()),
    hostingSite: optional(z.string()),
    hostingChannel: optional(z.string()),
    previousHostingVersion: optional(z.string()),
    playPackage: optional(z.string()),
    playTrack: optional(z.string()),
    versionCodes: optional(z.array(z.string())),
    previousVersionCodes: optional(z.array(z.string())),
  }),
  rollout: z.object({
    channel: z.enum(CHANNELS),
    stageIndex: z.number().int().min(0),
    rolloutPercent: z.number().min(0).max(100),
    stageStartedAt: finite,
    greenSince: finite.nullable(),
    streaks: z.object({ red: finite, yellow: finite, noData: finite, inconclusive: finite, green: optional(finite), clear: optional(finite) }),
    lastWindowStart: finite.nullable(),
    frozen: z.boolean(),
    redSince: finite.nullable(),
    // The evaluator's pause, completion and retried-tick guard (core/canary.ts RolloutState): kept so
    // hysteresis and streaks continue after a restart (S9, S10).
    paused: optional(z.boolean()),
    pauseReasons: optional(z.array(z.string())),
    completed: optional(z.boolean()),
    lastNoDataTickAt: optional(finite.nullable()),
    // The stage's bake (clock and pooled evidence, core/canary.ts BakeState). Documents written
    // before it existed have none; the evaluator then starts one (core/bake.ts bakeOf).
    bake: optional(
      z.object({
        since: finite,
        heldMs: finite,
        pooled: z.partialRecord(z.enum(METRICS), z.object({ n: finite, k: finite })),
        evidence: z.partialRecord(z.enum(METRICS), z.array(finite)),
      }),
    ),
  }),
  gates: z.object({
    openP0P1Bugs: optional(finite),
    securityScanPassed: optional(z.boolean()),
    loadTestPassed: optional(z.boolean()),
    crossPlatformValidated: optional(z.boolean()),
    userFeedbackScore: optional(finite),
    guardianPassed: optional(z.boolean()),
  }),
  lastEvaluation: optional(evaluationSummarySchema),
  pauseReason: optional(z.string()),
  noData: optional(z.object({ since: finite, streak: finite, lastError: optional(z.string()) })),
  rollbackRequest: optional(
    z.object({
      generation: z.number().int().min(0),
      requestedAt: finite,
      requestedBy: z.string(),
      reason: z.string(),
      trigger: z.enum(['auto-policy', 'manual', 'guardian']),
      onsetAt: optional(finite),
      severity: optional(z.enum(ROLLBACK_SEVERITIES)),
    }),
  ),
  rollback: optional(
    z.object({
      generation: z.number().int().min(0),
      target: z.string().nullable(),
      startedAt: optional(finite),
      finishedAt: optional(finite),
      steps: optional(z.record(z.string(), rollbackStepStatus)),
      error: optional(z.string()),
    }),
  ),
  incident: optional(
    z.object({ onsetAt: optional(finite), decidedAt: optional(finite), restoredAt: optional(finite), recoveredAt: optional(finite) }),
  ),
  recoveryWatch: optional(z.boolean()),
  mttrMissed: optional(
    z.object({
      incidentId: z.string(),
      minutes: finite.nullable(),
      targetMinutes: finite,
      flaggedAt: finite,
      open: z.boolean(),
      clearedAt: optional(finite),
      clearedBy: optional(z.string()),
      clearReason: optional(z.string()),
    }),
  ),
  cohort: optional(z.object({ share: z.number().min(0).max(100), changedAt: finite, previousShare: optional(z.number().min(0).max(100)) })),
  readiness: optional(z.object({ ready: z.boolean(), checkedAt: finite, missing: z.array(z.string()), failed: z.array(z.string()), unproven: z.array(z.string()) })),
  error: optional(z.string()),
});

// Compile-time guard: a field added to Canary without a schema entry here fails the typecheck,
// instead of being dropped silently on every read.
type SchemaKeys = keyof z.output<typeof canaryDocSchema>;
const everyCanaryFieldHasASchema: Exclude<keyof Canary, SchemaKeys | 'id'> extends never ? true : never = true;
void everyCanaryFieldHasASchema;

/** Domain -> document: Timestamps for createdAt/updatedAt, no id, no undefined values. */
export function canaryToDoc(canary: Canary): Record<string, unknown> {
  const { id: _id, createdAt, updatedAt, ...rest } = canary;
  void _id;
  return withoutUndefined({ ...rest, createdAt: Timestamp.fromMillis(createdAt), updatedAt: Timestamp.fromMillis(updatedAt) });
}

/** Document -> domain, or the zod error. */
export function canaryFromDoc(id: string, data: unknown): { ok: true; canary: Canary } | { ok: false; error: z.ZodError } {
  const parsed = canaryDocSchema.safeParse(data);
  if (!parsed.success) return { ok: false, error: parsed.error };
  return { ok: true, canary: withoutUndefined({ id, ...parsed.data }) as Canary };
}

// The raw counts kept for the backtest. Numbers are read as stored (NaN included): the evaluator's
// own cleaning (core/sanitize.ts) turns an impossible side into "no data" when it is replayed.
const storedSide = z
  .object({
    requests: anyNumber,
    errors: anyNumber,
    clientErrors: optional(anyNumber),
    successes: optional(anyNumber),
    sessions: optional(anyNumber),
    crashes: optional(anyNumber),
    latencyMs: optional(z.object({ bounds: z.array(anyNumber), counts: z.array(anyNumber) })),
  })
  .nullable();
const judgedCountsSchema = z.object({
  windows: z.array(z.object({ start: finite, durationMs: finite, canary: storedSide, baseline: storedSide })),
  metrics: optional(z.array(z.enum(METRICS))),
});

/** `canaries/{id}/evaluations/{key}`: the EvaluationRecord with expireAt as a Timestamp (the TTL field). */
export const evaluationDocSchema = evaluationSummarySchema.extend({
  scheduleTime: finite,
  channel: z.string(),
  rolloutPercent: finite,
  effects: z.array(z.string()),
  dryRun: z.boolean(),
  expireAt: timestampMs,
  superseded: optional(z.string()),
  counts: optional(judgedCountsSchema),
});

// The backtest's raw counts (thousands of numbers on a canary's first tick) are stored as one JSON
// string: as a map, each number was a Firestore value to encode and an index entry to write, which
// made a first tick over 1,000 canaries several times slower (npm run bench:evaluate).
export function evaluationToDoc(record: EvaluationRecord): Record<string, unknown> {
  return withoutUndefined({ ...record, ...(record.counts ? { counts: JSON.stringify(record.counts) } : {}), expireAt: Timestamp.fromMillis(record.expireAt) });
}

export function evaluationFromDoc(data: unknown): { ok: true; record: EvaluationRecord } | { ok: false; error: z.ZodError } {
  const parsed = evaluationDocSchema.safeParse(withParsedCounts(data));
  return parsed.success ? { ok: true, record: withoutUndefined(parsed.data) as EvaluationRecord } : { ok: false, error: parsed.error };
}

/** Counts written as a JSON string (or, before that, as a map); unreadable JSON fails the schema. */
function withParsedCounts(data: unknown): unknown {
  if (!data || typeof data !== 'object' || typeof (data as { counts?: unknown }).counts !== 'string') return data;
  let counts: unknown;
  try {
    counts = JSON.parse((data as { counts: string }).counts);
  } catch {
    counts = '(counts: not JSON)';
  }
  return { ...data, counts };
}
