import { createFirestoreAuditLog, createFirestoreCanaryStore, createFirestoreConfigStore } from '../../../src/adapters/firestore';
import { createFirestoreLease } from '../../../src/adapters/firestore/lease';
import { evaluateAll, type EvaluateDeps } from '../../../src/app/evaluate';
import type { Canary } from '../../../src/core/canary';
import type { CanaryStore } from '../../../src/ports';
import { testFirestore } from '../../support/firestore';
import { canaryFixture } from './canary-fixture';
import { green, harness, noData, openLease, red, windowsFor, type Harness } from './harness';

const T = Date.parse('2026-01-07T12:00:00Z');
const at = (minutes: number) => new Date(T + minutes * 60_000).toISOString();
const HOUR = 3_600_000;

describe('evaluateAll against the Firestore test server', () => {
  const fs = testFirestore('evaluate');
  afterAll(() => fs.close());
  let n = 0;
  const uid = (label: string) => `${label}-${++n}`;

  /** Deps over the Firestore adapters; each call is a fresh set of clients, as after a restart. */
  function firestoreHarness(lease: 'open' | 'firestore' = 'firestore'): Harness {
    return harness({
      canaries: createFirestoreCanaryStore(fs.db),
      audit: createFirestoreAuditLog(fs.db),
      lease: lease === 'open' ? openLease : createFirestoreLease(fs.db),
    });
  }
  const withConfig = (h: Harness): EvaluateDeps => ({ ...h.deps, config: createFirestoreConfigStore(fs.db) });

  async function get(store: CanaryStore, id: string): Promise<Canary> {
    const read = await store.get(id);
    if (!read?.ok) throw new Error(`canary ${id} unreadable: ${read && !read.ok ? read.error : 'missing'}`);
    return read.canary;
  }
  // The lease is global to the project: each test leaves it released, and the ticks here run in sequence.

  it('lets a green canary continue', async () => {
    const h = firestoreHarness();
    const id = uid('green');
    await h.canaries.createIfAbsent(canaryFixture({ id }));
    const report = await evaluateAll(withConfig(h), at(0));
    expect(report.outcomes.find((o) => o.id === id)).toMatchObject({ status: 'decided', verdict: 'green', decision: 'continue' });
    const c = await get(h.canaries, id);
    expect(c.status).toBe('running');
    expect(c.lastEvaluation?.verdict).toBe('green');
    expect(await h.canaries.listEvaluations(id, 5)).toHaveLength(1);
  });

  it('requests a rollback once when two runs of the same schedule time race (claim by create())', async () => {
    const h = firestoreHarness('open');
    const id = uid('red');
    await h.canaries.createIfAbsent(canaryFixture({ id }));
    h.metrics.script = (c, range) => ({ ok: true, windows: windowsFor(range, c.id === id ? red : green) });
    const reports = await Promise.all([evaluateAll(h.deps, at(10)), evaluateAll(h.deps, at(10)), evaluateAll(h.deps, at(10))]);
    const mine = reports.flatMap((r) => r.outcomes.filter((o) => o.id === id));
    expect(mine.filter((o) => o.status === 'decided')).toHaveLength(1);
    const c = await get(h.canaries, id);
    expect(c.status).toBe('rollback_requested');
    expect(c.rollbackRequest).toMatchObject({ generation: 1, trigger: 'auto-policy', requestedBy: 'system' });
    expect(await h.canaries.listEvaluations(id, 10)).toHaveLength(1);
  });

  it('lets only one of two overlapping runs hold the lease; the other skips', async () => {
    const h = firestoreHarness();
    const id = uid('lease');
    await h.canaries.createIfAbsent(canaryFixture({ id }));
    const [a, b] = await Promise.all([evaluateAll(h.deps, at(20)), evaluateAll(h.deps, at(20))]);
    expect([a.skipped, b.skipped].filter(Boolean)).toHaveLength(1);
  });

  it('promotes a canary whose bake time is met once, and audits canary_promote once', async () => {
    const h = firestoreHarness('open');
    const id = uid('bake');
    const c0 = canaryFixture({ id, gates: { openP0P1Bugs: 0, securityScanPassed: true } });
    c0.rollout = { ...c0.rollout, greenSince: T - 25 * HOUR, lastWindowStart: T - 10 * 60_000 };
    await h.canaries.createIfAbsent(c0);
    h.metrics.script = (c, range) => ({ ok: true, windows: windowsFor(range, c.id === id ? green : noData) });
    await Promise.all([evaluateAll(h.deps, at(30)), evaluateAll(h.deps, at(31))]);
    await evaluateAll(h.deps, at(32));
    expect(h.actuators.promotions.filter((p) => p.canaryId === id)).toHaveLength(1);
    const c = await get(h.canaries, id);
    expect(c.rollout).toMatchObject({ channel: 'beta', rolloutPercent: 25 });
    const audit = await h.audit.list({ action: 'canary_promote', targetId: 'v29.1.0' });
    expect(audit.filter((e) => e.meta.canaryId === id)).toHaveLength(1);
  });

  it('pauses after an outage, never rolls back, and the no-data streak survives restarts (S3, S5, S10)', async () => {
    const id = uid('outage');
    await createFirestoreCanaryStore(fs.db).createIfAbsent(canaryFixture({ id }));
    const streaks: number[] = [];
    for (let i = 0; i < 6; i++) {
      const h = firestoreHarness(); // new clients each run: a process restart between ticks
      h.metrics.script = (c, range) => (c.id === id ? { ok: false, error: 'code 14: unavailable', retryable: true } : { ok: true, windows: windowsFor(range, noData) });
      await evaluateAll(h.deps, at(40 + i));
      streaks.push((await get(h.canaries, id)).noData?.streak ?? 0);
    }
    expect(streaks).toEqual([1, 2, 3, 4, 5, 6]);
    const c = await get(createFirestoreCanaryStore(fs.db), id);
    expect(c.status).toBe('paused');
    expect(c.rollbackRequest).toBeUndefined();
    expect(c.pauseReason).toMatch(/No canary data/);
  });

  it('resumes a paused canary only after the configured green windows, across restarts (S9, S10)', async () => {
    const id = uid('resume');
    const c0 = canaryFixture({ id, status: 'paused', pauseReason: 'No canary data' });
    c0.rollout = { ...c0.rollout, paused: true, pauseReasons: ['No canary data'], lastWindowStart: T + 49 * 60_000 - 180_000 - 60_000 };
    await createFirestoreCanaryStore(fs.db).createIfAbsent(c0);
    const statuses: string[] = [];
    for (let i = 0; i < 4; i++) {
      const h = firestoreHarness();
      h.metrics.script = (c, range) => ({ ok: true, windows: windowsFor(range, c.id === id ? green : noData) });
      await evaluateAll(h.deps, at(50 + i));
      statuses.push((await get(h.canaries, id)).status);
    }
    expect(statuses).toEqual(['paused', 'paused', 'running', 'running']);
  });

  it('quarantines an invalid canary document and evaluates the others (R6 shape, written as in the console)', async () => {
    const h = firestoreHarness();
    const good = uid('good');
    await h.canaries.createIfAbsent(canaryFixture({ id: good }));
    const bad = uid('bad');
    await fs.db.collection('canaries').doc(bad).set({ status: 'running', platform: 'toaster', release: 42 });
    const report = await evaluateAll(h.deps, at(60));
    expect(report.invalid.map((i) => i.id)).toContain(bad);
    expect(report.outcomes.find((o) => o.id === good)).toMatchObject({ status: 'decided' });
    const raw = (await fs.db.collection('canaries').doc(bad).get()).data();
    expect(raw).toMatchObject({ status: 'invalid', platform: 'toaster', release: 42 });
    expect(raw?.error).toEqual(expect.any(String));
  });
});

