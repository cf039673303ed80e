import type { Policy } from '../../config/policy-schema';
import type { Canary, EvaluationSummary, RolloutState } from '../../core/canary';
import { evaluateTick, type RolloutEffect, type TickResult } from '../../core/tick';
import type { CanaryMetrics, EvaluationRecord } from '../../ports';
import { actOnDecision } from './act';
import type { EvaluateDeps } from './deps';
import { noDataClock, policyForSource } from './source-view';

/** What happened to one canary in one tick. */
export type CanaryOutcome =
  | { id: string; status: 'decided'; decision: string; verdict: string; effects: string[]; dryRun: boolean; acted: string[] }
  | { id: string; status: 'already_decided' }
  | { id: string; status: 'superseded'; why: string }
  | { id: string; status: 'failed'; error: string };

export interface TickContext {
  policy: Policy;
  /** X-CloudScheduler-ScheduleTime, ms: the same across retries of one run. */
  scheduleTime: number;
  /** `tick-<schedule time ISO>`: the decision document's id, which claims the tick. */
  tickKey: string;
}

/**
 * A misconfiguration (Monitoring 403 / 404, no template) will not heal by waiting, so the canary
 * pauses at once with the reason (S6) instead of after the no-data stretch. Never a rollback.
 */
function pauseForMisconfiguration(result: TickResult, reason: string): TickResult {
  const s = result.state;
  if (s.paused || s.frozen || s.completed) return result;
  const reasons = [`Metrics misconfigured: ${reason}`];
  const effects: RolloutEffect[] = [...result.effects, { kind: 'pause', reasons }];
  return {
    state: { ...s, paused: true, pauseReasons: reasons },
    evaluation: { ...result.evaluation, decision: 'pause', reasons },
    effects,
  };
}

const sameRollout = (a: RolloutState, b: RolloutState) =>
  a.channel === b.channel && a.stageIndex === b.stageIndex && a.lastWindowStart === b.lastWindowStart && a.frozen === b.frozen;

/**
 * Evaluates one canary, claims the tick with create() of its decision document and, only when
 * this run made that document, writes the new position and carries out the effects.
 */
export async function evaluateCanary(deps: EvaluateDeps, ctx: TickContext, canary: Canary, metrics: CanaryMetrics | undefined): Promise<CanaryOutcome> {
  // Windows that ended before the canary existed say nothing about it (and would count as no data).
  const windows = metrics?.ok ? metrics.windows.filter((w) => w.start + w.durationMs > canary.createdAt) : [];
  const policy = policyForSource(ctx.policy, canary.platform, metrics?.ok ? metrics.metrics : undefined);
  const misconfigured = !policy
    ? `the configured metrics sources feed none of the metrics judged on ${canary.platform} (${ctx.policy.platformMetrics[canary.platform].join(', ')})`
    : metrics && !metrics.ok && !metrics.retryable
      ? metrics.error
      : undefined;
  const dataError = !metrics ? 'no metrics were fetched for this canary' : !metrics.ok ? metrics.error : misconfigured;
  const clock = noDataClock(metrics, windows, canary.createdAt, canary.rollout, ctx.scheduleTime);
  let result = evaluateTick({
    policy: policy ?? ctx.policy,
    platform: canary.platform,
    state: clock.state,
    windows,
    gates: canary.gates,
    now: clock.now,
    ...(dataError !== undefined ? { dataError } : {}),
  });
  if (misconfigured !== undefined) result = pauseForMisconfiguration(result, misconfigured);

  const dryRun = deps.settings.globalDryRun || canary.dryRun;
  const now = deps.clock.now();
  const summary: EvaluationSummary = { ...result.evaluation, at: now, windowStart: result.state.lastWindowStart };
  const record: EvaluationRecord = {
    ...summary,
    scheduleTime: ctx.scheduleTime,
    channel: canary.rollout.channel,
    rolloutPercent: canary.rollout.rolloutPercent,
    effects: result.effects.map((e) => e.kind),
    dryRun,
    expireAt: now + deps.settings.historyTtlMs,
  };

  // The lease keeps runs from overlapping; should one outlive it anyway, a decisive move (promote,
  // rollback, complete) is never made from a stale read. Routine counter updates skip this read:
  // it would double the reads of every tick for a case the lease already excludes.
  if (result.effects.some((e) => e.kind === 'promote' || e.kind === 'rollback' || e.kind === 'complete')) {
    const fresh = await deps.canaries.get(canary.id);
    if (!fresh?.ok || !sameRollout(fresh.canary.rollout, canary.rollout) || fresh.canary.status !== canary.status) {
      return { id: canary.id, status: 'superseded', why: 'the canary changed since it was loaded' };
    }
  }
  if (!(await deps.canaries.recordEvaluation(canary.id, ctx.tickKey, record))) {
    return { id: canary.id, status: 'already_decided' };
  }
  // Paused by someone other than the evaluator (an operator, the rollback breaker, a failed
  // promotion): judged and recorded, but nothing is decided for it until a human resumes it.
  const held = canary.status === 'paused' && canary.rollout.paused !== true;
  const acted = await actOnDecision(deps, ctx, canary, result, summary, dryRun ? 'dry_run' : held ? 'held' : 'act', dataError);
  return {
    id: canary.id,
    status: 'decided',
    decision: result.evaluation.decision,
    verdict: result.evaluation.verdict,
    effects: record.effects,
    dryRun,
    acted,
  };
}
