import { createFirestoreAuditLog } from '../../../src/adapters/firestore/audit-log';
import { runSeal, sealAuditJob } from '../../../src/functions/seal-audit';
import { testFirestore } from '../../support/firestore';

const { db, close } = testFirestore('seal-job');
afterAll(close);

describe('the scheduled seal job', () => {
  it('runs every 5 minutes in UTC without retries', () => {
    expect(sealAuditJob.__endpoint.scheduleTrigger).toMatchObject({ schedule: 'every 5 minutes', timeZone: 'UTC', retryConfig: { retryCount: 0 } });
  });

  it('leaves entries younger than the one-minute lag for a later run', async () => {
    await createFirestoreAuditLog(db).append({ ts: 1, action: 'promote', actorUid: 'system', targetId: 'v1', meta: {} }, 'job:1');
    expect(await runSeal(Date.now(), db)).toEqual({ status: 'nothing_to_seal' });
    expect((await db.collection('admin_audit_digests').get()).size).toBe(0);
  });
});
