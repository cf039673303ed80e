import { createCohortShareStep } from '../../../src/adapters/cohorts/share-step';
import { createFirestoreConfigStore } from '../../../src/adapters/firestore';
import { shareOf } from '../../../src/core/cohort-shares';
import { handleRollback } from '../../../src/app/rollback/handle';
import { contextOf } from '../../../src/app/rollback/gates';
import { officialEmulator } from '../../support/firestore';
import { LIVE, rollbackHarness, type RollbackHarness } from './harness';

const onEmulator = officialEmulator ? describe : describe.skip;
const suffix = officialEmulator ? '' : ' (skipped: needs the official Firestore emulator, which isolates transactions)';

let h: RollbackHarness;
/** The router fronting site acme, with an alpha channel (what the cohort_share step looks for). */
const ROUTER = { site: 'acme', liveUrl: 'https://acme.web.app', channelUrls: { alpha: 'https://acme--alpha-1.web.app' } };
beforeEach(async () => {
  h = await rollbackHarness('cohort-share');
  h.seedPlatforms();
  await h.db.doc('config/web_cohorts').set(ROUTER);
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
    const held = await h.canaryOf(c.id);
    expect(held.cohort).toBeUndefined();
    // The router serves the held canary as paused (testers only), not as rolled back: the record says nothing was done.
    expect(held).toMatchObject({ status: 'paused', rollout: expect.objectContaining({ frozen: true }) });
    expect(shareOf(held)).toEqual({ release: held.release, percent: 0 });
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

describe('a web rollback where no cohort router serves the channel', () => {
  test('no config/web_cohorts: the step writes nothing, says so, and the restore time is the Hosting release\'s', async () => {
    await h.db.doc('config/web_cohorts').delete();
    const c = await h.seed('web', { channel: 'alpha' });
    await h.request(c.id);
    const startedAt = h.clock.now();
    // Hosting takes 90 s of (fake) time: the restore is when it finished, not when the step ran.
    h.hosting.server.on('POST', /\/releases$/, async (req) => {
      h.clock.advance(90_000);
      const parent = req.path.replace(/^\/v1beta1\//, '').replace(/\/releases$/, '');
      return { body: h.hosting['push'](parent, req.query.get('versionName')!, (req.body as { message?: string }).message) };
    });
    expect(await handleRollback(h.deps, c.id, 'test')).toBe('rolled_back');
    const canary = await h.canaryOf(c.id);
    expect(canary.cohort).toBeUndefined();
    expect(canary.rollback?.steps).toEqual({ cohort_share: 'skipped', dispatch: 'done', hosting_release: 'done' });
    expect(h.hosting.current(LIVE)).toBe('sites/acme/versions/v0');
    const steps = await h.ledger.getSteps({ canaryId: c.id, generation: 1 });
    expect(steps.cohort_share).toMatchObject({ status: 'skipped', detail: expect.stringMatching(/^skipped: no cohort router configured for this site \(config\/web_cohorts is absent; site acme\)/) });
    const [completed] = await h.audit.list({ action: 'rollback_completed' });
    expect(completed.meta.restored_by).toBeUndefined();
    expect(completed.meta.time_to_restore_minutes).toBe(1.5);
    expect(canary.incident?.restoredAt).toBe(startedAt + 90_000);
    const [auto] = await h.audit.list({ action: 'auto_rollback' });
    expect((auto.meta.steps as Record<string, string>).cohort_share).toMatch(/^skipped: no cohort router configured/);
  });

  test('a router fronting another site, or without a URL for the channel, is no reason to write either', async () => {
    await h.db.doc('config/web_cohorts').set({ ...ROUTER, site: 'other-site' });
    const elsewhere = await h.seed('web', { channel: 'alpha' });
    await h.request(elsewhere.id);
    expect(await handleRollback(h.deps, elsewhere.id, 'test')).toBe('rolled_back');
    expect((await h.canaryOf(elsewhere.id)).cohort).toBeUndefined();
    expect((await h.ledger.getSteps({ canaryId: elsewhere.id, generation: 1 })).cohort_share?.detail).toMatch(/no cohort router configured for site acme \(config\/web_cohorts fronts other-site\)/);

    await h.db.doc('config/web_cohorts').set(ROUTER);
    const beta = await h.seed('web', { release: 'v28R.2', previousRelease: 'v28R.1', channel: 'beta' });
    const step = createCohortShareStep({ canaries: h.canaries, clock: h.clock, config: createFirestoreConfigStore(h.db) });
    const ctx = contextOf(beta, { canaryId: beta.id, generation: 1 }, { rollbackTo: 'v28R.1', steps: ['cohort_share'], trigger: 'manual', reason: 'r', requestedBy: 'ops', requestedAt: 0, plannedAt: 0 });
    expect(await step.execute(ctx)).toEqual({ status: 'skipped', detail: expect.stringContaining('has no URL for beta in config/web_cohorts, so it sends nobody there') });
    expect((await h.canaryOf(beta.id)).cohort).toBeUndefined();
  });

  test('a stable canary\'s rollback skips the share: the live channel is restored by the Hosting release', async () => {
    const c = await h.seed('web', { channel: 'stable' });
    await h.request(c.id);
    expect(await handleRollback(h.deps, c.id, 'test')).toBe('rolled_back');
    expect((await h.canaryOf(c.id)).cohort).toBeUndefined();
    expect((await h.ledger.getSteps({ canaryId: c.id, generation: 1 })).cohort_share?.detail).toMatch(/^skipped: stable is the live channel/);
    expect(h.hosting.current(LIVE)).toBe('sites/acme/versions/v0');
  });

  test('dry-run and readiness say the step will skip instead of promising a share change', async () => {
    await h.db.doc('config/web_cohorts').delete();
    const c = await h.seed('web', { channel: 'alpha', dryRun: true });
    await h.request(c.id);
    expect(await handleRollback(h.deps, c.id, 'test')).toBe('recorded_only');
    const steps = await h.ledger.getSteps({ canaryId: c.id, generation: 1 });
    expect(steps.cohort_share?.detail).toMatch(/cohort\.share unchanged \(no cohort router configured for this site/);
    const step = createCohortShareStep({ canaries: h.canaries, clock: h.clock, config: createFirestoreConfigStore(h.db) });
    expect(await step.readiness(c, 'v28R.0')).toEqual([expect.objectContaining({ outcome: 'ok', detail: expect.stringMatching(/^the step will skip: no cohort router configured/) })]);
  });

  test('an invalid config/web_cohorts still gets the share set to 0: a router may be serving its last good one', async () => {
    await h.db.doc('config/web_cohorts').set({ site: 'acme', liveUrl: 'not a url' });
    const c = await h.seed('web', { channel: 'alpha' });
    await h.request(c.id);
    expect(await handleRollback(h.deps, c.id, 'test')).toBe('rolled_back');
    expect((await h.canaryOf(c.id)).cohort?.share).toBe(0);
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
