import type { Canary, CanaryStatus, EvaluationSummary, RolloutState } from '../../core/canary';
import { explain } from '../../core/notification-explain';
import type { RolloutEffect, TickResult } from '../../core/tick';
import type { CanaryWriteOptions, EvaluationRecord } from '../../ports';
import { requestRollback } from '../rollback/request';
import { promote, type EntryOf } from './promote';
import type { EvaluateDeps } from './deps';
import type { TickContext } from './evaluate-canary';

/**
 * The status change a tick's effects make, and only that: a tick that neither paused, resumed,
 * completed nor promoted leaves the status alone, so a pause set by an operator or the rollback
 * circuit breaker is never lifted by the evaluator (a rollback's status is requestRollback's).
 */
function statusPatch(canary: Canary, state: RolloutState, effects: RolloutEffect[], promoted: boolean): Record<string, unknown> {
  const has = (kind: RolloutEffect['kind']) => effects.some((e) => e.kind === kind);
  const reason = (state.pauseReasons ?? []).join('; ') || 'paused by the evaluator';
  if (has('rollback')) return {};
  if (state.completed) return { status: 'completed' satisfies CanaryStatus, pauseReason: undefined };
  if (promoted || has('resume')) return state.paused ? { status: 'paused', pauseReason: reason } : { status: 'running', pauseReason: undefined };
  if (has('pause')) return { status: 'paused', pauseReason: reason };
  // Still paused by the evaluator, for reasons that may have changed (no data, then yellow).
  if (state.paused && canary.status === 'paused' && canary.rollout.paused) return { pauseReason: reason };
  return {};
}

/** canary.noData: the visible trace of an outage (S3, S5), continued across ticks and restarts. */
function noDataField(canary: Canary, state: RolloutState, now: number, dataError: string | undefined): Canary['noData'] | undefined {
  if (state.streaks.noData === 0) return undefined;
  return {
    since: canary.noData?.since ?? now,
    streak: state.streaks.noData,
    ...(dataError !== undefined ? { lastError: dataError } : canary.noData?.lastError ? { lastError: canary.noData.lastError } : {}),
  };
}

/**
 * Writes the claimed decision and carries out its effects. Dry run (per canary or global) and
 * held (paused by an operator or the breaker): the decision document says what would happen; the
 * counters move on, nothing else does.
 */
export async function actOnDecision(
  deps: EvaluateDeps,
  ctx: TickContext,
  canary: Canary,
  result: TickResult,
  summary: EvaluationSummary,
  mode: 'act' | 'dry_run' | 'held',
  dataError: string | undefined,
  /** The decision document, created with the first write, and the version the canary was judged at. */
  decision: { record: EvaluationRecord; version?: string },
): Promise<string[]> {
  const { canaries, audit, clock, logger } = deps;
  // The first write claims the tick and lands only on the version judged, under the lease's term;
  // a refusal (CanaryConflict) reaches the caller before anything was done. Later writes of the
  // same tick keep the fence and the rollback guard (the store refuses to undo a rollback).
  const fenced: CanaryWriteOptions = ctx.fence ? { fence: ctx.fence } : {};
  const first: CanaryWriteOptions = {
    ...fenced,
    evaluation: { key: ctx.tickKey, record: decision.record },
    ...(decision.version !== undefined ? { ifVersion: decision.version } : {}),
  };
  const now = clock.now();
  const state = result.state;
  const noData = noDataField(canary, state, now, dataError);
  const base: Record<string, unknown> = { lastEvaluation: summary, noData };
  const decisive = result.effects.find((e) => e.kind === 'rollback' || e.kind === 'promote' || e.kind === 'complete');

  if (mode !== 'act') {
    // Dry run, or held by someone else's pause: keep the position where it is when the decision
    // would have moved it, so the next tick's record is again an honest "would" for the platform.
    await canaries.update(canary.id, decisive || result.effects.some((e) => e.kind === 'resume') ? base : { ...base, rollout: state }, first);
    if (result.effects.length) logger.info(`${mode}: effects not carried out`, { canaryId: canary.id, effects: result.effects, tick: ctx.tickKey });
    return result.effects.map((e) => `${mode}:${e.kind}`);
  }

  const acted: string[] = [];
  const entryOf: EntryOf = (action, meta) => ({
    ts: now,
    action,
    actorUid: 'system',
    targetId: canary.release,
    // The evaluation's numbers travel with the entry, so its notification can say why.
    meta: { canaryId: canary.id, platform: canary.platform, channel: canary.rollout.channel, trigger: 'auto-policy', repository: canary.target.repository, explanation: explain(result.evaluation), ...meta },
  });
  const auditEntry = (action: string, meta: Record<string, unknown>, key: string) => audit.append(entryOf(action, meta), key);

  if (decisive?.kind === 'promote') {
    // `promoting` is shown while the platform acts; written with the decision, on the version judged.
    await canaries.update(canary.id, { ...base, status: 'promoting' }, first);
    // The new position (and a web canary's cohort share) lands with its canary_promote entry, on a
    // fresh read: a gate posted meanwhile is no reason to lose it, a rollback requested meanwhile is.
    const outcome = await promote(deps, canary, decisive, result, entryOf, fenced, { base, state, status: statusPatch(canary, state, result.effects, true) });
    if (outcome === 'superseded') return ['promote:superseded'];
    if (outcome === 'failed') return ['promote:failed'];
    acted.push('promote');
    if (outcome !== 'done') return ['promote', outcome];
  } else {
    await canaries.update(canary.id, { ...base, rollout: state, ...statusPatch(canary, state, result.effects, false) }, first);
  }

  for (const effect of result.effects) {
    switch (effect.kind) {
      case 'rollback': {
        const outcome = await requestRollback(
          { canaries, audit, clock },
          {
            canaryId: canary.id,
            reason: effect.reasons.join('; ') || 'policy verdict red',
            trigger: 'auto-policy',
            requestedBy: 'system',
            ...(effect.onsetAt !== null ? { onsetAt: effect.onsetAt } : {}),
          },
        );
        logger.warn('rollback requested by the policy', { canaryId: canary.id, release: canary.release, reasons: effect.reasons, outcome });
        acted.push(`rollback:${outcome.status}`);
        break;
      }
      case 'complete':
        await auditEntry('canary_complete', { reason: summary.reasons.join('; ') }, `canary_complete:${canary.id}`);
        acted.push('complete');
        break;
      case 'pause':
        if (decisive) break; // a pause on the way to a rollback or promotion in the same tick is not news
        await auditEntry('canary_pause', { reason: effect.reasons.join('; ') }, `canary_pause:${canary.id}:${ctx.tickKey}`);
        logger.warn('canary paused', { canaryId: canary.id, reasons: effect.reasons });
        acted.push('pause');
        break;
      case 'resume':
        if (decisive) break;
        await auditEntry(
          'canary_resume',
          { reason: `verdict ${result.evaluation.verdict} again${canary.pauseReason ? `; it was paused for: ${canary.pauseReason}` : ''}` },
          `canary_resume:${canary.id}:${ctx.tickKey}`,
        );
        acted.push('resume');
        break;
      case 'promote':
        break; // carried out above, before the new position was written
      default: {
        const exhaustive: never = effect;
        return exhaustive;
      }
    }
  }
  return acted;
}
