import { Timestamp } from 'firebase-admin/firestore';
import { createFirestoreCanaryStore } from '../../../src/adapters/firestore/canary-store';
import type { Canary } from '../../../src/core/canary';
import { testFirestore } from '../../support/firestore';
import { sampleCanary, T0 } from './sample-canary';

const { db, close } = testFirestore('canary-store');
const store = createFirestoreCanaryStore(db);
afterAll(close);

const full: Canary = sampleCanary({
  id: 'mobile__v5.2.0__beta',
  platform: 'mobile',
  release: 'v5.2.0',
  channel: 'beta',
  status: 'rolling_back',
  target: { playPackage: 'com.acme', playTrack: 'beta', versionCodes: ['520', '521'] },
  gates: { openP0P1Bugs: 0, securityScanPassed: true, userFeedbackScore: 4.5 },
  lastEvaluation: {
    verdict: 'red',
    decision: 'rollback',
    reasons: ['Crash rate 3% (threshold 2%)'],
    metrics: {
      error_rate: { canary: 0.01, baseline: 0.01, threshold: 0.05, status: 'green' },
      success_rate: { canary: null, baseline: null, threshold: 0.95, status: 'inconclusive' },
      crash_rate: { canary: 0.03, baseline: 0.005, threshold: 0.02, status: 'red' },
      p95_latency: { canary: 410, baseline: 400, threshold: 0.5, status: 'green' },
      http_error_rate: { canary: 0.02, baseline: 0.02, threshold: 0.1, status: 'green' },
      p95_latency_sla: { canary: 410, baseline: 400, threshold: 200, status: 'inconclusive' },
    },
    sharedIncident: false,
    at: T0 + 60_000,
    windowStart: T0,
  },
  pauseReason: 'no data',
  noData: { since: T0, streak: 2, lastError: 'Monitoring 503' },
  rollbackRequest: { generation: 1, requestedAt: T0 + 61_000, requestedBy: 'system', reason: 'Crash rate 3% (threshold 2%)', trigger: 'auto-policy', onsetAt: T0 },
  rollback: { generation: 1, target: 'v5.1.9', startedAt: T0 + 62_000, steps: { dispatch: 'done', play: 'pending' } },
  incident: { onsetAt: T0, decidedAt: T0 + 61_000 },
});

