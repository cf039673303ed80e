import type { Channel, Evaluation, MetricName, Platform } from './types';

/**
 * A canary's life. One comment per state; `isTerminal` says which never change again.
 */
export const CANARY_STATUSES = [
  'running', //            being evaluated every tick
  'paused', //             evaluated, but neither promoted nor rolled back automatically (yellow, no data, shared incident, breaker)
  'promoting', //          a promotion was decided and its platform action is under way
  'rollback_requested', // someone (policy, operator, guardian) asked for a rollback; the trigger acts on it
  'rolling_back', //       the rollback was claimed and its steps are running
  'rolled_back', //        every rollback step completed
  'rollback_failed', //    a step failed past its retry budget; a human must act
  'completed', //          the release reached its last stage and the canary ended
  'invalid', //            the stored document failed its schema; quarantined with a message
] as const;
export type CanaryStatus = (typeof CANARY_STATUSES)[number];

export function isTerminal(status: CanaryStatus): boolean {
  switch (status) {
    case 'rolled_back':
    case 'completed':
    case 'invalid':
      return true;
    case 'running':
    case 'paused':
    case 'promoting':
    case 'rollback_requested':
    case 'rolling_back':
    case 'rollback_failed':
      return false;
    default: {
      const exhaustive: never = status;
      return exhaustive;
    }
  }
}

/** Statuses the scheduled evaluation looks at. */
export const EVALUATED_STATUSES: readonly CanaryStatus[] = ['running', 'paused'];

export type RollbackTrigger = 'auto-policy' | 'manual' | 'guardian';

/** The promotion criteria no metric gives; posted by CI or an operator (POST /canaries/{id}/gates). */
export interface GateStatus {
  openP0P1Bugs?: number;
  securityScanPassed?: boolean;
  loadTestPassed?: boolean;
  crossPlatformValidated?: boolean;
  /** 0..5 */
  userFeedbackScore?: number;
  guardianPassed?: boolean;
}

/**
 * Where the canary stands: kept apart from its plan (platform, release, policy) so that the pure
 * `next()` of the rollout state machine can return a new position without touching the plan.
 */
export interface RolloutState {
  channel: Channel;
  /** Index into the channel's stage list (mobile staged percentages); 0 where a channel has one stage. */
  stageIndex: number;
  rolloutPercent: number;
  stageStartedAt: number;
  /** Start of the current uninterrupted run of green windows; null when the last judged window was not green. */
  greenSince: number | null;
  /**
   * Consecutive windows with each outcome, continued across process restarts (S10). `clear`:
   * windows with canary data that were neither red nor yellow (what lifts a pause).
   */
  streaks: { red: number; yellow: number; noData: number; inconclusive: number; green?: number; clear?: number };
  /** Start of the newest window already judged, so a retried tick never counts a window twice. */
  lastWindowStart: number | null;
  /** Set after a rollback: the release is never promoted again. */
  frozen: boolean;
  /** First window judged red in the current incident (time to detect is measured from here). */
  redSince: number | null;
  /** The evaluator paused the canary (yellow, shared incident, no data); lifted after enough green windows. */
  paused?: boolean;
  /** Why the evaluator paused, in the audit wording. */
  pauseReasons?: string[];
  /** The last stage finished green: the rollout is complete and nothing more is decided. */
  completed?: boolean;
  /** `now` of the last tick counted as "no data" without windows, so a retried tick counts once. */
  lastNoDataTickAt?: number | null;
  /** The current stage's bake; absent on documents stored before it existed (a bake then starts afresh). */
  bake?: BakeState;
}

/** Trials and events pooled over a bake. */
export interface PooledCounts {
  n: number;
  k: number;
}

/**
 * A stage's bake: its clock and the evidence pooled over it, kept on the canary so the scheduled
 * function continues it tick after tick (core/bake.ts).
 */
export interface BakeState {
  /** When the bake clock (re)started: the stage's start, or the end of the last red window. */
  since: number;
  /** Time the clock stood still while the canary was paused, ms. */
  heldMs: number;
  /** Canary trials and events per metric since `since` (latency: requests possibly above its limit). */
  pooled: Partial<Record<MetricName, PooledCounts>>;
  /** ln of the sequential statistic per metric, one entry per alternative (core/sequential.ts). */
  evidence: Partial<Record<MetricName, number[]>>;
}

