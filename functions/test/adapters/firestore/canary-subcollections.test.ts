import { Timestamp } from 'firebase-admin/firestore';
import { createFirestoreCanaryStore } from '../../../src/adapters/firestore/canary-store';
import { createFirestoreConfigStore } from '../../../src/adapters/firestore/config-store';
import { testFirestore } from '../../support/firestore';
import { sampleCanary, sampleEvaluation, T0 } from './sample-canary';
import { evaluationFromDoc } from '../../../src/adapters/firestore/canary-schema';

const { db, close } = testFirestore('canary-sub');
const store = createFirestoreCanaryStore(db);
afterAll(close);

const canary = sampleCanary({ id: 'web__v9__beta' });
beforeAll(async () => {
  await store.createIfAbsent(canary);
});

describe('Firestore CanaryStore claims and evaluation history', () => {
  it('grants a claim to exactly one of 10 parallel callers', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.claim(canary.id, 'rollback-1', { by: `worker-${i}` })));
    expect(results.filter(Boolean)).toHaveLength(1);
    const doc = (await db.doc(`canaries/${canary.id}/claims/rollback-1`).get()).data()!;
    expect(doc.by).toBe(`worker-${results.indexOf(true)}`);
    expect(doc.claimedAt).toBeInstanceOf(Timestamp);
  });

  it('keeps claims of different keys independent', async () => {
    expect(await store.claim(canary.id, 'tick-1', {})).toBe(true);
    expect(await store.claim(canary.id, 'tick-2', {})).toBe(true);
    expect(await store.claim(canary.id, 'tick-1', {})).toBe(false);
  });

  it('records an evaluation once per key and round-trips it, with expireAt stored as a Timestamp', async () => {
    const record = sampleEvaluation(T0);
    expect(await store.recordEvaluation(canary.id, `tick-${T0}`, record)).toBe(true);
    expect(await store.recordEvaluation(canary.id, `tick-${T0}`, { ...record, decision: 'continue' })).toBe(false);
    const raw = (await db.doc(`canaries/${canary.id}/evaluations/tick-${T0}`).get()).data()!;
    expect((raw.expireAt as Timestamp).toMillis()).toBe(record.expireAt);
    expect(raw).not.toHaveProperty('sharedIncident');
    expect(await store.listEvaluations(canary.id, 1)).toEqual([record]);
  });

  it('stores a tick\'s raw counts as one JSON string and reads them back, the older map form too', async () => {
    const counts = { windows: [{ start: T0, durationMs: 60_000, canary: { requests: 120, errors: 3, latencyMs: { bounds: [100, 200], counts: [100, 15, 5] } }, baseline: { requests: 900, errors: 4 } }], metrics: ['error_rate' as const] };
    const record = { ...sampleEvaluation(T0 + 600_000), counts };
    await store.recordEvaluation(canary.id, 'tick-counts', record);
    const ref = db.doc(`canaries/${canary.id}/evaluations/tick-counts`);
    expect(typeof (await ref.get()).data()!.counts).toBe('string');
    expect(evaluationFromDoc((await ref.get()).data())).toEqual({ ok: true, record: expect.objectContaining({ counts }) });
    await ref.update({ counts });
    expect(evaluationFromDoc((await ref.get()).data())).toEqual({ ok: true, record: expect.objectContaining({ counts }) });
    await ref.update({ counts: '{"windows": [' });
    expect(evaluationFromDoc((await ref.get()).data())).toMatchObject({ ok: false });
    await ref.delete();
  });

  it('records exactly one of 10 concurrent decisions for the same tick', async () => {
    const key = `tick-${T0 + 60_000}`;
    const results = await Promise.all(Array.from({ length: 10 }, () => store.recordEvaluation(canary.id, key, sampleEvaluation(T0 + 60_000))));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('lists the history newest schedule time first, up to the limit, skipping an invalid record', async () => {
    for (const t of [T0 + 120_000, T0 + 180_000]) await store.recordEvaluation(canary.id, `tick-${t}`, sampleEvaluation(t));
    await db.doc(`canaries/${canary.id}/evaluations/tick-hand`).set({ scheduleTime: T0 + 999_000, verdict: 'purple' });
    const history = await store.listEvaluations(canary.id, 3);
    expect(history.map((r) => r.scheduleTime)).toEqual([T0 + 180_000, T0 + 120_000]);
    expect((await store.listEvaluations(canary.id, 10)).map((r) => r.scheduleTime)).toEqual([T0 + 180_000, T0 + 120_000, T0 + 60_000, T0]);
  });

  it('pages back through the history: only records scheduled before the given time', async () => {
    for (const t of [T0 + 60_000, T0 + 120_000, T0 + 180_000]) await store.recordEvaluation(canary.id, `tick-${t}`, sampleEvaluation(t));
    expect((await store.listEvaluations(canary.id, 2, T0 + 180_000)).map((r) => r.scheduleTime)).toEqual([T0 + 120_000, T0 + 60_000]);
    expect((await store.listEvaluations(canary.id, 2, T0 + 60_000)).map((r) => r.scheduleTime)).toEqual([T0]);
  });
});

describe('Firestore ConfigStore', () => {
  it('returns a config document as plain data with Timestamps in ms, and null when absent', async () => {
    await db.doc('config/policy').set({ thresholds: { alpha: { error_rate: 0.05 } }, updatedAt: Timestamp.fromMillis(T0) });
    const config = createFirestoreConfigStore(db);
    expect(await config.get('policy')).toEqual({ thresholds: { alpha: { error_rate: 0.05 } }, updatedAt: T0 });
    expect(await config.get('absent')).toBeNull();
  });
});
