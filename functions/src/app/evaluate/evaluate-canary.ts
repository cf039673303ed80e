import type { Policy } from '../../config/policy-schema';
import type { Canary, EvaluationSummary } from '../../core/canary';
import type { MttrFlag, RolloutIncident } from '../../core/mttr';
import { stagesFor } from '../../core/stages';
import { evaluateTick, type RolloutEffect, type TickResult } from '../../core/tick';
import { isCanaryConflict, type CanaryMetrics, type EvaluationRecord } from '../../ports';
import { FencedOut, type Fence } from '../../ports/lease';
import { actOnDecision } from './act';
import { judgedCounts } from './judged-counts';
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
  /** The evaluation lease's term: every canary write of the tick carries it (C3). */
  fence?: Fence;
  /** Open MTTR flags, read once per tick: they hold promotions on their platform's channel. */
  mttrFlags?: MttrFlag[];
}

/**
 * The incidents of this rollout (its platform's channel, since the canary was registered), read
 * only where they can matter: the last stage of a channel that completes the rollout and has an
 * MTTR target. Unreadable is treated as unknown, which holds the completion (never a pass).
 */
async function rolloutIncidents(deps: EvaluateDeps, policy: Policy, canary: Canary): Promise<RolloutIncident[] | undefined> {
  const { channel, stageIndex } = canary.rollout;
  const ch = policy.channels[channel];
  if (!deps.incidents || ch.next !== null || ch.mttrMinutes === null || stageIndex < stagesFor(policy, canary.platform, channel).length - 1) return undefined;
  try {
    const reports = await deps.incidents.list({ channel, since: canary.createdAt, limit: 200 });
    return reports
      .filter((r) => r.platform === canary.platform)
      .map((r) => ({ id: r.id, minutes: r.mttr.minutes, met: r.mttr.met, cleared: r.mttr.clearedAt !== undefined }));
  } catch (err) {
    deps.logger.warn('could not read the rollout\'s incidents; its completion waits', { canaryId: canary.id, error: String(err) });
    return [{ id: 'unreadable incident reports', minutes: null, met: null, cleared: false }];
  }
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

/**
 * Evaluates one canary and, in one transaction, creates its decision document (the tick's claim)
 * and writes the new position, only if the canary is still the version that was judged and the
 * run still holds its lease term; then carries out the effects. Overtaken, the tick is given up
 * for that canary (`superseded`, said in the decision document).
 */
export async function evaluateCanary(
  deps: EvaluateDeps,
  ctx: TickContext,
  canary: Canary,
  metrics: CanaryMetrics | undefined,
  /** The version `canary` was read at (CanaryRead.version); the tick's write applies only to it. */
  version?: string,
): Promise<CanaryOutcome> {
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
  const incidents = await rolloutIncidents(deps, policy ?? ctx.policy, canary);
  let result = evaluateTick({
    policy: policy ?? ctx.policy,
    platform: canary.platform,
    state: clock.state,
    windows,
    gates: canary.gates,
    now: clock.now,
    ...(dataError !== undefined ? { dataError } : {}),
    holds: { mttrFlags: ctx.mttrFlags ?? [], ...(incidents ? { rolloutIncidents: incidents } : {}) },
  });
  if (misconfigured !== undefined) result = pauseForMisconfiguration(result, misconfigured);

  const dryRun = deps.settings.globalDryRun || canary.dryRun;
  const now = deps.clock.now();
  const summary: EvaluationSummary = { ...result.evaluation, at: now, windowStart: result.state.lastWindowStart };
  const counts = judgedCounts(windows, canary.rollout.lastWindowStart, result.state.lastWindowStart, metrics?.ok ? metrics.metrics : undefined);
  const record: EvaluationRecord = {
    ...summary,
    scheduleTime: ctx.scheduleTime,
    channel: canary.rollout.channel,
    rolloutPercent: canary.rollout.rolloutPercent,
    effects: result.effects.map((e) => e.kind),
    dryRun,
    expireAt: now + deps.settings.historyTtlMs,
    ...(counts ? { counts } : {}),
  };

  // Paused by someone other than the evaluator (an operator, the rollback breaker, a failed
  // promotion): judged and recorded, but nothing is decided for it until a human resumes it.
  const held = canary.status === 'paused' && canary.rollout.paused !== true;
  let acted: string[];
  try {
    // The first write creates the decision document in the same transaction, on the version read.
    acted = await actOnDecision(deps, ctx, canary, result, summary, dryRun ? 'dry_run' : held ? 'held' : 'act', dataError, { record, version });
  } catch (err) {
    if (err instanceof FencedOut) {
      // Taken over after the decision was written: the later writes (audit entries) were refused.
      const why = `fenced: ${err.message}`;
      deps.logger.warn('tick stopped: its lease term was taken over', { canaryId: canary.id, why });
      await deps.canaries.recordEvaluation(canary.id, ctx.tickKey, { ...record, superseded: why });
      return { id: canary.id, status: 'superseded', why };
    }
    if (!isCanaryConflict(err)) throw err;
    if (err.reason === 'already_decided') return { id: canary.id, status: 'already_decided' };
    // Overtaken while it waited (a rollback, a request, a gate, a run holding a newer lease term):
    // nothing of this tick is written for the canary; the record says so; the next tick re-judges.
    const why = `${err.reason}: ${err.message}`;
    deps.logger.warn('tick given up for a canary that changed while it was judged', { canaryId: canary.id, reason: err.reason, status: err.currentStatus });
    if (!(await deps.canaries.recordEvaluation(canary.id, ctx.tickKey, { ...record, superseded: why }))) return { id: canary.id, status: 'already_decided' };
    return { id: canary.id, status: 'superseded', why };
  }
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
