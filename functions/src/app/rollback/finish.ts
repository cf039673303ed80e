import type { Canary, RollbackRequest } from '../../core/canary';
import type { RollbackStep, RollbackStepName } from '../../ports/platform';
import type { RollbackKey, RollbackPlan, StepRecord } from '../../ports/rollback-ledger';
import type { RollbackDeps } from './deps';
import { contextOf, type GateResult } from './gates';
import { explain } from '../../core/notification-explain';
import { affectedUsers, completedEntry, rollbackEntry, telemetryInstalls } from './report';
import type { StepState } from './run-steps';

type Summary = Record<string, 'pending' | 'done' | 'failed' | 'skipped' | 'dry_run'>;

export function stepSummary(states: Partial<Record<RollbackStepName, StepState>>): Summary {
  return Object.fromEntries(Object.entries(states).map(([k, v]) => [k, v]));
}

function summaryOf(records: Partial<Record<RollbackStepName, StepRecord>>, plan: RollbackPlan): Summary {
  const out: Summary = {};
  for (const name of plan.steps) {
    const status = records[name]?.status;
    out[name] = status === 'skipped' ? 'skipped' : status === 'done' || status === 'already_done' ? 'done' : status === 'failed' ? 'failed' : 'pending';
  }
  return out;
}

function incidentPatch(request: RollbackRequest, canary: Canary, restoredAt?: number): Record<string, unknown> {
  const onset = request.onsetAt ?? canary.rollout.redSince ?? undefined;
  return {
    'incident.decidedAt': request.requestedAt,
    ...(onset != null ? { 'incident.onsetAt': onset } : {}),
    ...(restoredAt !== undefined ? { 'incident.restoredAt': restoredAt } : {}),
  };
}

const keyOf = (action: string, key: RollbackKey) => `${action}:${key.canaryId}:${key.generation}`;

/** The plan exists: the canary shows the rollback under way. */
export async function startRollingBack(deps: RollbackDeps, key: RollbackKey, canary: Canary, request: RollbackRequest, plan: RollbackPlan): Promise<void> {
  await deps.canaries.update(canary.id, {
    status: 'rolling_back',
    rollback: { generation: key.generation, target: plan.rollbackTo, startedAt: plan.plannedAt, steps: Object.fromEntries(plan.steps.map((s) => [s, 'pending'])) },
    'rollout.frozen': true,
    ...incidentPatch(request, canary),
  });
}

/**
 * Every step done: the audit entries first (idempotent per rollback), the status last, so a crash
 * in between leaves the canary `rolling_back` for the reconciler rather than done without a trail.
 */
export async function finishCompleted(deps: RollbackDeps, key: RollbackKey, canary: Canary, request: RollbackRequest, plan: RollbackPlan): Promise<void> {
  const records = await deps.ledger.getSteps(key);
  const finishedAt = deps.clock.now();
  // Web behind the cohort router: users were restored when the share went to 0, not when Hosting
  // finished; both times are kept (the share's in the incident, the platform's beside it).
  const sharedAt = await shareChangedAt(deps, canary, plan, records);
  const restoredAt = sharedAt ?? finishedAt;
  const stepDetails = Object.fromEntries(plan.steps.map((s) => [s, records[s]?.detail ?? records[s]?.status ?? 'unknown']));
  const installs = await telemetryInstalls(deps.telemetry, canary, restoredAt);
  const restore = sharedAt !== undefined ? { restored_by: 'cohort_share', restored_at: new Date(sharedAt).toISOString(), platform_restored_at: new Date(finishedAt).toISOString() } : {};
  const entry = rollbackEntry(canary, request, plan, deps.settings, finishedAt, stepDetails, installs);
  entry.meta = { ...entry.meta, ...restore };
  await deps.audit.append(entry, keyOf(entry.action, key));
  const times = {
    onsetAt: request.onsetAt ?? canary.rollout.redSince ?? undefined,
    decidedAt: request.requestedAt,
    startedAt: plan.plannedAt,
    restoredAt,
    ...(sharedAt !== undefined ? { platformRestoredAt: finishedAt } : {}),
  };
  const details = { reason: request.reason, trigger: request.trigger, steps: stepDetails, affectedUsers: installs ?? affectedUsers(canary, deps.settings) };
  await deps.audit.append(completedEntry(canary, plan, times, key.generation, details), keyOf('rollback_completed', key));
  await deps.canaries.update(canary.id, {
    status: 'rolled_back',
    'rollout.frozen': true,
    // The evaluator now watches the rolled-back population until it is confirmed recovered.
    recoveryWatch: true,
    'rollback.finishedAt': finishedAt,
    'rollback.target': plan.rollbackTo,
    'rollback.steps': summaryOf(records, plan),
    ...incidentPatch(request, canary, restoredAt),
  });
}

/**
 * When the cohort_share step set the share to 0, where the plan had it and it completed. A skipped
 * step (no router fronts the site, or the live channel) restored nobody: the platform's time counts.
 */
