import type { Canary } from '../core/canary';
import type { Channel } from '../core/types';

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
    readonly service: 'github' | 'play' | 'hosting' | 'monitoring',
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
