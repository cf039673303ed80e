import { deliverNotification, type DeliveryOutcome } from './deliver';
import { mapBounded } from '../../core/map-bounded';
import type { NotifyDeps } from './deps';

/** Items per sweep; the rest wait for the next run (one minute later). */
const SWEEP_LIMIT = 200;
/** Deliveries side by side: each may wait up to 10 s on a receiver. */
const CONCURRENCY = 8;

/**
 * The scheduled sweep: every item whose (next) delivery is due — retries after their backoff,
 * digests at the end of their bucket, new items whose trigger event was lost — is delivered.
 * Claims make it safe to overlap with a trigger or another sweep.
 */
export async function sweepOutbox(deps: NotifyDeps, holder: string): Promise<Record<string, DeliveryOutcome>> {
  const ids = await deps.outbox.due(deps.clock.now(), SWEEP_LIMIT);
  const outcomes: Record<string, DeliveryOutcome> = {};
  await mapBounded(ids, CONCURRENCY, async (id) => {
    try {
      outcomes[id] = await deliverNotification(deps, id, holder);
    } catch (err) {
      deps.logger.error('notification delivery failed; the next sweep tries again', { id, error: String((err as Error)?.message ?? err) });
    }
  });
  return outcomes;
}
