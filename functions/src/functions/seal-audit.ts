import { onSchedule } from 'firebase-functions/scheduler';
import * as logger from 'firebase-functions/logger';
import type { Firestore } from 'firebase-admin/firestore';
import type { SealOutcome } from '../app/audit/seal';

/**
 * The handler: seals what is older than the lag at `now`. Tests call it with their own db and time.
 * Its modules are loaded on first use, so the other functions' cold starts never pay for them.
 */
export async function runSeal(now: number, db?: Firestore): Promise<SealOutcome> {
  const [{ getDb }, { sealAuditTrail }] = await Promise.all([import('../adapters/firestore/db'), import('../cli/audit-trail')]);
  const outcome = await sealAuditTrail(db ?? getDb(), now);
  // The digest hashes also go to Cloud Logging, outside Firestore: an anchor against which
  // `audit:verify --expect-head SEQ:HASH` can catch the newest digests being deleted.
  if (outcome.status !== 'nothing_to_seal') logger.info('admin_audit sealed', { outcome });
  return outcome;
}

/**
 * Every 5 minutes. No retries: a failed run changes nothing and the next run seals its entries;
 * two overlapping runs cannot both write a digest (create() of the next seq).
 */
export const sealAuditJob = onSchedule({ schedule: 'every 5 minutes', timeZone: 'UTC', retryCount: 0, timeoutSeconds: 300 }, async () => {
  await runSeal(Date.now());
});