async function shareChangedAt(deps: RollbackDeps, canary: Canary, plan: RollbackPlan, records: Partial<Record<RollbackStepName, StepRecord>>): Promise<number | undefined> {
  const step = records.cohort_share?.status;
  if (!plan.steps.includes('cohort_share') || (step !== 'done' && step !== 'already_done')) return undefined;
  const read = await deps.canaries.get(canary.id);
  const cohort = read?.ok ? read.canary.cohort : undefined;
  return cohort?.share === 0 ? cohort.changedAt : undefined;
}

/** Some step failed for good: rollback_failed with the failing step and why; a human must act. */
export async function finishFailed(deps: RollbackDeps, key: RollbackKey, canary: Canary, request: RollbackRequest, plan: RollbackPlan): Promise<void> {
  const records = await deps.ledger.getSteps(key);
  const failed = plan.steps.filter((s) => records[s]?.status === 'failed');
  const error = failed.map((s) => `${s}: ${records[s]?.error ?? 'failed'}`).join('; ');
  await deps.audit.append(
    {
      ts: deps.clock.now(),
      action: 'rollback_failed',
      actorUid: request.trigger === 'manual' ? request.requestedBy : 'system',
      targetId: canary.release,
      meta: {
        channel: canary.rollout.channel,
        reason: request.reason,
        rollback_to: plan.rollbackTo,
        trigger: request.trigger,
        failed_steps: failed,
        error,
        steps: summaryOf(records, plan),
        canaryId: canary.id,
        platform: canary.platform,
        repository: canary.target.repository,
        explanation: explain(canary.lastEvaluation),
      },
    },
    keyOf('rollback_failed', key),
  );
  await deps.canaries.update(canary.id, {
    status: 'rollback_failed',
    'rollout.frozen': true,
    'rollback.finishedAt': deps.clock.now(),
    'rollback.steps': summaryOf(records, plan),
    'rollback.error': error,
  });
}

const BLOCKED_ACTION = { refused: 'rollback_refused', 'dry-run': 'rollback_dry_run', 'kill switch': 'rollback_suppressed', breaker_open: 'rollback_breaker_open' } as const;

/**
 * A rollback that must not run (no known-good target, dry-run, kill switch, breaker): nothing is
 * sent; what would have been sent is recorded; the canary waits for a human, frozen.
 */
export async function finishBlocked(
  deps: RollbackDeps,
  key: RollbackKey,
  canary: Canary,
  request: RollbackRequest,
  steps: RollbackStep[],
  gate: Exclude<GateResult, { kind: 'go' }>,
): Promise<'refused' | 'recorded_only' | 'breaker_open'> {
  const now = deps.clock.now();
  // Who asked is part of the record whatever held the rollback back: a person's request is theirs, not the system's.
  const actorUid = request.trigger === 'manual' ? request.requestedBy : 'system';
  const base = { channel: canary.rollout.channel, requested_reason: request.reason, requested_by: request.requestedBy, trigger: request.trigger, canaryId: canary.id, generation: key.generation };
  if (gate.kind === 'refused') {
    await deps.audit.append({ ts: now, action: BLOCKED_ACTION.refused, actorUid, targetId: canary.release, meta: { ...base, reason: gate.reason } }, keyOf('rollback_refused', key));
    await deps.canaries.update(canary.id, { status: 'rollback_failed', 'rollout.frozen': true, rollback: { generation: key.generation, target: null, error: gate.reason } });
    return 'refused';
  }
  const action = gate.kind === 'breaker_open' ? BLOCKED_ACTION.breaker_open : BLOCKED_ACTION[gate.why];
  const ctx = contextOf(canary, key, gate.plan);
  const wouldSend = await Promise.all(
    steps.map(async (s) => {
      try {
        return await s.describe(ctx);
      } catch (err) {
        return `${s.name}: ${err instanceof Error ? err.message : String(err)}`;
      }
    }),
  );
  if (gate.kind === 'recorded_only') {
    await Promise.all(steps.map((s, i) => deps.ledger.putStep(key, s.name, { status: 'dry_run', tries: 0, attempt: 0, updatedAt: now, detail: wouldSend[i] })));
  }
  const reason = gate.kind === 'breaker_open' ? gate.reason : `${gate.why}: rollback to ${gate.plan.rollbackTo} recorded, nothing sent; waiting for a human`;
  await deps.audit.append(
    { ts: now, action, actorUid, targetId: canary.release, meta: { ...base, reason, rollback_to: gate.plan.rollbackTo, would_send: wouldSend } },
    keyOf(action, key),
  );
  await deps.canaries.update(canary.id, {
    status: 'paused',
    pauseReason: reason,
    'rollout.frozen': true,
    rollback: {
      generation: key.generation,
      target: gate.plan.rollbackTo,
      steps: Object.fromEntries(steps.map((s) => [s.name, gate.kind === 'recorded_only' ? 'dry_run' : 'pending'])),
    },
  });
  return gate.kind;
}
