import { createCohortShareStep } from '../../../src/adapters/cohorts/share-step';
import { handleRollback } from '../../../src/app/rollback/handle';
import { contextOf } from '../../../src/app/rollback/gates';
import { officialEmulator } from '../../support/firestore';
import { LIVE, rollbackHarness, type RollbackHarness } from './harness';

const onEmulator = officialEmulator ? describe : describe.skip;
const suffix = officialEmulator ? '' : ' (skipped: needs the official Firestore emulator, which isolates transactions)';

let h: RollbackHarness;
beforeEach(async () => {
  h = await rollbackHarness('cohort-share');
  h.seedPlatforms();
});
afterEach(async () => h.close());

describe('web rollback through the cohort share', () => {
  test('sets the share to 0 before Hosting is asked for anything, then still releases the previous version', async () => {
    const c = await h.seed('web', { channel: 'alpha' });
    await h.request(c.id);
    // Every Hosting read of the channel's releases notes the share the router would see at that moment.
    const sharesSeenByHosting: Array<number | undefined> = [];
    h.hosting.server.on('GET', /^\/v1beta1\/sites\/[^/]+\/channels\/[^/]+\/releases$/, async (req) => {
      sharesSeenByHosting.push((await h.canaryOf(c.id)).cohort?.share);
      return { body: { releases: h.hosting.channels.get(req.path.replace(/^\/v1beta1\//, '').replace(/\/releases$/, '')) ?? [] } };
    });
    expect(await handleRollback(h.deps, c.id, 'test')).toBe('rolled_back');
    expect(sharesSeenByHosting.length).toBeGreaterThan(0);
    expect(sharesSeenByHosting.every((s) => s === 0)).toBe(true);
    expect(h.hosting.current(LIVE)).toBe('sites/acme/versions/v0');
    const canary = await h.canaryOf(c.id);
    expect(canary.cohort).toEqual({ share: 0, changedAt: h.clock.now(), previousShare: 10 });
    expect(canary.rollback?.steps).toEqual({ cohort_share: 'done', dispatch: 'done', hosting_release: 'done' });
  });

  test('the audit entry\'s restore time is the share change; the Hosting release\'s time is kept beside it', async () => {
    const c = await h.seed('web', { channel: 'alpha' });
    await h.request(c.id);
    const sharedAt = h.clock.now();
    // Hosting takes 90 s of (fake) time to answer: the platform restore is later than the share's.
    h.hosting.server.on('POST', /\/releases$/, async (req) => {
      h.clock.advance(90_000);
      const parent = req.path.replace(/^\/v1beta1\//, '').replace(/\/releases$/, '');
      return { body: h.hosting['push'](parent, req.query.get('versionName')!, (req.body as { message?: string }).message) };
    });
    expect(await handleRollback(h.deps, c.id, 'test')).toBe('rolled_back');
    const [completed] = await h.audit.list({ action: 'rollback_completed' });
    expect(completed.meta).toMatchObject({
      restored_by: 'cohort_share',
      restored_at: new Date(sharedAt).toISOString(),
      platform_restored_at: new Date(sharedAt + 90_000).toISOString(),
      time_to_restore_minutes: 0,
      time_to_platform_restore_minutes: 1.5,
    });
    const [auto] = await h.audit.list({ action: 'auto_rollback' });
    expect(auto.meta).toMatchObject({ restored_by: 'cohort_share', restored_at: new Date(sharedAt).toISOString() });
    expect((auto.meta.steps as Record<string, string>).cohort_share).toMatch(/alpha share 10% -> 0%/);
    expect((await h.canaryOf(c.id)).incident?.restoredAt).toBe(sharedAt);
  });

  test('dry-run records the share change it would make and changes nothing', async () => {
    const c = await h.seed('web', { channel: 'alpha', dryRun: true });
    await h.request(c.id);
    expect(await handleRollback(h.deps, c.id, 'test')).toBe('recorded_only');
    const steps = await h.ledger.getSteps({ canaryId: c.id, generation: 1 });
    expect(steps.cohort_share).toMatchObject({ status: 'dry_run', detail: expect.stringContaining('cohort.share 10% -> 0') });
    expect((await h.canaryOf(c.id)).cohort).toBeUndefined();
  });

  test('a retried step finds the share already 0 and keeps the first change\'s time', async () => {
    const c = await h.seed('web', { channel: 'alpha' });
    const step = createCohortShareStep({ canaries: h.canaries, clock: h.clock });
    const ctx = contextOf(c, { canaryId: c.id, generation: 1 }, { rollbackTo: 'v28R.0', steps: ['cohort_share'], trigger: 'manual', reason: 'r', requestedBy: 'ops', requestedAt: 0, plannedAt: 0 });
    const first = h.clock.now();
    expect((await step.execute(ctx)).status).toBe('done');
    h.clock.advance(60_000);
    expect(await step.execute(ctx)).toEqual({ status: 'already_done', detail: `alpha share already 0 since ${new Date(first).toISOString()}` });
    expect((await h.canaryOf(c.id)).cohort?.changedAt).toBe(first);
  });
});

onEmulator(`the share write is a versioned update${suffix}`, () => {
  test('two runs racing to set the share record one change: one done, the other finds it done, the stored time is the winner\'s', async () => {
    const c = await h.seed('web', { channel: 'alpha' });
    const ctx = contextOf(c, { canaryId: c.id, generation: 1 }, { rollbackTo: 'v28R.0', steps: ['cohort_share'], trigger: 'manual', reason: 'r', requestedBy: 'ops', requestedAt: 0, plannedAt: 0 });
    for (let round = 0; round < 3; round++) {
      await h.canaries.update(c.id, { cohort: undefined }, { by: 'person' });
      const steps = [1_000, 2_000, 3_000].map((t) => createCohortShareStep({ canaries: h.canaries, clock: { now: () => t + round } }));
      const outcomes = await Promise.all(steps.map((s) => s.execute(ctx)));
      const done = outcomes.filter((o) => o.status === 'done');
      expect(done).toHaveLength(1);
      const stored = (await h.canaryOf(c.id)).cohort;
      expect(done[0]!.detail).toContain(new Date(stored!.changedAt).toISOString());
    }
  });
});
