import type { Canary } from '../../core/canary';
import { shareOf } from '../../core/cohort-shares';
import { isCanaryConflict, type CanaryStore } from '../../ports/canary-store';
import type { Clock } from '../../ports/clock';
import { PlatformError, type ActionOutcome, type ReadinessCheck, type RollbackContext, type RollbackStep } from '../../ports/platform';

export interface CohortShareOptions {
  canaries: CanaryStore;
  clock: Clock;
}

/** A write refused because another one landed first is re-read and tried again, this many times. */
const CONFLICT_RETRIES = 5;

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Web rollback, first step: the cohort router's share of the canary goes to 0 (`cohort.share`, with
 * when), so every visitor of its channel gets the stable shell on their next navigation, before the
 * Hosting release of the previous version (which still runs, for direct channel URLs). A
 * read-then-write under the read's version: the time recorded is the first change, never a retry's.
 */
export function createCohortShareStep(options: CohortShareOptions): RollbackStep {
  const { canaries, clock } = options;
  return {
    name: 'cohort_share',
    first: true,
    describe(ctx) {
      return `canaries/${ctx.canary.id}: cohort.share ${shareOf(ctx.canary)?.percent ?? ctx.canary.rollout.rolloutPercent}% -> 0 (the cohort router sends every ${ctx.canary.rollout.channel} visitor to stable)`;
    },
    async execute(ctx: RollbackContext): Promise<ActionOutcome> {
      for (let i = 0; ; i++) {
        const read = await canaries.get(ctx.canary.id);
        if (!read?.ok) throw new PlatformError('firestore', `canary ${ctx.canary.id} is ${read ? 'invalid' : 'missing'}: no share to set`, false);
        const canary: Canary = read.canary;
        if (canary.cohort?.share === 0) return { status: 'already_done', detail: `${canary.rollout.channel} share already 0 since ${iso(canary.cohort.changedAt)}` };
        const previous = canary.cohort?.share ?? canary.rollout.rolloutPercent;
        const at = clock.now();
        try {
          await canaries.update(canary.id, { cohort: { share: 0, changedAt: at, previousShare: previous } }, { ifVersion: read.version, by: 'rollback' });
          return { status: 'done', detail: `${canary.rollout.channel} share ${previous}% -> 0% at ${iso(at)}` };
        } catch (err) {
          if (!isCanaryConflict(err)) throw new PlatformError('firestore', `setting the share of ${canary.id}: ${String((err as Error)?.message ?? err)}`, true);
          if (err.reason !== 'changed' || i >= CONFLICT_RETRIES) throw new PlatformError('firestore', `setting the share of ${canary.id}: ${err.message}`, err.reason === 'changed');
        }
      }
    },
    async readiness(canary): Promise<ReadinessCheck[]> {
      const share = shareOf(canary);
      return [{ step: 'cohort_share', check: 'share', outcome: 'ok', detail: `the router gives ${canary.rollout.channel} ${share?.percent ?? 0}% of visitors; the rollback sets it to 0 in Firestore first` }];
    },
  };
}