describe('Firestore CanaryStore', () => {
  it('round-trips a canary with every optional field, nested maps included', async () => {
    expect((await store.createIfAbsent(full)).created).toBe(true);
    expect(await store.get(full.id)).toEqual({ ok: true, canary: full, version: expect.any(String) });
  });

  it('stores createdAt and updatedAt as Timestamps and leaves no id field or nulls for absent fields', async () => {
    const bare = sampleCanary({ id: 'web__bare__alpha' });
    await store.createIfAbsent(bare);
    const raw = (await db.doc(`canaries/${bare.id}`).get()).data()!;
    expect(raw.createdAt).toBeInstanceOf(Timestamp);
    expect((raw.updatedAt as Timestamp).toMillis()).toBe(T0);
    expect(Object.keys(raw)).not.toEqual(expect.arrayContaining(['id']));
    for (const absent of ['lastEvaluation', 'pauseReason', 'noData', 'rollbackRequest', 'rollback', 'incident', 'error']) expect(raw).not.toHaveProperty(absent);
    expect(await store.get(bare.id)).toEqual({ ok: true, canary: bare, version: expect.any(String) });
  });

  it('round-trips a rollout\'s bake evidence and still reads a rollout stored before bakes existed', async () => {
    const baking = sampleCanary({ id: 'web__baking__alpha' });
    baking.rollout = {
      ...baking.rollout,
      streaks: { ...baking.rollout.streaks, clear: 4 },
      bake: { since: T0, heldMs: 120_000, pooled: { error_rate: { n: 12_000, k: 31 }, p95_latency: { n: 11_950, k: 402 } }, evidence: { error_rate: [-200, -3.5, 0.25, 1, 2, 3] } },
    };
    await store.createIfAbsent(baking);
    expect(await store.get(baking.id)).toEqual({ ok: true, canary: baking, version: expect.any(String) });
    const old = sampleCanary({ id: 'web__old__alpha' });
    await store.createIfAbsent(old);
    const raw = (await db.doc(`canaries/${old.id}`).get()).data()!;
    expect(raw.rollout).not.toHaveProperty('bake');
    const read = await store.get(old.id);
    expect(read).toEqual({ ok: true, canary: old, version: expect.any(String) });
  });

  it('answers null for a canary that does not exist', async () => {
    expect(await store.get('web__nothing__alpha')).toBeNull();
  });

  it('creates a canary once: a second registration returns the stored one unchanged', async () => {
    const first = sampleCanary({ id: 'desktop__v1__stable', platform: 'desktop', channel: 'stable' });
    await store.createIfAbsent(first);
    const again = await store.createIfAbsent({ ...first, createdBy: 'someone-else' });
    expect(again.created).toBe(false);
    expect(again.canary).toEqual({ ok: true, canary: first, version: expect.any(String) });
  });

  it('refuses to store a canary its own schema would reject', async () => {
    const bad = sampleCanary({ id: 'web__bad__alpha', rollout: { ...sampleCanary().rollout, rolloutPercent: 250 } });
    await expect(store.createIfAbsent(bad)).rejects.toThrow(/rollout\.rolloutPercent/);
    expect((await db.doc('canaries/web__bad__alpha').get()).exists).toBe(false);
  });

  it('merges dot-path patches, deletes fields patched to undefined, and bumps updatedAt', async () => {
    const c = sampleCanary({ id: 'web__patch__alpha', pauseReason: 'yellow' });
    await store.createIfAbsent(c);
    await store.update(c.id, { 'rollout.streaks.red': 2, 'gates.guardianPassed': true, pauseReason: undefined, status: 'paused' });
    const read = await store.get(c.id);
    if (!read?.ok) throw new Error('expected a valid canary');
    expect(read.canary.rollout.streaks).toEqual({ red: 2, yellow: 0, noData: 0, inconclusive: 0 });
    expect(read.canary.gates).toEqual({ guardianPassed: true });
    expect(read.canary.status).toBe('paused');
    expect(read.canary).not.toHaveProperty('pauseReason');
    expect(read.canary.updatedAt).toBeGreaterThan(T0);
  });

  it('takes an explicit updatedAt in ms from the patch (injected clock)', async () => {
    const c = sampleCanary({ id: 'web__clock__alpha' });
    await store.createIfAbsent(c);
    await store.update(c.id, { updatedAt: T0 + 5_000, noData: null });
    const read = await store.get(c.id);
    expect(read).toEqual({ ok: true, canary: { ...c, updatedAt: T0 + 5_000 }, version: expect.any(String) });
  });

  it('rejects an update of a canary that does not exist with a conflict saying so', async () => {
    await expect(store.update('web__ghost__alpha', { status: 'paused' })).rejects.toMatchObject({ name: 'CanaryConflict', reason: 'missing' });
  });

  it('reports a hand-edited document by field path instead of throwing or repairing it', async () => {
    const doc = { ...(await db.doc(`canaries/${full.id}`).get()).data(), createdAt: 1697040000000, rollout: { stageIndex: 'two' } };
    await db.doc('canaries/web__edited__alpha').set(doc);
    const read = await store.get('web__edited__alpha');
    expect(read).toMatchObject({ ok: false, id: 'web__edited__alpha' });
    const error = (read as { error: string }).error;
    expect(error).toMatch(/createdAt: expected a Firestore Timestamp/);
    expect(error).toMatch(/rollout\.stageIndex: /);
    expect((await db.doc('canaries/web__edited__alpha').get()).data()).toEqual(doc);
  });

  it('quarantines with status and error only, and reads back as the quarantine message', async () => {
    await db.doc('canaries/web__quarantine__alpha').set({ platform: 'web', release: 7, note: 'typed in the console' });
    await store.markInvalid('web__quarantine__alpha', 'release: expected string');
    const raw = await db.doc('canaries/web__quarantine__alpha').get();
    expect(raw.data()).toEqual({ platform: 'web', release: 7, note: 'typed in the console', status: 'invalid', error: 'release: expected string' });
    expect(await store.get('web__quarantine__alpha')).toEqual({ ok: false, id: 'web__quarantine__alpha', error: 'release: expected string', version: expect.any(String) });
    await store.markInvalid('web__quarantine__alpha', 'release: expected string');
    expect((await db.doc('canaries/web__quarantine__alpha').get()).updateTime!.isEqual(raw.updateTime!)).toBe(true);
  });

  it('quarantining a canary that does not exist writes nothing', async () => {
    await store.markInvalid('web__never__alpha', 'x');
    expect((await db.doc('canaries/web__never__alpha').get()).exists).toBe(false);
  });
});
