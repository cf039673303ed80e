import { createFirestoreCanaryStore } from '../../../src/adapters/firestore/canary-store';
import { createFirestoreLease } from '../../../src/adapters/firestore/lease';
import type { CanaryRead } from '../../../src/ports/canary-store';
import { sampleCanary, sampleEvaluation } from './sample-canary';
import { testFirestore } from '../../support/firestore';

const { db, close } = testFirestore('canary-guards');
const store = createFirestoreCanaryStore(db);
afterAll(close);

async function version(id: string): Promise<string> {
  const read = (await store.get(id)) as CanaryRead;
  if (!read.ok) throw new Error('unreadable');
  return read.version;
}

describe('Firestore CanaryStore guarded writes', () => {
  it('gives every write a new version and refuses a write computed from an older one', async () => {
    const c = sampleCanary({ id: 'web__ver__alpha' });
    const created = await store.createIfAbsent(c);
    const v0 = created.canary.ok ? created.canary.version : '';
    expect(await version(c.id)).toBe(v0);
    await store.update(c.id, { 'gates.loadTestPassed': true }, { ifVersion: v0 });
    const v1 = await version(c.id);
    expect(v1).not.toBe(v0);
    await expect(store.update(c.id, { status: 'paused' }, { ifVersion: v0 })).rejects.toMatchObject({ name: 'CanaryConflict', reason: 'changed', currentStatus: 'running' });
    expect(((await store.get(c.id)) as { canary: { status: string } }).canary.status).toBe('running');
  });

  it('never lets a tick, gate or promotion write take a canary out of a rollback, nor unfreeze it', async () => {
    const c = sampleCanary({ id: 'web__held__alpha', status: 'rolled_back', rollout: { ...sampleCanary().rollout, frozen: true } });
    await store.createIfAbsent(c);
    await expect(store.update(c.id, { status: 'paused', pauseReason: 'yellow' })).rejects.toMatchObject({ reason: 'rollback_holds' });
    await expect(store.update(c.id, { rollout: { ...c.rollout, frozen: false } })).rejects.toMatchObject({ reason: 'rollback_holds' });
    await expect(store.update(c.id, { 'rollout.frozen': false })).rejects.toMatchObject({ reason: 'rollback_holds' });
    // Fields that leave the rollback alone are written (the recovery watch's, an evaluation summary).
    await store.update(c.id, { recoveryWatch: false, 'incident.recoveredAt': 5 });
    // The rollback itself, and a person, may.
    await store.update(c.id, { status: 'rollback_failed' }, { by: 'rollback' });
    const read = await store.get(c.id);
    expect(read).toMatchObject({ ok: true, canary: { status: 'rollback_failed', recoveryWatch: false, rollout: { frozen: true } } });
  });

  it('creates the tick decision document and the canary write as one unit, and refuses a second decision', async () => {
    const c = sampleCanary({ id: 'web__decide__alpha' });
    await store.createIfAbsent(c);
    const record = sampleEvaluation(Date.UTC(2026, 10, 26, 12, 5));
    await store.update(c.id, { status: 'paused' }, { evaluation: { key: 'tick-1', record } });
    expect(await store.listEvaluations(c.id, 5)).toHaveLength(1);
    await expect(store.update(c.id, { status: 'running' }, { evaluation: { key: 'tick-1', record } })).rejects.toMatchObject({ reason: 'already_decided' });
    // Refused as a whole: neither the decision nor the canary write landed.
    const refusedVersion = await version(c.id);
    await expect(store.update(c.id, { status: 'running' }, { ifVersion: 'stale', evaluation: { key: 'tick-2', record } })).rejects.toMatchObject({ reason: 'changed' });
    expect(await store.listEvaluations(c.id, 5)).toHaveLength(1);
    expect(await version(c.id)).toBe(refusedVersion);
  });

  it('refuses a write whose lease term was taken over or released, and takes one whose term holds', async () => {
    const lease = createFirestoreLease(db);
    const c = sampleCanary({ id: 'web__fence__alpha' });
    await store.createIfAbsent(c);
    const first = await lease.acquire('fence-test', 'a', 60_000, Date.now());
    if (!first.acquired || !first.fence) throw new Error('not acquired');
    await store.update(c.id, { 'gates.loadTestPassed': true }, { fence: first.fence });
    await lease.release('fence-test', first.term, 'a', Date.now());
    await expect(store.update(c.id, { status: 'paused' }, { fence: first.fence })).rejects.toMatchObject({ reason: 'fenced' });
    const second = await lease.acquire('fence-test', 'b', 60_000, Date.now());
    if (!second.acquired || !second.fence) throw new Error('not acquired');
    await expect(store.update(c.id, { status: 'paused' }, { fence: first.fence })).rejects.toMatchObject({ reason: 'fenced' });
    await store.update(c.id, { status: 'paused' }, { fence: second.fence });
    expect(await store.get(c.id)).toMatchObject({ canary: { status: 'paused', gates: { loadTestPassed: true } } });
  });

  it('quarantines only the broken version it read: a document repaired since is left alone', async () => {
    await db.doc('canaries/web__fixed__alpha').set({ platform: 'web', release: 7 });
    const broken = await store.get('web__fixed__alpha');
    await db.doc('canaries/web__fixed__alpha').set({ platform: 'web', release: '7' });
    await store.markInvalid('web__fixed__alpha', 'release: expected string', { ifVersion: broken!.version });
    expect((await db.doc('canaries/web__fixed__alpha').get()).get('status')).toBeUndefined();
  });
});
