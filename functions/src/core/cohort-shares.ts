import type { Canary, CanaryStatus } from './canary';
import type { ChannelShare, CohortShares } from './cohort';

/**
 * Statuses in which a canary's release is shown to its share: running, and promoting (the
 * platform is moving it on; until the new position is written it keeps the stage it had).
 */
const SERVED: readonly CanaryStatus[] = ['running', 'promoting'];
/** Paused canaries keep their channel for opted-in testers (to reproduce), at share 0. */
const TESTERS_ONLY: readonly CanaryStatus[] = ['paused'];
/**
 * Statuses the router reads (the list query's filter). Only statuses a canary leaves, so the read
 * stays a handful of documents however many releases the site has had: finished canaries
 * (completed, rolled back) never reach the router, and the release live serves then is the one the
 * live build names in its own meta (docs/web-cohorts.md).
 */
export const COHORT_STATUSES: readonly CanaryStatus[] = [...SERVED, ...TESTERS_ONLY, 'rollback_requested', 'rolling_back', 'rollback_failed'];

/**
 * A canary's share of visitors: its stage's percentage (alpha 10, beta 25 by default policy) while
 * it runs, 0 when paused or frozen, and nothing at all once held by a rollback or its share set to
 * 0. The rollback's `cohort_share` step writes `cohort.share = 0` first thing, so a share never
 * outlives a rollback even if a status write lags. Frozen alone is not a rollback: a rollback held
 * back (dry-run, kill switch, breaker) leaves the canary paused and frozen with its `cohort_share`
 * step recorded, not run, so the router serves it as any paused canary (opted-in testers only),
 * rather than doing what the record says was not done.
 */
export function shareOf(canary: Canary): ChannelShare | undefined {
  if (canary.platform !== 'web' || canary.rollout.completed) return undefined;
  if (canary.cohort && canary.cohort.share === 0) return undefined;
  if (TESTERS_ONLY.includes(canary.status) || canary.rollout.paused) return { release: canary.release, percent: 0 };
  if (!SERVED.includes(canary.status)) return undefined;
  // Frozen: no automatic decision moves it again (the evaluator pauses it), so nobody by bucket.
  if (canary.rollout.frozen) return { release: canary.release, percent: 0 };
  const percent = Math.min(canary.rollout.rolloutPercent, canary.cohort?.share ?? 100);
  return { release: canary.release, percent };
}

const newer = (a: Canary, b: Canary) => a.createdAt > b.createdAt || (a.createdAt === b.createdAt && a.id > b.id);

/**
 * The split of one Hosting site from its web canaries (any order, any status): per canary channel
 * the newest canary with a share, and the release live serves when a stable canary is running on it
 * (during a stable rollback it is not known for sure: none is named). Canaries of other sites and
 * platforms are ignored; a canary naming no site counts for every site (one-site projects).
 */
export function sharesFromCanaries(canaries: readonly Canary[], site: string): CohortShares {
  const out: CohortShares = {};
  const best: { alpha?: Canary; beta?: Canary; stable?: Canary } = {};
  for (const c of canaries) {
    if (c.platform !== 'web' || (c.target.hostingSite !== undefined && c.target.hostingSite !== site)) continue;
    const channel = c.rollout.channel;
    if (channel === 'stable') {
      if (!best.stable || newer(c, best.stable)) best.stable = c;
      continue;
    }
    if (!shareOf(c)) continue;
    const held = best[channel];
    if (!held || newer(c, held)) best[channel] = c;
  }
  if (best.alpha) out.alpha = shareOf(best.alpha);
  if (best.beta) out.beta = shareOf(best.beta);
  const stable = best.stable;
  if (stable && (SERVED.includes(stable.status) || TESTERS_ONLY.includes(stable.status)) && !stable.rollout.frozen) out.stableRelease = stable.release;
  return out;
}

/**
 * The share a web canary's promotion writes with its new position: the new stage's percentage
 * (beta 25 % by default; stable 100 %, which the live channel's release gives everyone), and what the
 * router served before (the old stage's, or a lower share written since). Other platforms have none.
 */
export function promotedShare(canary: Canary, to: { channel: Canary['channel']; rolloutPercent: number }, now: number): Canary['cohort'] | undefined {
  if (canary.platform !== 'web') return undefined;
  const previousShare = Math.min(canary.cohort?.share ?? 100, canary.rollout.rolloutPercent);
  return { share: to.rolloutPercent, changedAt: now, previousShare };
}
