import type { RollbackSeverity, RollbackTrigger } from '../../core/canary';
import { explain } from '../../core/notification-explain';
import { isCanaryConflict, type AuditLog, type CanaryStore, type Clock, type PendingAuditEntry, type RequestCompletion } from '../../ports';
import { lastKnownGood } from './target';

export interface RollbackRequestInput {
  canaryId: string;
  reason: string;
  trigger: RollbackTrigger;
  /** Who asked: 'system' for the policy, the API key's name or the OIDC subject otherwise. */
  requestedBy: string;
  /** First red window, when the evaluator knows it. */
  onsetAt?: number;
  /** `critical` deletes the desktop release (manual requests only; refused elsewhere, audited). */
  severity?: RollbackSeverity;
  /**
   * More entries of the asking request (the guardian's decision), written in the same unit as the
   * request itself when this call is the one that requests it.
   */
  alsoAudit?: (generation: number) => PendingAuditEntry[];
  /**
   * The HTTP request's Idempotency-Key completion for the answer "requested, generation n", written
   * in the request's unit: a retry of a request that landed is answered, never run again (which,
   * once its rollback failed, would start a second one).
   */
  completes?: (generation: number) => RequestCompletion | undefined;
}

export type RollbackRequestOutcome =
  /** `auditIds`: the request's entry, then the `alsoAudit` ones, as written with it. */
  | { status: 'requested'; generation: number; auditIds: string[] }
  | { status: 'already_requested'; generation: number; severity: RollbackSeverity }
  | { status: 'refused'; reason: string }
  | { status: 'not_found' };

/**
 * Asks for a rollback by writing the request onto the canary document; the Firestore trigger acts
 * on it. Used alike by the evaluator (red), the guardian (post-deploy failure) and POST /rollback.
 * Idempotent: a request while one is pending or running returns that one. Two racing requests
 * both write generation N+1, and the trigger's claim on (canary, generation) lets only one act.
 */
export async function requestRollback(
  deps: { canaries: CanaryStore; audit: AuditLog; clock: Clock },
  input: RollbackRequestInput,
): Promise<RollbackRequestOutcome> {
  // The request is written on the version it was judged from; overtaken (a tick, another request,
  // the rollback moving on), it is judged again from the new version: a request is never lost
  // and never lands on a state it did not see (C1, C2).
  for (let tries = 1; ; tries++) {
    try {
      return await requestOnce(deps, input);
    } catch (err) {
      // 'duplicate': another writer's request of this generation landed first; judged again, it is that one.
      if (!isCanaryConflict(err) || (err.reason !== 'changed' && err.reason !== 'duplicate') || tries >= 5) throw err;
    }
  }
}

async function requestOnce(deps: { canaries: CanaryStore; audit: AuditLog; clock: Clock }, input: RollbackRequestInput): Promise<RollbackRequestOutcome> {
  const read = await deps.canaries.get(input.canaryId);
  if (!read) return { status: 'not_found' };
  if (!read.ok) return { status: 'refused', reason: `canary document is invalid: ${read.error}` };
  const canary = read.canary;
  const generation = canary.rollbackRequest?.generation ?? 0;
  // Each refusal is audited once per (canary, generation, trigger): a policy asking every tick leaves one entry.
  const refuse = async (reason: string): Promise<RollbackRequestOutcome> => {
    await deps.audit.append(
      {
        ts: deps.clock.now(),
        action: 'rollback_refused',
        actorUid: input.requestedBy,
        targetId: canary.release,
        meta: { channel: canary.rollout.channel, reason, requested_reason: input.reason, trigger: input.trigger, canaryId: canary.id },
      },
      `rollback_refused:${canary.id}:${generation}:${input.trigger}`,
    );
    return { status: 'refused', reason };
  };
  switch (canary.status) {
    case 'rollback_requested':
    case 'rolling_back':
      // The pending request's own severity: a repeat cannot turn a drafting rollback into a deletion.
      return { status: 'already_requested', generation, severity: canary.rollbackRequest?.severity ?? 'normal' };
    case 'rolled_back':
    case 'invalid': {
      // D9: one automatic rollback per release; a repeat is refused and the refusal audited once.
      return refuse(`release ${canary.release} on ${canary.rollout.channel} is already ${canary.status}`);
    }
    case 'running':
    case 'paused':
    case 'promoting':
    case 'rollback_failed':
    case 'completed':
      break;
    default: {
      const exhaustive: never = canary.status;
      return exhaustive;
    }
  }
  // A rollback that failed, or that a guard rail held back (breaker, kill switch, dry-run: the
  // canary paused with this request's rollback record), waits for a human: automatic triggers do
  // not ask again every tick.
  const heldBack = canary.status === 'paused' && canary.rollbackRequest !== undefined && canary.rollback?.generation === generation;
  const waitsForHuman = canary.status === 'rollback_failed' || heldBack;
  if (waitsForHuman && input.trigger !== 'manual') {
    return refuse(`release ${canary.release} waits for a human after its last rollback (${canary.status}${canary.pauseReason ? `: ${canary.pauseReason}` : ''})`);
  }
  const critical = input.severity === 'critical';
  if (critical) {
    // Deleting is for a person to ask, on desktop (GitHub Releases), and only with somewhere to go:
    // on stable the bad release is Latest, and deleting it without a previous release made Latest
    // first would leave electron-updater with nothing to follow.
    if (input.trigger !== 'manual') return refuse(`severity critical (delete the release) is for a manual request only, not ${input.trigger}`);
    if (canary.platform !== 'desktop') return refuse(`severity critical deletes a GitHub release: desktop only, not ${canary.platform}`);
    const target = await lastKnownGood(deps.canaries, canary);
    if (!target.ok) return refuse(`severity critical refused: no previous release to make Latest before deleting ${canary.release} (${target.reason})`);
  }
  const next = generation + 1;
  const now = deps.clock.now();
  // Its own entry, once per generation ("rollback requested" is news before the rollback has run),
  // in the same unit as the request: never a request without its entry, nor an entry without it.
  const requested: PendingAuditEntry = {
    entry: {
      ts: now,
      action: 'rollback_requested',
      actorUid: input.requestedBy,
      targetId: canary.release,
      meta: {
        canaryId: canary.id,
        platform: canary.platform,
        channel: canary.rollout.channel,
        reason: input.reason,
        trigger: input.trigger,
        generation: next,
        repository: canary.target.repository,
        ...(critical ? { severity: 'critical', deletes_release: canary.release } : {}),
        explanation: explain(canary.lastEvaluation),
      },
    },
    idempotencyKey: `rollback_requested:${canary.id}:${next}`,
  };
  const { auditIds } = await deps.canaries.update(
    canary.id,
    {
      status: 'rollback_requested',
      rollbackRequest: {
        generation: next,
        requestedAt: now,
        requestedBy: input.requestedBy,
        reason: input.reason,
        trigger: input.trigger,
        ...(input.onsetAt !== undefined ? { onsetAt: input.onsetAt } : {}),
        ...(critical ? { severity: 'critical' as const } : {}),
      },
    },
    { ifVersion: read.version, audit: [requested, ...(input.alsoAudit?.(next) ?? [])], ...withCompletion(input.completes?.(next)) },
  );
  return { status: 'requested', generation: next, auditIds };
}

function withCompletion(completes: RequestCompletion | undefined): { completes?: RequestCompletion } {
  return completes ? { completes } : {};
}
