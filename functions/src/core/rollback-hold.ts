import type { CanaryStatus } from './canary';

/** Statuses a rollback holds: from the request on, the release is on its way back (or back). */
export const ROLLBACK_HELD_STATUSES: readonly CanaryStatus[] = ['rollback_requested', 'rolling_back', 'rolled_back'];

export function isRollbackHeld(status: unknown): boolean {
  return (ROLLBACK_HELD_STATUSES as readonly unknown[]).includes(status);
}

/**
 * Would this patch undo a rollback? A canary a rollback holds must keep a rollback status, and a
 * frozen rollout must stay frozen, whatever a tick, a gate or a promotion computed from an older
 * read. Returns why the patch is refused, or null. The rollback itself and a person are exempt
 * (the caller decides who writes); this only says what the patch would do to the stored state.
 * `patch` uses the store's dot paths: `status`, `rollout` (whole) or `rollout.frozen`.
 */
export function undoesRollback(stored: { status: unknown; frozen: boolean }, patch: Record<string, unknown>): string | null {
  const status = 'status' in patch ? patch.status : stored.status;
  if (isRollbackHeld(stored.status) && !isRollbackHeld(status)) {
    return `the canary is ${String(stored.status)}: only the rollback or a person may set it ${String(status)}`;
  }
  const rollout = patch.rollout as { frozen?: unknown } | undefined;
  const frozen = 'rollout.frozen' in patch ? patch['rollout.frozen'] === true : 'rollout' in patch ? rollout?.frozen === true : stored.frozen;
  if (stored.frozen && !frozen) return 'the rollout was frozen by a rollback: only a person may unfreeze it';
  return null;
}
