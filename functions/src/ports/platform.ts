import type { Canary } from '../core/canary';
import type { Channel } from '../core/types';

/**
 * The time budget of one rollback step, which the rollback lease must outlast: every platform call
 * times out after PLATFORM_CALL_TIMEOUT_MS (the adapters set it on their clients), and the longest
 * step makes LONGEST_STEP_CALLS calls in sequence (Play: edits.insert, tracks.get, tracks.update,
 * edits.commit).
 */
export const PLATFORM_CALL_TIMEOUT_MS = 30_000;
export const LONGEST_STEP_CALLS = 4;

/** What a platform action did. `already_done` is how an adapter reports an idempotent repeat. */
export interface ActionOutcome {
  status: 'done' | 'already_done' | 'skipped' | 'dry_run';
  detail: string;
}

/**
 * A vendor failure in the project's terms (STYLE 9): which service, the HTTP status where there was
 * one, and whether trying again can help (5xx, 429, timeouts) or not (401, 403, 404, 422).
 */
export class PlatformError extends Error {
  constructor(
    readonly service: 'github' | 'play' | 'hosting' | 'monitoring' | 'firestore',
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    /** Earliest time a retry is allowed (Retry-After), ms since epoch. */
    readonly retryAt?: number,
  ) {
    super(message);
    this.name = 'PlatformError';
  }
}

export interface PromotionStep {
  channel: Channel;
  rolloutPercent: number;
}

/**
 * Moves a release forward on its platform (mobile: raise userFraction or promote the track;
 * desktop: prerelease -> latest; web: release the version to the channel). The rollback issue
 * extends this port with the rollback steps.
 */
export interface PlatformActuators {
  promote(canary: Canary, from: PromotionStep, to: PromotionStep): Promise<ActionOutcome>;
}

/**
 * The rollback's outside effects, one per platform action; each is a step with a record of its own.
 * `cohort_share` is the web cohort router's share of the canary set to 0 (docs/web-cohorts.md).
 */
export const ROLLBACK_STEPS = ['cohort_share', 'dispatch', 'hosting_release', 'github_release', 'play_halt'] as const;
export type RollbackStepName = (typeof ROLLBACK_STEPS)[number];

/** Everything a rollback step needs to know, fixed when the rollback was planned. */
export interface RollbackContext {
  canary: Canary;
  /** `<canaryId>:<generation>`: sent in the dispatch so the receiving workflow drops a duplicate. */
  rollbackId: string;
  /** The bad release. */
  version: string;
  /** The last known-good release (never null: a rollback without one is refused before any step). */
  rollbackTo: string;
  reason: string;
  /** When the rollback was requested, ms (the dispatch payload's `timestamp`). */
  timestamp: number;
  /** `critical` (a person's manual request, desktop): delete the bad release instead of drafting it. */
  severity?: 'critical';
}

/**
 * One platform action of a rollback. `execute` must be safe to call again after a crash or a lost
 * response: it reads the platform's state first and answers `already_done` when there is nothing
 * left to do (the one exception, the dispatch, carries the rollback id for the receiver to dedupe).
 */
export interface RollbackStep {
  readonly name: RollbackStepName;
  /**
   * Runs, and settles, before the other steps start: the cohort share, so users are off the bad
   * release (one navigation) before anything slower is attempted. Its failure does not hold the
   * others back: they restore too.
   */
  readonly first?: boolean;
  /**
   * The requests it would send, recorded instead of sending in dry-run or with the kill switch off
   * (a promise where telling needs a read, e.g. whether a cohort router fronts the site).
   */
  describe(ctx: RollbackContext): string | Promise<string>;
  execute(ctx: RollbackContext): Promise<ActionOutcome>;
  /**
   * Proves, with reads only (nothing a user or the platform's state could notice), that `execute`
   * could run for this canary now. Never throws: a failed read is a failed or unproven check.
   */
  readiness(canary: Canary, rollbackTo: string | null): Promise<ReadinessCheck[]>;
}

/**
 * One fact a readiness check established. `unproven` is a fact the platform does not let us read
 * without acting (said in `detail`); it does not make the rollback "not ready", but it is shown.
 */
export interface ReadinessCheck {
  step: RollbackStepName | 'target';
  check: string;
  outcome: 'ok' | 'failed' | 'unproven';
  detail: string;
  /** The permission or resource that is missing, by its platform name, when the check failed. */
  missing?: string;
}

/** Chooses, per canary, which rollback steps run (configuration per platform; each can be disabled). */
export interface RollbackActuators {
  rollbackSteps(canary: Canary): RollbackStep[];
}
