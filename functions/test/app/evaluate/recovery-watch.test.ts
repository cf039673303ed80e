import { evaluateAll } from '../../../src/app/evaluate';
import { createFirestoreAuditLog, createFirestoreCanaryStore } from '../../../src/adapters/firestore';
import type { Canary } from '../../../src/core/canary';
import type { CanaryStore } from '../../../src/ports';
import { MemoryAuditLog } from '../../fakes/memory-store';
import { testFirestore } from '../../support/firestore';
import { canaryFixture } from './canary-fixture';
import { green, harness, noData, openLease, red, windowsFor } from './harness';

const T = Date.parse('2026-01-07T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const MIN = 60_000;

/** A canary rolled back to v29.0.0 `minutesAgo` before T, after a regression that began 10 minutes earlier. */
function rolledBack(id: string, minutesAgo: number): Canary {
  const restoredAt = T - minutesAgo * MIN;
  return canaryFixture({
    id,
    status: 'rolled_back',
    recoveryWatch: true,
    rollbackRequest: { generation: 1, requestedAt: restoredAt - 2 * MIN, requestedBy: 'system', reason: 'Error rate 12% (threshold 5%)', trigger: 'auto-policy', onsetAt: restoredAt - 10 * MIN },
    rollback: { generation: 1, target: 'v29.0.0', finishedAt: restoredAt, steps: { dispatch: 'done', hosting_release: 'done' } },
    incident: { onsetAt: restoredAt - 10 * MIN, decidedAt: restoredAt - 2 * MIN, restoredAt },
  });
}

async function stored(store: CanaryStore, id: string): Promise<Canary> {
  const read = await store.get(id);
  if (!read?.ok) throw new Error(`no valid canary ${id}`);
  return read.canary;
}

describe('after a rollback the evaluator confirms the restored population recovered', () => {
  it('reads the rollback target under its own release label, in the same single metrics query as the live canaries', async () => {
    const h = harness({ lease: openLease });
    await h.canaries.createIfAbsent(canaryFixture({ id: 'live' }));
    await h.canaries.createIfAbsent(rolledBack('rb', 40));
    const asked: string[] = [];
    h.metrics.script = (c, range) => (asked.push(`${c.id}=${c.release}`), { ok: true, windows: windowsFor(range, green) });
    const report = await evaluateAll(h.deps, iso(T));
    expect(h.metrics.calls).toBe(1);
    expect(asked.sort()).toEqual(['live=v29.1.0', 'rb#restored=v29.0.0']);
    expect(report.recoveries).toEqual([{ id: 'rb', status: 'recovered' }]);
  });

  it('records recoveredAt and one rollback_recovered entry with the time to recover, even when two ticks overlap', async () => {
    const h = harness({ lease: openLease });
    await h.canaries.createIfAbsent(rolledBack('rb', 40));
    await Promise.all([evaluateAll(h.deps, iso(T)), evaluateAll(h.deps, iso(T))]);
    await evaluateAll(h.deps, iso(T + MIN));
    const c = await stored(h.canaries, 'rb');
    expect(c.incident?.recoveredAt).toBe(T);
    expect(c.recoveryWatch).toBe(false);
    const entries = (h.audit as MemoryAuditLog).entries.filter((e) => e.action === 'rollback_recovered');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actorUid: 'system',
      targetId: 'v29.1.0',
      meta: { channel: 'alpha', rollback_to: 'v29.0.0', time_to_recover_minutes: 40, mttr_minutes: 50 },
    });
  });

  it('says once that the rollback did not fix it when the restored population is red, and keeps watching', async () => {
    const h = harness({ lease: openLease });
    await h.canaries.createIfAbsent(rolledBack('rb', 40));
    h.metrics.script = (_c, range) => ({ ok: true, windows: windowsFor(range, red) });
    await evaluateAll(h.deps, iso(T));
    const report = await evaluateAll(h.deps, iso(T + MIN));
    expect(report.recoveries).toEqual([{ id: 'rb', status: 'not_recovered' }]);
    const entries = (h.audit as MemoryAuditLog).entries.filter((e) => e.action === 'rollback_not_recovered');
    expect(entries).toHaveLength(1);
    expect(String(entries[0].meta.reason)).toMatch(/Error rate/);
    expect((await stored(h.canaries, 'rb')).recoveryWatch).toBe(true);
  });

  it('gives up after the watch with a rollback_recovery_unconfirmed entry when no verdict ever came, and stops reading', async () => {
    const h = harness({ lease: openLease });
    await h.canaries.createIfAbsent(rolledBack('rb', 30));
    h.metrics.script = (_c, range) => ({ ok: true, windows: windowsFor(range, noData) });
    expect((await evaluateAll(h.deps, iso(T))).recoveries).toEqual([{ id: 'rb', status: 'watching' }]);
    const late = T + h.deps.settings.recoveryWatchMs;
    expect((await evaluateAll(h.deps, iso(late))).recoveries).toEqual([{ id: 'rb', status: 'unconfirmed' }]);
    expect((h.audit as MemoryAuditLog).entries.filter((e) => e.action === 'rollback_recovery_unconfirmed')).toHaveLength(1);
    const calls = h.metrics.calls;
    expect((await evaluateAll(h.deps, iso(late + MIN))).recoveries).toEqual([]);
    expect(h.metrics.calls).toBe(calls);
  });

  describe('through the Firestore adapters', () => {
    const store = testFirestore('recovery');
    afterAll(() => store.close());

    it('finds watched canaries with the registered query and clears the watch on recovery', async () => {
      const canaries = createFirestoreCanaryStore(store.db);
      const h = harness({ canaries, audit: createFirestoreAuditLog(store.db), lease: openLease });
      await canaries.createIfAbsent(rolledBack('rb', 40));
      await canaries.createIfAbsent({ ...rolledBack('old', 600), recoveryWatch: false });
      expect((await canaries.list({ status: 'rolled_back', recoveryWatch: true })).map((r) => (r.ok ? r.canary.id : r.id))).toEqual(['rb']);
      const report = await evaluateAll(h.deps, iso(T));
      expect(report.recoveries).toEqual([{ id: 'rb', status: 'recovered' }]);
      const c = await stored(canaries, 'rb');
      expect(c).toMatchObject({ recoveryWatch: false, incident: { recoveredAt: T } });
      expect((await canaries.list({ status: 'rolled_back', recoveryWatch: true })).length).toBe(0);
    });
  });
});
