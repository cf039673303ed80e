import type { Canary } from '../../core/canary';
import { explain } from '../../core/notification-explain';
import { evaluateTick, initialRolloutState } from '../../core/tick';
import type { CanaryMetrics } from '../../ports';
import { settleIncidentMttr } from '../incidents/mttr-miss';
import { recoveryPatch } from '../rollback/recovery';
import type { EvaluateDeps } from './deps';
import type { TickContext } from './evaluate-canary';
import { policyForSource } from './source-view';

/** What the watch concluded about one rolled-back canary this tick. */
export type RecoveryOutcome = { id: string; status: 'recovered' | 'not_recovered' | 'watching' | 'unconfirmed' };

const minutes = (ms: number) => Math.round(ms / 60_000);

/**
 * The population a rollback restored: the channel now serves the rollback target, so its metrics
 * are read under the target's release label and judged on the same channel's thresholds.
 */
export function restoredPopulation(canary: Canary): Canary | null {
  const target = canary.rollback?.target;
  if (!target) return null;
  return { ...canary, id: `${canary.id}#restored`, release: target, previousRelease: target };
}

/**
 * The product checks its own work: after a rollback, the same evaluator judges the restored
 * population. Green closes the incident (incident.recoveredAt, a `rollback_recovered` entry with
 * the time to recover); red says the rollback did not fix it (audited once: a human must look);
 * no verdict until the watch runs out is recorded as unconfirmed. Each conclusion is claimed, so
 * overlapping ticks record it once.
 */
export async function watchRecovery(deps: EvaluateDeps, ctx: TickContext, canary: Canary, metrics: CanaryMetrics | undefined): Promise<RecoveryOutcome> {
  const restoredAt = canary.incident?.restoredAt ?? canary.rollback?.finishedAt;
  const generation = canary.rollbackRequest?.generation ?? 0;
  const target = canary.rollback?.target ?? null;
  const base = { channel: canary.rollout.channel, rollback_to: target, canaryId: canary.id, generation, platform: canary.platform, repository: canary.target.repository };

  const windows = metrics?.ok && restoredAt !== undefined ? metrics.windows.filter((w) => w.start >= restoredAt) : [];
  const state = initialRolloutState(ctx.policy, canary.platform, canary.rollout.channel, restoredAt ?? ctx.scheduleTime);
  const policy = policyForSource(ctx.policy, canary.platform, metrics?.ok ? metrics.metrics : undefined) ?? ctx.policy;
  const { evaluation } = evaluateTick({ policy, platform: canary.platform, state, windows, gates: {}, now: ctx.scheduleTime });
  // The restored population's numbers: what "recovered" or "not recovered" rests on.
  const entry = (action: string, meta: Record<string, unknown>) => ({
    ts: deps.clock.now(),
    action,
    actorUid: 'system',
    targetId: canary.release,
    meta: { ...base, explanation: explain(evaluation), ...meta },
  });

  if (evaluation.verdict === 'green' && restoredAt !== undefined) {
    const patch = recoveryPatch(canary, 'green', ctx.scheduleTime);
    if (patch && (await deps.canaries.claim(canary.id, `recovered-${generation}`, { at: ctx.scheduleTime }))) {
      await deps.canaries.update(canary.id, { ...patch, recoveryWatch: false }, ctx.fence ? { fence: ctx.fence } : {});
      const onset = canary.incident?.onsetAt;
      await deps.audit.append(
        entry('rollback_recovered', {
          reason: `${target ?? 'the restored release'} is green on ${canary.rollout.channel} again`,
          time_to_recover_minutes: minutes(ctx.scheduleTime - restoredAt),
          ...(onset !== undefined ? { mttr_minutes: minutes(ctx.scheduleTime - onset) } : {}),
        }),
        `rollback_recovered:${canary.id}:${generation}`,
      );
    }
    // Outside the claim: idempotent (transaction on the report, versioned flag, keyed entry), so an
    // overlapping run of the same tick settles the same MTTR once, whichever got the claim.
    await settleIncidentMttr(deps, canary, { recoveredAt: canary.incident?.recoveredAt ?? ctx.scheduleTime }, ctx.fence);
    return { id: canary.id, status: 'recovered' };
  }
  if (evaluation.verdict === 'red') {
    // The rollback did not fix it (a shared dependency, or the target is bad too): say so once.
    await deps.audit.append(entry('rollback_not_recovered', { reason: evaluation.reasons.join('; ') }), `rollback_not_recovered:${canary.id}:${generation}`);
    return { id: canary.id, status: 'not_recovered' };
  }
  if (restoredAt === undefined || ctx.scheduleTime - restoredAt > deps.settings.recoveryWatchMs) {
    if (await deps.canaries.claim(canary.id, `recovery-unconfirmed-${generation}`, { at: ctx.scheduleTime })) {
      await deps.canaries.update(canary.id, { recoveryWatch: false }, ctx.fence ? { fence: ctx.fence } : {});
      const why = metrics?.ok ? 'no green verdict' : `no metrics (${metrics?.error ?? 'not fetched'})`;
      await deps.audit.append(
        entry('rollback_recovery_unconfirmed', { reason: `${why} within ${minutes(deps.settings.recoveryWatchMs)} minutes of the restore` }),
        `rollback_recovery_unconfirmed:${canary.id}:${generation}`,
      );
    }
    await settleIncidentMttr(deps, canary, { unconfirmed: true }, ctx.fence);
    return { id: canary.id, status: 'unconfirmed' };
  }
  return { id: canary.id, status: 'watching' };
}
