import { createFirestoreAuditLog, createFirestoreCanaryStore, createFirestoreIncidentStore } from '../../../src/adapters/firestore';
import { clearMttrFlag } from '../../../src/app/canaries/clear-mttr';
import { evaluateAll } from '../../../src/app/evaluate';
import type { Canary } from '../../../src/core/canary';
import type { IncidentReport, StoredAuditEntry } from '../../../src/ports';
import { officialEmulator, testFirestore } from '../../support/firestore';
import { canaryFixture } from '../evaluate/canary-fixture';
import { harness, openLease, windowsFor, side, type Harness } from '../evaluate/harness';

const T = Date.parse('2026-01-07T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const MIN = 60_000;
const HOUR = 60 * MIN;

/** A beta canary rolled back `minutesAgo` before T after a regression that began 10 minutes before the restore. */
function rolledBack(id: string, release: string, minutesAgo: number): Canary {
  const restoredAt = T - minutesAgo * MIN;
  return canaryFixture({
    id,
    release,
    channel: 'beta',
    status: 'rolled_back',
    recoveryWatch: true,
    rollout: { ...canaryFixture().rollout, channel: 'beta', rolloutPercent: 25, frozen: true },
    rollbackRequest: { generation: 1, requestedAt: restoredAt - 2 * MIN, requestedBy: 'system', reason: 'Error rate 12% (threshold 2%)', trigger: 'auto-policy', onsetAt: restoredAt - 10 * MIN },
    rollback: { generation: 1, target: 'v29.0.0', finishedAt: restoredAt, steps: { dispatch: 'done' } },
    incident: { onsetAt: restoredAt - 10 * MIN, decidedAt: restoredAt - 2 * MIN, restoredAt },
  });
}

/** The report the rollback handler wrote when the rollback finished (recovery not yet known). */
function reportOf(c: Canary, targetMinutes: number | null): IncidentReport {
  const inc = c.incident!;
  const point = (at: number | null, source: string) => ({ at, source });
  return {
    id: `${c.id}__g1`,
    canaryId: c.id,
    generation: 1,
    release: c.release,
    platform: c.platform,
    channel: 'beta',
    outcome: 'rolled_back',
    trigger: 'auto-policy',
    requestedBy: 'system',
    reason: 'Error rate 12% (threshold 2%)',
    rollbackTo: 'v29.0.0',
    timeline: {
      onset: point(inc.onsetAt!, 'first red window (evaluator)'),
      detected: point(inc.decidedAt!, 'rollback request (auto-policy)'),
      decided: point(inc.decidedAt!, 'rollback request (auto-policy)'),
      restored: point(inc.restoredAt!, 'rollback_completed'),
      recovered: point(null, 'not yet confirmed'),
    },
    durations: { time_to_recover_minutes: null, mttr_minutes: null },
    mttr: { targetMinutes, minutes: null, met: null },
    decision: null,
    affectedUsers: 100,
    rolloutPercent: 25,
    steps: [],
    trail: [],
    links: [],
    githubIssue: null,
    createdAt: inc.restoredAt!,
  };
}

/** A beta canary of the next release whose 48-hour bake is done with ample evidence: the next green tick promotes it. */
function readyToPromote(): Canary {
  const base = canaryFixture({ id: 'web__v29.2.0__beta', release: 'v29.2.0', channel: 'beta', createdAt: T - 50 * HOUR });
  const pooled = { n: 1_000_000, k: 100 };
  return {
    ...base,
    gates: { loadTestPassed: true, crossPlatformValidated: true, guardianPassed: true, userFeedbackScore: 4.6 },
    rollout: {
      ...base.rollout,
      channel: 'beta',
      rolloutPercent: 25,
      stageStartedAt: T - 50 * HOUR,
      bake: { since: T - 50 * HOUR, heldMs: 0, pooled: { error_rate: pooled, success_rate: pooled, p95_latency: pooled }, evidence: {} },
    },
  };
}

const healthy = () => ({ canary: side(5000, 1), baseline: side(50000, 10) });

describe('MTTR targets: a miss flags the canary and holds promotions on its channel until a person clears it', () => {
  // A project of its own per test: one test's open flags must not hold another's promotions.
  const stores: ReturnType<typeof testFirestore>[] = [];
  afterAll(async () => {
    for (const s of stores) await s.close();
  });
  const n = 1;

  function setup(): Harness & { incidents: ReturnType<typeof createFirestoreIncidentStore> } {
    const store = testFirestore('mttr-target');
    stores.push(store);
    const incidents = createFirestoreIncidentStore(store.db);
    const x = harness({ canaries: createFirestoreCanaryStore(store.db), audit: createFirestoreAuditLog(store.db), lease: openLease, now: T });
    x.deps.incidents = incidents;
    x.metrics.script = (_c, range) => ({ ok: true, windows: windowsFor(range, healthy) });
    return { ...x, incidents };
  }

  async function entries(h: Harness, action: string): Promise<StoredAuditEntry[]> {
    return (await h.audit.list({ limit: 500 })).filter((e) => e.action === action);
  }

  it('writes the recovered time into the incident report, compares it with the beta target, flags the canary and says so once', async () => {
    const x = setup();
    const rb = rolledBack(`web__v29.1.${n}__beta`, `v29.1.${n}`, 40);
    await x.canaries.createIfAbsent(rb);
    await x.incidents.create(reportOf(rb, 30));
    await Promise.all([evaluateAll(x.deps, iso(T)), evaluateAll(x.deps, iso(T))]);

    const report = (await x.incidents.get(`${rb.id}__g1`))!;
    expect(report.timeline.recovered).toEqual({ at: T, source: 'rollback_recovered' });
    expect(report.durations).toMatchObject({ time_to_recover_minutes: 40, mttr_minutes: 50 });
    expect(report.mttr).toEqual({ targetMinutes: 30, minutes: 50, met: false });

    const read = await x.canaries.get(rb.id);
    expect(read?.ok && read.canary.mttrMissed).toMatchObject({ incidentId: `${rb.id}__g1`, minutes: 50, targetMinutes: 30, open: true });
    const missed = (await entries(x, 'mttr_target_missed')).filter((e) => e.meta.canaryId === rb.id);
    expect(missed).toHaveLength(1);
    expect(missed[0]!.meta).toMatchObject({ platform: 'web', channel: 'beta', mttr_minutes: 50, mttr_target_minutes: 30, incident_id: `${rb.id}__g1` });
  });

  it('leaves a canary that recovered within its target unflagged', async () => {
    const x = setup();
    const rb = rolledBack(`web__v29.3.${n}__beta`, `v29.3.${n}`, 5);
    await x.canaries.createIfAbsent(rb);
    await x.incidents.create(reportOf(rb, 30));
    await evaluateAll(x.deps, iso(T));
    expect((await x.incidents.get(`${rb.id}__g1`))!.mttr).toEqual({ targetMinutes: 30, minutes: 15, met: true });
    const read = await x.canaries.get(rb.id);
    expect(read?.ok && read.canary.mttrMissed).toBeUndefined();
  });

  it('holds the next beta promotion on that platform while the flag is open, and promotes once a person cleared it (audited)', async () => {
    const x = setup();
    const flagged = { ...rolledBack('web__v28.9.0__beta', 'v28.9.0', 300), recoveryWatch: false };
    await x.canaries.createIfAbsent({ ...flagged, mttrMissed: { incidentId: 'web__v28.9.0__beta__g1', minutes: 95, targetMinutes: 30, flaggedAt: T - HOUR, open: true } });
    await x.incidents.create(reportOf(flagged, 30));
    const next = readyToPromote();
    await x.canaries.createIfAbsent(next);

    const first = await evaluateAll(x.deps, iso(T));
    expect(first.outcomes).toEqual([expect.objectContaining({ id: next.id, decision: 'continue', effects: [] })]);
    const held = await x.canaries.get(next.id);
    expect(held?.ok && held.canary.lastEvaluation?.reasons).toEqual([
      'Promotion waits for: MTTR target missed on incident web__v28.9.0__beta__g1 (95 min, target 30 min): a person must clear it',
    ]);
    expect(x.actuators.promotions).toEqual([]);

    expect(await clearMttrFlag({ ...x.deps, incidents: x.incidents }, flagged.id, 'root cause fixed; the paging delay is tracked in OPS-12', 'ops')).toMatchObject({ status: 'cleared' });
    expect(await clearMttrFlag({ ...x.deps, incidents: x.incidents }, flagged.id, 'again', 'ops')).toMatchObject({ status: 'conflict' });
    const cleared = (await entries(x, 'mttr_flag_cleared')).filter((e) => e.meta.canaryId === flagged.id);
    expect(cleared).toHaveLength(1);
    expect(cleared[0]).toMatchObject({ actorUid: 'ops', meta: { reason: 'root cause fixed; the paging delay is tracked in OPS-12', incident_id: 'web__v28.9.0__beta__g1' } });
    expect((await x.incidents.get('web__v28.9.0__beta__g1'))!.mttr).toMatchObject({ clearedBy: 'ops' });

    const second = await evaluateAll(x.deps, iso(T + MIN));
    expect(second.outcomes).toEqual([expect.objectContaining({ id: next.id, decision: 'promote', effects: ['promote'] })]);
    expect(x.actuators.promotions.map((p) => p.to)).toEqual([{ channel: 'stable', rolloutPercent: 100 }]);
  });

  it('flags a canary whose recovery was never confirmed within the watch', async () => {
    const x = setup();
    const rb = rolledBack(`web__v29.4.${n}__beta`, `v29.4.${n}`, 30);
    await x.canaries.createIfAbsent(rb);
    await x.incidents.create(reportOf(rb, 30));
    x.metrics.script = (_c, range) => ({ ok: true, windows: windowsFor(range, () => ({ canary: null, baseline: null })) });
    await evaluateAll(x.deps, iso(T + x.deps.settings.recoveryWatchMs));
    expect((await x.incidents.get(`${rb.id}__g1`))!.mttr).toEqual({ targetMinutes: 30, minutes: null, met: false });
    const read = await x.canaries.get(rb.id);
    expect(read?.ok && read.canary.mttrMissed).toMatchObject({ minutes: null, open: true });
    expect((await entries(x, 'mttr_target_missed')).filter((e) => e.meta.canaryId === rb.id)).toHaveLength(1);
  });

  (officialEmulator ? it : it.skip)('applies a report change computed from one read once when two writers race (official emulator: isolated transactions)', async () => {
    const { incidents } = setup();
    const rb = rolledBack('web__v29.9.0__beta', 'v29.9.0', 40);
    await incidents.create(reportOf(rb, 30));
    const results = await Promise.all(
      [T, T + MIN, T + 2 * MIN, T + 3 * MIN].map((at) =>
        incidents.change(`${rb.id}__g1`, (r) => (r.timeline.recovered.at !== null ? null : { timeline: { ...r.timeline, recovered: { at, source: 'test' } } })),
      ),
    );
    expect(results.filter((r) => r?.changed)).toHaveLength(1);
    const winner = results.find((r) => r?.changed)!.report.timeline.recovered.at;
    expect((await incidents.get(`${rb.id}__g1`))!.timeline.recovered.at).toBe(winner);
  });
});
