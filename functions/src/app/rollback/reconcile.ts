import type { RollbackDeps } from './deps';
import { mapBounded } from '../../core/map-bounded';
import { handleRollback, type RollbackRunOutcome } from './handle';

/** How many canaries one reconciler run works on at once (keeps GitHub's concurrency limits far away). */
const CONCURRENCY = 4;

/**
 * Level-triggered: every run looks at what the store says is unfinished (requested or rolling
 * back) and drives it forward, so a lost or dropped event cannot strand a rollback. Held leases
 * are respected; expired ones are taken over.
 */
export async function reconcileRollbacks(deps: RollbackDeps, holder: string): Promise<Record<string, RollbackRunOutcome | `error: ${string}`>> {
  const reads = await deps.canaries.list({ status: ['rollback_requested', 'rolling_back'], limit: 200 });
  const ids = reads.filter((r) => r.ok).map((r) => (r.ok ? r.canary.id : ''));
  const out: Record<string, RollbackRunOutcome | `error: ${string}`> = {};
  await mapBounded(ids, CONCURRENCY, async (id) => {
    try {
      out[id] = await handleRollback(deps, id, holder);
    } catch (err) {
      // One canary's failure (the store, a bug) must not stop the others; the next run retries it.
      out[id] = `error: ${err instanceof Error ? err.message : String(err)}`;
    }
  });
  return out;
}
