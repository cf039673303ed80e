import { onDocumentCreated } from 'firebase-functions/firestore';
import * as logger from 'firebase-functions/logger';
import { NOTIFICATION_SECRETS } from '../config/params';
import type { NotifyDeps } from '../app/notify/deps';
import type { DeliveryOutcome } from '../app/notify/deliver';

/** One new outbox item, delivered at once; the event id names the claim's holder. */
export async function onOutboxCreated(deps: () => Promise<NotifyDeps>, id: string, eventId: string): Promise<DeliveryOutcome> {
  // Loaded on first use: only this function pays for the senders.
  const { deliverNotification } = await import('../app/notify/deliver');
  const outcome = await deliverNotification(await deps(), id, `event:${eventId}`, true);
  logger.info('notification outbox item handled', { id, outcome });
  return outcome;
}

/**
 * Builds the trigger around a deps provider (index.ts: production; tests: theirs). Retries stay
 * off: a failed delivery is recorded with its backoff and the sweeper tries again, bounded by
 * maxAttempts instead of Eventarc's 24 h of redeliveries. A duplicate event finds the item
 * claimed or sent.
 */
export function makeOutboxTrigger(deps: () => Promise<NotifyDeps>) {
  return onDocumentCreated(
    { document: 'notification_outbox/{id}', secrets: Object.values(NOTIFICATION_SECRETS), retry: false, timeoutSeconds: 60 },
    async (event) => {
      await onOutboxCreated(deps, event.params.id, event.id);
    },
  );
}

export const notificationOutboxTrigger = makeOutboxTrigger(() => import('./notify-wiring').then((m) => m.productionNotifyDeps()));