export interface RollbackRequest {
  /** Increases with each request for the same canary; claims are keyed by (canary, generation). */
  generation: number;
  requestedAt: number;
  requestedBy: string;
  reason: string;
  trigger: RollbackTrigger;
  /** When the regression began, where the evaluator knows it (first red window). */
  onsetAt?: number;
  /**
   * `critical`: a person asked for the bad release to be deleted, not drafted (`gh release delete`,
   * desktop only; the previous release is made Latest first). Absent: the ordinary rollback.
   */
  severity?: RollbackSeverity;
}

/** How hard a manual rollback hits the bad release (docs/rollback.md, "Critical"). */
export const ROLLBACK_SEVERITIES = ['normal', 'critical'] as const;
export type RollbackSeverity = (typeof ROLLBACK_SEVERITIES)[number];

/** Where the platform's release lives; each adapter reads its own part. */
export interface ReleaseTarget {
  /** owner/name on GitHub: dispatches always, releases for desktop. */
  repository?: string;
  hostingSite?: string;
  /** Hosting channel serving this release ('live' for stable). */
  hostingChannel?: string;
  /** Hosting version name of the previous release, e.g. sites/S/versions/V, when CI knows it. */
  previousHostingVersion?: string;
  playPackage?: string;
  playTrack?: string;
  versionCodes?: string[];
  /** Version codes of the release before this one: the Play vitals baseline (absent: the highest lower code Play reports). */
  previousVersionCodes?: string[];
}

/** Whether every step of the canary's rollback could run, as the last readiness check found. */
export interface ReadinessSummary {
  ready: boolean;
  checkedAt: number;
  /** Permissions and resources named by failed checks. */
  missing: string[];
  /** `<step>: <check>` of the checks that failed, and of those the platform cannot prove without acting. */
  failed: string[];
  unproven: string[];
}

export interface MttrMissed {
  incidentId: string;
  /** Measured minutes; null when recovery was never confirmed. */
  minutes: number | null;
  targetMinutes: number;
  flaggedAt: number;
  open: boolean;
  clearedAt?: number;
  clearedBy?: string;
  clearReason?: string;
}

export interface EvaluationSummary extends Evaluation {
  at: number;
  windowStart: number | null;
}

export interface Canary {
  id: string;
  platform: Platform;
  release: string;
  previousRelease: string | null;
  /** The channel the canary started on; the current one is rollout.channel. */
  channel: Channel;
  status: CanaryStatus;
  dryRun: boolean;
  createdAt: number;
  updatedAt: number;
  createdBy: string;
  target: ReleaseTarget;
  rollout: RolloutState;
  gates: GateStatus;
  lastEvaluation?: EvaluationSummary;
  /** Why the canary is paused, in the audit wording. */
  pauseReason?: string;
  /** Metrics could not be read: the reason and since when (visible on the document, S3/S5/S6). */
  noData?: { since: number; streak: number; lastError?: string };
  rollbackRequest?: RollbackRequest;
  /** Summary of the rollback's progress; each step's own record lives in its own document. */
  rollback?: {
    generation: number;
    target: string | null;
    startedAt?: number;
    finishedAt?: number;
    steps?: Record<string, 'pending' | 'done' | 'failed' | 'skipped' | 'dry_run'>;
    error?: string;
  };
  /** The incident's clock (seed: MTTR), set by the rollback. */
  incident?: { onsetAt?: number; decidedAt?: number; restoredAt?: number; recoveredAt?: number };
  /**
   * Web only: the cohort router's share of this canary and when it last changed. A promotion writes
   * the new stage's percentage with the new position (one unit, with its audit entry); the
   * rollback's `cohort_share` step sets 0 before Hosting releases the previous version. Absent (a
   * canary not promoted yet), the share is the stage's percentage (core/cohort-shares.ts).
   */
  cohort?: { share: number; changedAt: number; previousShare?: number };
  /**
   * Set when a rollback completes: the evaluator keeps watching the rolled-back population until it
   * is confirmed recovered or the watch runs out, then clears it (so the watch list stays short).
   */
  recoveryWatch?: boolean;
  /**
   * This canary's incident missed its channel's MTTR target (core/mttr.ts). While `open`, no canary
   * of the platform is promoted out of that channel; a person clears it (POST /canaries/{id}/mttr/clear).
   */
  mttrMissed?: MttrMissed;
  /** The last rollback readiness check (at registration, or POST /canaries/{id}/readiness). */
  readiness?: ReadinessSummary;
  /** The message of an invalid document. */
  error?: string;
}

/** The deterministic id of the canary of (platform, release, channel): registration is idempotent on it. */
export function canaryId(platform: Platform, release: string, channel: Channel): string {
  const safe = release.replace(/[^A-Za-z0-9._-]/g, '_');
  return `${platform}__${safe}__${channel}`;
}
