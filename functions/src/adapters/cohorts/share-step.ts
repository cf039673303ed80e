import type { Canary } from '../../core/canary';
import { shareOf } from '../../core/cohort-shares';
import { webCohortsSchema } from '../../config/web-cohorts';
import { isCanaryConflict, type CanaryStore, type ConfigStore } from '../../ports/canary-store';
import type { Clock } from '../../ports/clock';
import { PlatformError, type ActionOutcome, type ReadinessCheck, type RollbackContext, type RollbackStep } from '../../ports/platform';

export interface CohortShareOptions {
  canaries: CanaryStore;
  clock: Clock;
  /**
   * `config/web_cohorts`, to tell whether a cohort router fronts the canary's site at all. Absent
   * (a caller that does not wire it), the router is assumed and the share is always set.
   */
  config?: ConfigStore;
}

/** A write refused because another one landed first is re-read and tried again, this many times. */
const CONFLICT_RETRIES = 5;

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Why the router serves nobody this canary's release, so there is no share to take away; or null
 * when it does (or may: an invalid config/web_cohorts can still be in force as a router's last good
 * one, and a share of 0 harms nothing). Skipping matters for the record: the audit entry's restore
 * time is the share change only when the share is what sent users back.
 */
async function noRouterFor(canary: Canary, config: ConfigStore | undefined): Promise<string | null> {
  if (canary.rollout.channel === 'stable') return 'stable is the live channel: the cohort router has no share of it to take away; the Hosting release restores its users';
  if (!config) return null;
  let raw: unknown;
  try {
    raw = await config.get('web_cohorts');
  } catch (err) {
    throw new PlatformError('firestore', `reading config/web_cohorts: ${String((err as Error)?.message ?? err)}`, true);
  }
  const site = canary.target.hostingSite;
  if (raw === null) return `no cohort router configured for this site (config/web_cohorts is absent${site ? `; site ${site}` : ''}): nothing to set; the Hosting release restores its users`;
  const parsed = webCohortsSchema.safeParse(raw);
  if (!parsed.success) return null;
  const cfg = parsed.data;
  if (site !== undefined && site !== cfg.site) return `no cohort router configured for site ${site} (config/web_cohorts fronts ${cfg.site}): nothing to set; the Hosting release restores its users`;
  if (!cfg.channelUrls[canary.rollout.channel]) return `the cohort router of site ${cfg.site} has no URL for ${canary.rollout.channel} in config/web_cohorts, so it sends nobody there: nothing to set`;
  return null;
}

/**
 * Web rollback, first step: the cohort router's share of the canary goes to 0 (`cohort.share`, with
 * when), so every visitor of its channel gets the stable shell on their next navigation, before the
 * Hosting release of the previous version (which still runs, for direct channel URLs). A
 * read-then-write under the read's version: the time recorded is the first change, never a retry's.
 * Where no router serves the channel (none configured for the site, or the live channel) it writes
 * nothing and says so: `skipped`, which the audit entry does not count as the restore.
 */
export function createCohortShareStep(options: CohortShareOptions): RollbackStep {
  const { canaries, clock, config } = options;
  return {
    name: 'cohort_share',
    first: true,
    async describe(ctx) {
      const none = await noRouterFor(ctx.canary, config).catch((err: unknown) => `cannot tell (${String((err as Error)?.message ?? err)})`);
      if (none) return `canaries/${ctx.canary.id}: cohort.share unchanged (${none})`;
      return `canaries/${ctx.canary.id}: cohort.share ${shareOf(ctx.canary)?.percent ?? ctx.canary.rollout.rolloutPercent}% -> 0 (the cohort router sends every ${ctx.canary.rollout.channel} visitor to stable)`;
    },
    async execute(ctx: RollbackContext): Promise<ActionOutcome> {
      for (let i = 0; ; i++) {
        const read = await canaries.get(ctx.canary.id);
        if (!read?.ok) throw new PlatformError('firestore', `canary ${ctx.canary.id} is ${read ? 'invalid' : 'missing'}: no share to set`, false);
        const canary: Canary = read.canary;
        if (canary.cohort?.share === 0) return { status: 'already_done', detail: `${canary.rollout.channel} share already 0 since ${iso(canary.cohort.changedAt)}` };
        const none = await noRouterFor(canary, config);
        if (none) return { status: 'skipped', detail: `skipped: ${none}` };
        // What the router served the channel before (the stage's percentage, or a lower share written).
        const previous = Math.min(canary.cohort?.share ?? 100, canary.rollout.rolloutPercent);
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
      let none: string | null;
      try {
        none = await noRouterFor(canary, config);
      } catch (err) {
        return [{ step: 'cohort_share', check: 'config', outcome: 'unproven', detail: String((err as Error)?.message ?? err) }];
      }
      if (none) return [{ step: 'cohort_share', check: 'router', outcome: 'ok', detail: `the step will skip: ${none}` }];
      const share = shareOf(canary);
      return [{ step: 'cohort_share', check: 'share', outcome: 'ok', detail: `the router gives ${canary.rollout.channel} ${share?.percent ?? 0}% of visitors; the rollback sets it to 0 in Firestore first` }];
    },
  };
}
