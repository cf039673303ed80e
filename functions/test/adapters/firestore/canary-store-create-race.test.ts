import { createFirestoreCanaryStore } from '../../../src/adapters/firestore/canary-store';
import { officialEmulator, testFirestore } from '../../support/firestore';
import { sampleCanary } from './sample-canary';

const { db, close } = testFirestore('create-race');
const store = createFirestoreCanaryStore(db);
afterAll(close);

// The official emulator locks pessimistically: many creates of one document abort or close each
// other's transactions (transaction.ts runs them again), and every caller must get the canary that
// won, not an error.
(officialEmulator ? describe : describe.skip)('Firestore CanaryStore createIfAbsent under contention (official emulator only: the in-process server does not isolate transactions)', () => {
  it('creates the canary once out of 24 concurrent registrations, each with its audit entry, and answers every caller with it', async () => {
    const c = sampleCanary({ id: 'web__race__beta' });
    const audit = [{ entry: { ts: 1, action: 'canary_registered', actorUid: 'ci', targetId: 'race', meta: { canary_id: c.id } }, idempotencyKey: `canary_registered:${c.id}` }];
    const outcomes = await Promise.allSettled(Array.from({ length: 24 }, () => store.createIfAbsent(c, { audit })));
    const failed = outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason));
    expect(failed).toEqual([]);
    const created = outcomes.map((o) => (o as PromiseFulfilledResult<{ created: boolean; canary: { ok: boolean } }>).value);
    expect(created.filter((o) => o.created)).toHaveLength(1);
    expect(created.every((o) => o.canary.ok)).toBe(true);
    const entries = await db.collection('admin_audit').where('action', '==', 'canary_registered').get();
    expect(entries.size).toBe(1);
  });
});
