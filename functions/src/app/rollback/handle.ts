import type { Canary, RollbackRequest } from '../../core/canary';
import type { RollbackStepName } from '../../ports/platform';
import type { RollbackKey, RollbackPlan } from '../../ports/rollback-ledger';
import { isFencedOut } from '../../ports/lease';
import { fencedAuditLog } from '../audit/fenced-audit-log';
import type { RollbackDeps } from './deps';
import { fencedLedger } from './fenced-ledger';
import { fencedCanaryStore } from './fenced-store';
import { finishBlocked, finishCompleted, finishFailed, startRollingBack, stepSummary } from './finish';
import { contextOf, passGates } from './gates';
import { runSteps, type StepState } from './run-steps';

export type RollbackRunOutcome =
  | 'not_found'
  | 'quarantined'
  | 'nothing_to_do'
  | 'held_elsewhere'
  /** This holder's attempt was taken over while it ran: it stopped writing (its attempt record says why). */
  | 'fenced_out'
  | 'refused'
  | 'recorded_only'
  | 'breaker_open'
  | 'pending'
  | 'rolled_back'
  | 'rollback_failed';

const ACTIVE = new Set(['rollback_requested', 'rolling_back']);

/**
 * Acts on a canary's rollback request, from its CURRENT stored state (never an event's snapshot:
 * events come late, twice and out of order). One holder at a time per (canary, generation) by
 * create() of numbered attempt documents with a lease; each step is recorded as it completes, so
 * any later run (a redelivery, the reconciler) resumes where the last one stopped.
 */
export async function handleRollback(deps: RollbackDeps, canaryId: string, holder: string): Promise<RollbackRunOutcome> {
  const read = await deps.canaries.get(canaryId);
  if (!read) return 'not_found';
  if (!read.ok) {
    await quarantine(deps, canaryId, read.error);
    return 'quarantined';
  }
  const request = read.canary.rollbackRequest;
  if (!ACTIVE.has(read.canary.status) || !request) return 'nothing_to_do';
  const key: RollbackKey = { canaryId, generation: request.generation };
  const lease = await deps.ledger.acquire(key, holder, deps.clock.now(), deps.settings.leaseMs);
  if (!lease.ok) return 'held_elsewhere';
  let stoppedBecause: string | undefined;
  try {
    const first = lease.attempt.attempt === 1;
    // Under a taken-over lease, re-read: the previous holder may have finished since our first read.
    // The first holder has no predecessor, so what it read is still the latest word.
    const again = first ? read : await deps.canaries.get(canaryId);
    if (!again?.ok || !ACTIVE.has(again.canary.status) || again.canary.rollbackRequest?.generation !== key.generation) return 'nothing_to_do';
    // Every write of this attempt (canary, plan, step records, breaker slot, audit entries) is
    // fenced by it: once another attempt took over, this holder writes nothing and stops.
    const fenced: RollbackDeps = {
      ...deps,
      canaries: fencedCanaryStore(deps.canaries, lease.fence),
      ledger: fencedLedger(deps.ledger, lease.fence),
      audit: fencedAuditLog(deps.audit, lease.fence),
    };
    return await proceed(fenced, key, lease.attempt.attempt, again.canary, again.canary.rollbackRequest);
  } catch (err) {
    if (!isFencedOut(err)) throw err;
    stoppedBecause = `fenced out: ${err.message}`;
    return 'fenced_out';
  } finally {
    await deps.ledger.release(key, lease.attempt.attempt, deps.clock.now(), stoppedBecause).catch(() => undefined);
  }
}

async function proceed(deps: RollbackDeps, key: RollbackKey, attempt: number, canary: Canary, request: RollbackRequest): Promise<RollbackRunOutcome> {
  const steps = deps.actuators.rollbackSteps(canary);
  // Only lease holders write plans and step records, so the first holder knows there are none yet.
  let plan: RollbackPlan | null = attempt === 1 ? null : await deps.ledger.getPlan(key);
  let started: Promise<void> = Promise.resolve();
  if (!plan) {
    const gate = await passGates(deps, key, canary, request, steps);
    if (gate.kind !== 'go') return finishBlocked(deps, key, canary, request, steps, gate);
    // The plan is the durable record of intent: no step runs before it exists (A2).
    plan = (await deps.ledger.createPlan(key, gate.plan)) ? gate.plan : await deps.ledger.getPlan(key);
    if (!plan) throw new Error(`rollback plan of ${key.canaryId}/${key.generation} vanished`);
    // The status write runs beside the steps (the plan already records the intent); if it fails,
    // the canary still reads rollback_requested and the reconciler resumes from the step records.
    started = startRollingBack(deps, key, canary, request, plan);
  }
  const planned = steps.filter((s) => plan!.steps.includes(s.name));
  const [states] = await Promise.all([runSteps(deps, key, attempt, planned, contextOf(canary, key, plan), attempt === 1 ? {} : undefined), started]);
  const values = Object.values(states) as StepState[];
  if (values.every((s) => s === 'done')) {
    await finishCompleted(deps, key, canary, request, plan);
    await postMortem(deps, key, 'rolled_back');
    return 'rolled_back';
  }
  if (values.every((s) => s !== 'pending')) {
    await finishFailed(deps, key, canary, request, plan);
    await postMortem(deps, key, 'rollback_failed');
    return 'rollback_failed';
  }
  await updateSummaryIfChanged(deps, canary, states);
  return 'pending';
}

/**
 * The incident report of a finished rollback. Its failure never undoes or fails the rollback (the
 * platform actions are done); it is logged and audited so a human can write the report.
 */
async function postMortem(deps: RollbackDeps, key: RollbackKey, outcome: 'rolled_back' | 'rollback_failed'): Promise<void> {
  if (!deps.incidents) return;
  const incidents = deps.incidents;
  try {
    const { writeIncidentReport } = await import('../incidents/write-report');
    await writeIncidentReport({ ...deps, incidents }, key, outcome);
  } catch (err) {
    await deps.audit
      .append(
        { ts: deps.clock.now(), action: 'incident_report_failed', actorUid: 'system', targetId: key.canaryId, meta: { canaryId: key.canaryId, generation: key.generation, error: err instanceof Error ? err.message : String(err) } },
        `incident_report_failed:${key.canaryId}:${key.generation}`,
      )
      .catch(() => undefined);
  }
}

/** Writes the per-step summary only when it changed: an unchanged write would re-fire the trigger for nothing. */
async function updateSummaryIfChanged(deps: RollbackDeps, canary: Canary, states: Record<RollbackStepName, StepState>): Promise<void> {
  const summary = stepSummary(states);
  const before = canary.rollback?.steps ?? {};
  const same = Object.keys(summary).length === Object.keys(before).length && Object.entries(summary).every(([k, v]) => before[k] === v);
  if (!same) await deps.canaries.update(canary.id, { 'rollback.steps': summary, status: 'rolling_back' });
}

/** R6: a document that fails its schema is quarantined once, audited, and never acted on. */
async function quarantine(deps: RollbackDeps, canaryId: string, error: string): Promise<void> {
  await deps.audit.append(
    { ts: deps.clock.now(), action: 'canary_quarantined', actorUid: 'system', targetId: canaryId, meta: { canaryId, error } },
    `canary_quarantined:${canaryId}:${fnv1a(error)}`,
  );
  await deps.canaries.markInvalid(canaryId, error);
}

/** A short stable digest for idempotency keys (FNV-1a, 32 bit): the same error is audited once. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}
