import type { Canary, RollbackRequest } from '../../core/canary';
import type { RollbackContext, RollbackStep } from '../../ports/platform';
import type { RollbackKey, RollbackPlan } from '../../ports/rollback-ledger';
import type { RollbackDeps } from './deps';
import { lastKnownGood } from './target';

/** Automatic triggers are subject to the kill switch and the breaker; a human's request is not. */
export function isAutomatic(request: RollbackRequest): boolean {
  return request.trigger !== 'manual';
}

/** The hour bucket of the circuit breaker, e.g. 2026-11-26T14 (UTC). */
export function breakerHour(now: number): string {
  return new Date(now).toISOString().slice(0, 13);
}

export type GateResult =
  | { kind: 'go'; plan: RollbackPlan }
  | { kind: 'refused'; reason: string }
  | { kind: 'recorded_only'; why: 'dry-run' | 'kill switch'; plan: RollbackPlan }
  | { kind: 'breaker_open'; reason: string; plan: RollbackPlan };

/**
 * The guard rails, in order, before anything is sent: a known-good target (D6), then dry-run and
 * the kill switch (D7: record, send nothing), then the breaker (D8: one create()d slot per
 * automatic rollback; the slot remembers its owner so a retried attempt does not take two).
 */
export async function passGates(
  deps: RollbackDeps,
  key: RollbackKey,
  canary: Canary,
  request: RollbackRequest,
  steps: RollbackStep[],
): Promise<GateResult> {
  const target = await lastKnownGood(deps.canaries, canary);
  if (!target.ok) return { kind: 'refused', reason: target.reason };
  const now = deps.clock.now();
  const plan: RollbackPlan = {
    rollbackTo: target.release,
    steps: steps.map((s) => s.name),
    trigger: request.trigger,
    reason: request.reason,
    requestedBy: request.requestedBy,
    requestedAt: request.requestedAt,
    plannedAt: now,
    // Fixed in the plan: a retry or a taken-over lease deletes exactly what the first holder planned.
    ...(request.severity === 'critical' ? { severity: 'critical' as const } : {}),
  };
  if (canary.dryRun || deps.settings.globalDryRun) return { kind: 'recorded_only', why: 'dry-run', plan };
  if (!isAutomatic(request)) return { kind: 'go', plan };
  if (!deps.settings.autoRollbackEnabled) return { kind: 'recorded_only', why: 'kill switch', plan };
  const hour = breakerHour(now);
  const slot = await deps.ledger.takeBreakerSlot(hour, deps.settings.rollbacksPerHour, `${key.canaryId}:${key.generation}`);
  if (!slot) {
    return {
      kind: 'breaker_open',
      plan,
      reason: `circuit breaker open: ${deps.settings.rollbacksPerHour} automatic rollbacks already in hour ${hour} UTC; waiting for a human`,
    };
  }
  return { kind: 'go', plan: { ...plan, breakerSlot: slot } };
}

/** The context every step receives, fixed by the plan. */
export function contextOf(canary: Canary, key: RollbackKey, plan: RollbackPlan): RollbackContext {
  return {
    canary,
    rollbackId: `${key.canaryId}:${key.generation}`,
    version: canary.release,
    rollbackTo: plan.rollbackTo,
    reason: plan.reason,
    timestamp: plan.requestedAt,
    ...(plan.severity === 'critical' ? { severity: 'critical' as const } : {}),
  };
}
