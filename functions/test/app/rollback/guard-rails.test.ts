import { handleRollback } from '../../../src/app/rollback/handle';
import { recoveryPatch } from '../../../src/app/rollback/recovery';
import { T0 } from '../../adapters/firestore/sample-canary';
import type { TelemetryQuery } from '../../../src/ports/telemetry';
import { LIVE, PKG, rollbackHarness, type RollbackHarness } from './harness';

let h: RollbackHarness;
beforeEach(async () => {
  h = await rollbackHarness('guard-rails');
  h.seedPlatforms();
});
afterEach(async () => h.close());

const canaryOf = (id: string) => h.canaryOf(id);

describe('rollback guard rails', () => {
  test('refuses a rollback with no previous release: audited, nothing sent, never half done (D6)', async () => {
    const c = await h.seed('web', { previousRelease: null });
    await h.request(c.id);
    expect(await handleRollback(h.deps, c.id, 'test')).toBe('refused');
    expect(h.platformRequests()).toBe(0);
    const canary = await canaryOf(c.id);
    expect(canary.status).toBe('rollback_failed');
    expect(canary.rollback?.error).toMatch(/no previous release/);
    const [entry] = await h.audit.list({ action: 'rollback_refused' });
    expect(entry.meta.reason).toMatch(/refusing to roll back to nothing/);
  });

  test('skips a previous release that was itself rolled back and targets the last known-good one (D6)', async () => {
    h.hosting.seed(LIVE, [{ version: 'sites/acme/versions/v2', message: 'v28R.2' }]);
    const bad = await h.seed('web', { release: 'v28R.1', previousRelease: 'v28R.0', channel: 'beta' });
    await h.db.doc(`canaries/${bad.id}`).update({ status: 'rolled_back' });
    const c = await h.seed('web', { release: 'v28R.2', previousRelease: 'v28R.1' });
    await h.request(c.id);
    expect(await handleRollback(h.deps, c.id, 'test')).toBe('rolled_back');
    expect((await canaryOf(c.id)).rollback?.target).toBe('v28R.0');
    // Found by the release message, never the rolled-back v1.
    expect(h.hosting.current(LIVE)).toBe('sites/acme/versions/v0');
  });

  test('refuses when every earlier release was rolled back (D6)', async () => {
    const bad = await h.seed('desktop', { release: 'v28R.1', previousRelease: null, channel: 'alpha' });
    await h.db.doc(`canaries/${bad.id}`).update({ status: 'rolled_back' });
    const c = await h.seed('desktop', { release: 'v28R.2', previousRelease: 'v28R.1' });
    await h.request(c.id);
    expect(await handleRollback(h.deps, c.id, 'test')).toBe('refused');
    expect(h.platformRequests()).toBe(0);
  });

  test('with the kill switch off an automatic rollback sends nothing and records the would-be requests (D7)', async () => {
    h.deps.settings.autoRollbackEnabled = false;
    const c = await h.seed('mobile');
    await h.request(c.id);
    expect(await handleRollback(h.deps, c.id, 'test')).toBe('recorded_only');
    expect(h.platformRequests()).toBe(0);
    const steps = await h.ledger.getSteps({ canaryId: c.id, generation: 1 });
    expect(steps.dispatch).toMatchObject({ status: 'dry_run' });
    expect(steps.dispatch!.detail).toContain('rollback_id');
    expect(steps.play_halt!.detail).toContain('status=halted');
    const canary = await canaryOf(c.id);
    expect(canary.status).toBe('paused');
    expect(canary.rollout.frozen).toBe(true);
    expect(await h.audit.list({ action: 'rollback_suppressed' })).toHaveLength(1);
  });

  test('the kill switch leaves a manual rollback alone', async () => {
    h.deps.settings.autoRollbackEnabled = false;
    const c = await h.seed('desktop');
    await h.request(c.id, 'manual', 'Critical bug in auth flow');
    expect(await handleRollback(h.deps, c.id, 'test')).toBe('rolled_back');
    const [entry] = await h.audit.list({ action: 'manual_rollback' });
    expect(entry).toMatchObject({ actorUid: 'ops-key', meta: { trigger: 'manual', reason: 'Critical bug in auth flow' } });
  });

  test('a dry-run canary records what would be sent and sends nothing (D7)', async () => {
    const c = await h.seed('web', { dryRun: true });
    await h.request(c.id);
    expect(await handleRollback(h.deps, c.id, 'test')).toBe('recorded_only');
    expect(h.platformRequests()).toBe(0);
    const [entry] = await h.audit.list({ action: 'rollback_dry_run' });
    expect(entry.meta.would_send).toEqual(expect.arrayContaining([expect.stringContaining('/dispatches'), expect.stringContaining('channels/live/releases')]));
  });

  test('a manual rollback held back by dry-run records the person who asked as actor and requester, not "system"', async () => {
    const c = await h.seed('web', { dryRun: true });
    await h.request(c.id, 'manual', 'Critical bug in auth flow');
    expect(await handleRollback(h.deps, c.id, 'test')).toBe('recorded_only');
    const [entry] = await h.audit.list({ action: 'rollback_dry_run' });
    expect(entry).toMatchObject({ actorUid: 'ops-key', meta: { requested_by: 'ops-key', trigger: 'manual', requested_reason: 'Critical bug in auth flow' } });
  });

  test('ten canaries red at once: the breaker lets N roll back and pauses the rest for a human (D8)', async () => {
    h.deps.settings.rollbacksPerHour = 3;
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const c = await h.seed('desktop', { release: `v30.${i}`, previousRelease: 'v28R.0' });
      await h.request(c.id);
      ids.push(c.id);
    }
    const outcomes = await Promise.all(ids.map((id) => handleRollback(h.deps, id, 'test')));
    expect(outcomes.filter((o) => o === 'rolled_back')).toHaveLength(3);
    expect(outcomes.filter((o) => o === 'breaker_open')).toHaveLength(7);
    expect(h.github.dispatches()).toHaveLength(3);
    const paused = await Promise.all(ids.map(canaryOf));
    expect(paused.filter((c) => c.status === 'paused' && /circuit breaker open/.test(c.pauseReason ?? ''))).toHaveLength(7);
    expect(await h.audit.list({ action: 'rollback_breaker_open' })).toHaveLength(7);
    // Held back, the canary waits for a human: the policy asking again is refused (once), a human is not.
    const held = paused.find((c) => c.status === 'paused')!;
    expect(await h.request(held.id)).toMatchObject({ status: 'refused' });
    expect(await h.request(held.id)).toMatchObject({ status: 'refused' });
    expect(await h.audit.list({ action: 'rollback_refused' })).toHaveLength(1);
    expect(await h.request(held.id, 'manual', 'ops: roll it back')).toMatchObject({ status: 'requested', generation: 2 });
    expect(await handleRollback(h.deps, held.id, 'test')).toBe('rolled_back');
    expect(h.github.dispatches()).toHaveLength(4);
  });

  test('a rollback requested again after it completed is refused and audited, nothing sent (D9)', async () => {
    const c = await h.seed('desktop');
    await h.request(c.id);
    await handleRollback(h.deps, c.id, 'test');
    const before = h.platformRequests();
    expect(await h.request(c.id)).toMatchObject({ status: 'refused' });
    expect(await handleRollback(h.deps, c.id, 'test')).toBe('nothing_to_do');
    expect(h.platformRequests()).toBe(before);
    expect(await h.audit.list({ action: 'rollback_refused' })).toHaveLength(1);
  });

  test('affected_users is the distinct installs that reported the release, in place of the configured estimate', async () => {
    h.deps.settings.usersByPlatform = { mobile: 100_000 };
    const asked: TelemetryQuery[] = [];
    h.deps.telemetry = {
      read: async (q) => (asked.push(q), { ok: true, minutes: [], installs: { all: 1234, errors: 40, crashes: 3 } }),
    };
    const c = await h.seed('mobile');
    await h.request(c.id);
    await handleRollback(h.deps, c.id, 'test');
    const [entry] = await h.audit.list({ action: 'auto_rollback' });
    expect(entry.meta).toMatchObject({ affected_users: 1234, affected_users_source: 'telemetry_installs' });
    expect(asked).toEqual([{ platform: 'mobile', release: 'v28R.1', from: expect.any(Number), to: expect.any(Number) }]);
    expect(asked[0].to - asked[0].from).toBeLessThanOrEqual(24 * 3_600_000 + 60_000);
    // No report of the release (or a failed read): the configured estimate, and it says so.
    h.deps.telemetry = { read: async () => ({ ok: false, error: 'down', retryable: true }) };
    const d = await h.seed('mobile', { id: 'mobile__v28R.2__stable', release: 'v28R.2' });
    await h.request(d.id);
    await handleRollback(h.deps, d.id, 'test');
    const entries = await h.audit.list({ action: 'auto_rollback' });
    expect(entries.find((e) => e.targetId === 'v28R.2')?.meta).toMatchObject({ affected_users: 10_000, affected_users_source: 'configured_users_x_rollout' });
  });

  test('the audit entry has the source document shape and the incident times are recorded; the release is frozen', async () => {
    h.deps.settings.usersByPlatform = { mobile: 100_000 };
    const c = await h.seed('mobile');
    await h.request(c.id);
    h.clock.advance(90_000);
    await handleRollback(h.deps, c.id, 'test');
    const [entry] = await h.audit.list({ action: 'auto_rollback' });
    expect(entry).toMatchObject({
      action: 'auto_rollback',
      actorUid: 'system',
      targetId: 'v28R.1',
      meta: { channel: 'stable', reason: 'Error rate 8% (threshold 5%)', rollback_to: 'v28R.0', affected_users: 10_000, trigger: 'auto-policy', duration_minutes: 62 },
    });
    expect(entry.meta.note).toMatch(/keep the bad version/);
    const canary = await canaryOf(c.id);
    expect(canary.rollout.frozen).toBe(true);
    expect(canary.incident).toMatchObject({ onsetAt: T0 + 1800_000, decidedAt: T0 + 3600_000, restoredAt: T0 + 3690_000 });
    const [closing] = await h.audit.list({ action: 'rollback_completed' });
    expect(closing.meta).toMatchObject({ time_to_detect_minutes: 30, time_to_decide_minutes: 1.5, time_to_restore_minutes: 0, mttr_minutes: 31.5 });
    expect(h.play.tracks.get(`${PKG}/production`)![0].status).toBe('halted');
    expect(recoveryPatch(canary, 'green', T0 + 4000_000)).toEqual({ 'incident.recoveredAt': T0 + 4000_000 });
    expect(recoveryPatch(canary, 'red', T0 + 4000_000)).toBeNull();
  });
});
