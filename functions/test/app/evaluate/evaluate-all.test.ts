import { evaluateAll, metricsRange } from '../../../src/app/evaluate';
import type { Canary } from '../../../src/core/canary';
import { MemoryAuditLog, MemoryCanaryStore } from '../../fakes/memory-store';
import { canaryFixture } from './canary-fixture';
import { green, harness, noData, openLease, red, windowsFor } from './harness';

const T = '2026-01-07T12:00:00Z';
const at = (minutes: number) => new Date(Date.parse(T) + minutes * 60_000).toISOString();
const HOUR = 3_600_000;

async function stored(store: MemoryCanaryStore, id: string): Promise<Canary> {
  const read = await store.get(id);
  if (!read?.ok) throw new Error(`no valid canary ${id}`);
  return read.canary;
}

/** A canary that has been green on alpha for `hours`, with alpha's exit gates met. */
function baked(id: string, hours: number): Canary {
  const c = canaryFixture({ id, gates: { openP0P1Bugs: 0, securityScanPassed: true } });
  c.rollout = { ...c.rollout, greenSince: Date.parse(T) - hours * HOUR, lastWindowStart: Date.parse(T) - 10 * 60_000 };
  return c;
}

describe('evaluateAll (in-memory ports)', () => {
  it('lets a green canary continue and records the decision keyed by the schedule time', async () => {
    const h = harness();
    const store = h.canaries as MemoryCanaryStore;
    await store.createIfAbsent(canaryFixture({ id: 'g' }));
    const report = await evaluateAll(h.deps, T);
    expect(report.outcomes).toEqual([expect.objectContaining({ id: 'g', status: 'decided', verdict: 'green', decision: 'continue' })]);
    const c = await stored(store, 'g');
    expect(c.status).toBe('running');
    expect(c.rollout.lastWindowStart).toBe(report.range!.end - 60_000);
    expect([...store.evaluations.get('g')!.keys()]).toEqual(['tick-2026-01-07T12:00:00.000Z']);
    expect(store.evaluations.get('g')!.get('tick-2026-01-07T12:00:00.000Z')).toMatchObject({ decision: 'continue', dryRun: false, channel: 'alpha' });
  });

  it('requests a rollback once for a red canary even when two ticks of the same schedule time overlap', async () => {
    const h = harness({ lease: openLease });
    const store = h.canaries as MemoryCanaryStore;
    await store.createIfAbsent(canaryFixture({ id: 'r' }));
    h.metrics.script = (_c, range) => ({ ok: true, windows: windowsFor(range, red) });
    const [a, b] = await Promise.all([evaluateAll(h.deps, T), evaluateAll(h.deps, T)]);
    const statuses = [...a.outcomes, ...b.outcomes].map((o) => o.status).sort();
    expect(statuses).toContain('decided');
    expect(statuses.filter((s) => s === 'decided')).toHaveLength(1);
    const c = await stored(store, 'r');
    expect(c.status).toBe('rollback_requested');
    expect(c.rollbackRequest).toMatchObject({ generation: 1, trigger: 'auto-policy', requestedBy: 'system' });
    expect(c.rollbackRequest!.reason).toMatch(/Error rate/);
    expect(c.rollout.frozen).toBe(true);
  });

  it('never requests a second rollback when a later tick finds the canary still red (S1, different schedule times)', async () => {
    const h = harness({ lease: openLease });
    const store = h.canaries as MemoryCanaryStore;
    await store.createIfAbsent(canaryFixture({ id: 'r' }));
    h.metrics.script = (_c, range) => ({ ok: true, windows: windowsFor(range, red) });
    await Promise.all([evaluateAll(h.deps, T), evaluateAll(h.deps, at(1))]);
    await evaluateAll(h.deps, at(2));
    const c = await stored(store, 'r');
    expect(c.rollbackRequest?.generation).toBe(1);
  });

  it('promotes a canary whose bake time is met exactly once, even from overlapping runs', async () => {
    const h = harness({ lease: openLease });
    const store = h.canaries as MemoryCanaryStore;
    await store.createIfAbsent(baked('p', 25));
    await Promise.all([evaluateAll(h.deps, T), evaluateAll(h.deps, at(1)), evaluateAll(h.deps, T)]);
    expect(h.actuators.promotions).toEqual([{ canaryId: 'p', from: { channel: 'alpha', rolloutPercent: 10 }, to: { channel: 'beta', rolloutPercent: 25 } }]);
    const c = await stored(store, 'p');
    expect(c.status).toBe('running');
    expect(c.rollout).toMatchObject({ channel: 'beta', rolloutPercent: 25, stageIndex: 0 });
    const entries = (h.audit as MemoryAuditLog).entries.filter((e) => e.action === 'canary_promote');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actorUid: 'system', targetId: 'v29.1.0', meta: { canaryId: 'p', from: { channel: 'alpha' }, to: { channel: 'beta' } } });
  });

  it('does not promote before the bake time is met', async () => {
    const h = harness();
    await (h.canaries as MemoryCanaryStore).createIfAbsent(baked('p', 2));
    await evaluateAll(h.deps, T);
    expect(h.actuators.promotions).toEqual([]);
  });

  it('pauses a canary whose metrics stay out for the configured stretch, never rolling back (S3, S5)', async () => {
    const h = harness();
    const store = h.canaries as MemoryCanaryStore;
    await store.createIfAbsent(canaryFixture({ id: 'o' }));
    h.metrics.script = () => ({ ok: false, error: 'monitoring query web-requests failed (code 14): unavailable', retryable: true });
    const statuses: string[] = [];
    for (let i = 0; i < 6; i++) {
      await evaluateAll(h.deps, at(i));
      statuses.push((await stored(store, 'o')).status);
    }
    expect(statuses).toEqual(['running', 'running', 'running', 'running', 'paused', 'paused']);
    const c = await stored(store, 'o');
    expect(c.noData).toMatchObject({ streak: 6, lastError: expect.stringContaining('unavailable') });
    expect(c.pauseReason).toMatch(/No canary data/);
    expect(c.rollbackRequest).toBeUndefined();
    expect(h.actuators.promotions).toEqual([]);
  });

  it('pauses a new canary after the configured stretch of windows without series, never rolling back (S3)', async () => {
    const h = harness();
    const store = h.canaries as MemoryCanaryStore;
    // Registered just before the newest complete window: older windows say nothing about it.
    await store.createIfAbsent(canaryFixture({ id: 'quiet', createdAt: Date.parse(T) - 240_000 }));
    h.metrics.script = (_c, range) => ({ ok: true, windows: windowsFor(range, noData) });
    const statuses: string[] = [];
    for (let i = 0; i < 6; i++) {
      await evaluateAll(h.deps, at(i));
      statuses.push((await stored(store, 'quiet')).status);
    }
    expect(statuses).toEqual(['running', 'running', 'running', 'running', 'paused', 'paused']);
    const c = await stored(store, 'quiet');
    expect(c.noData?.streak).toBe(6);
    expect(c.rollbackRequest).toBeUndefined();
  });

  it('pauses at once with the reason when Monitoring says the query is misconfigured (S6)', async () => {
    const h = harness();
    const store = h.canaries as MemoryCanaryStore;
    await store.createIfAbsent(canaryFixture({ id: 'm' }));
    h.metrics.script = () => ({ ok: false, error: 'monitoring query web-requests failed (code 7): PERMISSION_DENIED', retryable: false });
    await evaluateAll(h.deps, T);
    const c = await stored(store, 'm');
    expect(c.status).toBe('paused');
    expect(c.pauseReason).toMatch(/PERMISSION_DENIED/);
    expect(c.rollbackRequest).toBeUndefined();
  });

  it('quarantines an invalid canary document and still evaluates the others', async () => {
    const h = harness();
    const store = h.canaries as MemoryCanaryStore;
    await store.createIfAbsent(canaryFixture({ id: 'ok' }));
    store.invalid.set('broken', 'platform: must be web, desktop or mobile');
    const report = await evaluateAll(h.deps, T);
    expect(report.invalid).toEqual([{ id: 'broken', error: 'platform: must be web, desktop or mobile' }]);
    expect(report.outcomes.map((o) => [o.id, o.status])).toEqual([['ok', 'decided']]);
    expect(h.logger.lines.some((l) => l.level === 'error' && l.fields?.canaryId === 'broken')).toBe(true);
  });

  it('isolates a canary whose evaluation throws', async () => {
    const store = new MemoryCanaryStore();
    const failing = Object.assign(Object.create(store) as MemoryCanaryStore, {
      update: async (id: string, patch: Record<string, unknown>, options: Parameters<MemoryCanaryStore['update']>[2]) => {
        if (id === 'bad') throw new Error('store exploded');
        return store.update(id, patch, options);
      },
    });
    const h = harness({ canaries: failing });
    await store.createIfAbsent(canaryFixture({ id: 'bad' }));
    await store.createIfAbsent(canaryFixture({ id: 'good' }));
    const report = await evaluateAll(h.deps, T);
    expect(report.outcomes.find((o) => o.id === 'bad')).toMatchObject({ status: 'failed', error: 'store exploded' });
    expect(report.outcomes.find((o) => o.id === 'good')).toMatchObject({ status: 'decided' });
  });

  it.each([
    ['per canary', true, false],
    ['global', false, true],
  ])('in dry run (%s) records the would-be rollback and acts on nothing', async (_label, canaryDry, globalDry) => {
    const h = harness();
    const store = h.canaries as MemoryCanaryStore;
    h.deps.settings.globalDryRun = globalDry;
    await store.createIfAbsent(canaryFixture({ id: 'd', dryRun: canaryDry }));
    h.metrics.script = (_c, range) => ({ ok: true, windows: windowsFor(range, red) });
    const report = await evaluateAll(h.deps, T);
    expect(report.outcomes[0]).toMatchObject({ status: 'decided', decision: 'rollback', dryRun: true, acted: expect.arrayContaining(['dry_run:rollback']) });
    const c = await stored(store, 'd');
    expect(c.status).toBe('running');
    expect(c.rollbackRequest).toBeUndefined();
    expect(c.rollout.frozen).toBe(false);
    expect(store.evaluations.get('d')!.get(`tick-${new Date(T).toISOString()}`)).toMatchObject({ dryRun: true, effects: ['pause', 'rollback'] });
  });

  it('in dry run records a would-be promotion without calling the platform', async () => {
    const h = harness();
    h.deps.settings.globalDryRun = true;
    await (h.canaries as MemoryCanaryStore).createIfAbsent(baked('p', 25));
    const report = await evaluateAll(h.deps, T);
    expect(report.outcomes[0]).toMatchObject({ decision: 'promote', acted: ['dry_run:promote'] });
    expect(h.actuators.promotions).toEqual([]);
    expect((await stored(h.canaries as MemoryCanaryStore, 'p')).rollout.channel).toBe('alpha');
  });

  it('pauses with the reason when the platform refuses the promotion (unwired actuators fail loudly)', async () => {
    const h = harness();
    h.actuators.fail = new Error('platform actuators are not wired');
    await (h.canaries as MemoryCanaryStore).createIfAbsent(baked('p', 25));
    await evaluateAll(h.deps, T);
    const c = await stored(h.canaries as MemoryCanaryStore, 'p');
    expect(c.status).toBe('paused');
    expect(c.pauseReason).toMatch(/not wired/);
    expect(c.rollout.channel).toBe('alpha');
    // It waits for an operator: the next green tick neither resumes nor retries it.
    h.actuators.fail = undefined;
    await evaluateAll(h.deps, at(1));
    expect((await stored(h.canaries as MemoryCanaryStore, 'p')).status).toBe('paused');
    expect(h.actuators.promotions).toEqual([]);
  });

  it('leaves a canary paused by an operator or the breaker alone: judged and recorded, never promoted, resumed or rolled back', async () => {
    const h = harness();
    const store = h.canaries as MemoryCanaryStore;
    await store.createIfAbsent({ ...baked('held-green', 25), status: 'paused', pauseReason: 'paused by the on-call' });
    await store.createIfAbsent(canaryFixture({ id: 'held-red', status: 'paused', pauseReason: 'circuit breaker' }));
    h.metrics.script = (c, range) => ({ ok: true, windows: windowsFor(range, c.id === 'held-red' ? red : green) });
    const report = await evaluateAll(h.deps, T);
    expect(report.outcomes.map((o) => o.status)).toEqual(['decided', 'decided']);
    expect(h.actuators.promotions).toEqual([]);
    const g = await stored(store, 'held-green');
    const r = await stored(store, 'held-red');
    expect([g.status, g.pauseReason, g.rollout.channel]).toEqual(['paused', 'paused by the on-call', 'alpha']);
    expect([r.status, r.rollbackRequest]).toEqual(['paused', undefined]);
    expect(store.evaluations.get('held-red')!.get(`tick-${new Date(T).toISOString()}`)).toMatchObject({ decision: 'rollback' });
  });

  it('judges only complete windows: the range ends before the ingestion lag (S8)', async () => {
    const h = harness();
    await (h.canaries as MemoryCanaryStore).createIfAbsent(canaryFixture({ id: 'g' }));
    // Monitoring has nothing for the newest three minutes; those windows are never requested.
    h.metrics.script = (_c, range) => ({ ok: true, windows: windowsFor(range, (s) => (s >= Date.parse(T) - 180_000 ? noData() : green())) });
    await evaluateAll(h.deps, '2026-01-07T12:00:42Z');
    expect(h.metrics.ranges[0]!.end).toBe(Date.parse('2026-01-07T11:57:00Z'));
    const c = await stored(h.canaries as MemoryCanaryStore, 'g');
    expect(c.noData).toBeUndefined();
    expect(c.lastEvaluation?.verdict).toBe('green');
  });

  it('makes one metrics fetch for all canaries of a tick', async () => {
    const h = harness();
    for (let i = 0; i < 20; i++) await (h.canaries as MemoryCanaryStore).createIfAbsent(canaryFixture({ id: `c${i}` }));
    await evaluateAll(h.deps, T);
    expect(h.metrics.calls).toBe(1);
  });

  it('skips while another run holds the lease and takes over once it expires (S2)', async () => {
    const h = harness();
    await (h.canaries as MemoryCanaryStore).createIfAbsent(canaryFixture({ id: 'g' }));
    const dead = await h.deps.lease.acquire('evaluate-canaries', 'a run that died', h.deps.settings.leaseTtlMs, h.clock.now());
    expect(dead.acquired).toBe(true);
    const skipped = await evaluateAll(h.deps, T);
    expect(skipped.skipped).toMatchObject({ reason: 'lease_held', heldBy: 'a run that died' });
    expect(h.metrics.calls).toBe(0);
    h.clock.t += h.deps.settings.leaseTtlMs + 1;
    const next = await evaluateAll(h.deps, at(6));
    expect(next.skipped).toBeUndefined();
    expect(next.outcomes).toHaveLength(1);
  });

  it('keeps the last good policy when the stored override is invalid, and reports it', async () => {
    const h = harness();
    await (h.canaries as MemoryCanaryStore).createIfAbsent(canaryFixture({ id: 'g' }));
    h.config.docs.set('policy', { channels: { alpha: { red: { errorRat: 0.1 } } } });
    const report = await evaluateAll(h.deps, T);
    expect(report.policyError).toMatch(/errorRat/);
    expect(report.outcomes[0]).toMatchObject({ status: 'decided' });
  });

  it('computes the range from the schedule time, not from the clock', () => {
    expect(metricsRange(Date.parse('2026-01-07T12:00:59Z'), 60_000, 180_000, 30)).toEqual({ end: Date.parse('2026-01-07T11:57:00Z'), windowMs: 60_000, windows: 30 });
  });
});
