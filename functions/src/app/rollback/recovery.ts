import type { Canary } from '../../core/canary';
import type { Verdict } from '../../core/types';

/**
 * The evaluator's follow-up check after a rollback: the first green evaluation of the rolled-back
 * population closes the incident. Pure: returns the patch to write (CanaryStore.update), or null
 * when there is nothing to record (not rolled back, already recovered, or not green).
 */
export function recoveryPatch(canary: Canary, verdict: Verdict, evaluatedAt: number): Record<string, unknown> | null {
  if (canary.status !== 'rolled_back' || canary.incident?.recoveredAt !== undefined || verdict !== 'green') return null;
  const restoredAt = canary.incident?.restoredAt;
  if (restoredAt !== undefined && evaluatedAt < restoredAt) return null;
  return { 'incident.recoveredAt': evaluatedAt };
}
