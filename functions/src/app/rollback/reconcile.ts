import type { RollbackDeps } from './deps';
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
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++];
      try {
        out[id] = await handleRollback(deps, id, holder);
      } catch (err) {
        // One canary's failure (the store, a bug) must not stop the others; the next run retries it.
        out[id] = `error: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, ids.length) }, worker));
  return out;
}