describe('Firestore lease (numbered terms taken with create())', () => {
  const fs = testFirestore('lease');
  afterAll(() => fs.close());

  it('gives the lease to exactly one of ten racing runs', async () => {
    const lease = createFirestoreLease(fs.db);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => lease.acquire('race', `run-${i}`, 60_000, 1_000)));
    expect(results.filter((r) => r.acquired)).toHaveLength(1);
  });

  it('refuses while the term holds, hands over after expiry, and never to two holders (S2)', async () => {
    // Expiry is judged on the store's clock (the term's create time + ttl): real time must pass.
    const lease = createFirestoreLease(fs.db);
    const a = await lease.acquire('slow', 'a', 1_500, Date.now());
    expect(a).toMatchObject({ acquired: true, term: 1 });
    expect(await lease.acquire('slow', 'b', 1_500, Date.now())).toMatchObject({ acquired: false, heldBy: 'a' });
    await new Promise((r) => setTimeout(r, 1_700));
    const takeovers = await Promise.all([lease.acquire('slow', 'b', 60_000, Date.now()), lease.acquire('slow', 'c', 60_000, Date.now())]);
    expect(takeovers.filter((r) => r.acquired)).toHaveLength(1);
    // The slow run finishing late does not end its successor's term.
    await lease.release('slow', 1, 'a', Date.now());
    const winner = takeovers.find((r) => r.acquired)!;
    expect(await lease.acquire('slow', 'd', 60_000, Date.now())).toMatchObject({ acquired: false, term: winner.term });
  });

  it('is free again as soon as its holder releases it', async () => {
    const lease = createFirestoreLease(fs.db);
    const a = await lease.acquire('quick', 'a', 60_000, 0);
    if (!a.acquired) throw new Error('not acquired');
    await lease.release('quick', a.term, 'a', 1_000);
    expect(await lease.acquire('quick', 'b', 60_000, 1_001)).toMatchObject({ acquired: true, term: 2 });
  });
});
