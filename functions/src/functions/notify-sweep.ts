import { onSchedule } from 'firebase-functions/scheduler';
import * as logger from 'firebase-functions/logger';
import { NOTIFICATION_SECRETS } from '../config/params';

/**
 * Every minute: retries whose backoff ended, digests whose bucket ended, and new items whose
 * trigger event was lost. One indexed query when there is nothing to do.
 */
export const notificationSweepJob = onSchedule(
  { schedule: 'every 1 minutes', secrets: Object.values(NOTIFICATION_SECRETS), timeoutSeconds: 120, retryCount: 0 },
  async (event) => {
    const [{ sweepOutbox }, { productionNotifyDeps }] = await Promise.all([import('../app/notify/sweep'), import('./notify-wiring')]);
    const outcomes = await sweepOutbox(productionNotifyDeps(), `sweeper:${event.scheduleTime}`);
    if (Object.keys(outcomes).length > 0) logger.info('notification outbox swept', { outcomes });
  },
);
