import { checkReadiness, runReadinessOnDemand } from '../../../src/app/canaries/readiness';
import { PKG, rollbackHarness, type RollbackHarness } from '../rollback/harness';

let h: RollbackHarness;
beforeAll(async () => {
  h = await rollbackHarness('readiness');
});
afterAll(() => h.close());
beforeEach(() => {
  h.seedPlatforms();
  h.github.access = { push: true, private: true, scopes: 'repo, workflow' };
  for (const f of [h.github, h.hosting, h.play]) f.server.requests.length = 0;
});

const readiness = (canary: Parameters<typeof checkReadiness>[1]) => checkReadiness({ canaries: h.canaries, actuators: h.deps.actuators, clock: h.clock }, canary);
const writes = () => [
  ...h.github.server.requests.filter((r) => r.method !== 'GET'),
  ...h.hosting.server.requests.filter((r) => r.method !== 'GET'),
  ...h.play.server.requests.filter((r) => r.method === 'PUT' || r.path.endsWith(':commit')),
];

describe('rollback readiness through the real clients', () => {
  it('proves a desktop rollback ready with reads only: write access, classic scope, the previous release', async () => {
    const canary = await h.seed('desktop', { release: 'v28R.1', previousRelease: 'v28R.0', id: 'desktop__v28R.1__stable' });
    const report = await readiness(canary);
    expect(report).toMatchObject({ ready: true, rollbackTo: 'v28R.0', missing: [] });
    expect(report.checks.filter((c) => c.step === 'github_release').map((c) => [c.check, c.outcome])).toEqual([
      ['repository write', 'ok'],
      ['token scope', 'ok'],
      ['previous release', 'ok'],
    ]);
    expect(writes()).toEqual([]);
  });

  it('names the missing permission when the token may read but not push, and the missing scope of a classic token', async () => {
    const canary = await h.seed('desktop', { release: 'v28R.2', previousRelease: 'v28R.0', id: 'desktop__v28R.2__stable' });
    h.github.access = { push: false, private: true, scopes: 'read:org' };
    const report = await readiness(canary);
    expect(report.ready).toBe(false);
    expect(report.missing).toEqual(['contents: write (push) on acme/app', 'repo scope']);
    expect(report.checks.filter((c) => c.outcome === 'failed').map((c) => c.step)).toEqual(['dispatch', 'dispatch', 'github_release', 'github_release']);
  });

  it('says a fine-grained token’s own permissions are unproven instead of claiming them', async () => {
    const canary = await h.seed('desktop', { release: 'v28R.3', previousRelease: 'v28R.0', id: 'desktop__v28R.3__stable' });
    h.github.access = { push: true, private: true };
    const report = await readiness(canary);
    expect(report.ready).toBe(true);
    expect(report.checks.find((c) => c.step === 'dispatch' && c.check === 'token scope')).toMatchObject({ outcome: 'unproven' });
  });

  it('fails when the previous release is missing or a draft, and when no known-good release is recorded', async () => {
    const canary = await h.seed('desktop', { release: 'v28R.4', previousRelease: 'v27', id: 'desktop__v28R.4__stable' });
    expect((await readiness(canary)).missing).toEqual(['GitHub release v27']);
    h.github.releases.find((r) => r.tag_name === 'v28R.0')!.draft = true;
    const drafted = await h.seed('desktop', { release: 'v28R.5', previousRelease: 'v28R.0', id: 'desktop__v28R.5__stable' });
    expect((await readiness(drafted)).missing).toEqual(['a published release v28R.0']);
    const orphan = await h.seed('desktop', { release: 'v28R.6', previousRelease: null, id: 'desktop__v28R.6__stable' });
    const report = await readiness(orphan);
    expect(report).toMatchObject({ ready: false, rollbackTo: null });
    expect(report.missing).toContain('previousRelease (a known-good release to roll back to)');
  });

  it('reads the Hosting channel and the version the rollback would release, and says the release permission is unproven', async () => {
    const canary = await h.seed('web', { release: 'v28R.1', previousRelease: 'v28R.0', id: 'web__v28R.1__stable' });
    const report = await readiness(canary);
    expect(report.ready).toBe(true);
    expect(report.checks.filter((c) => c.step === 'hosting_release').map((c) => [c.check, c.outcome])).toEqual([
      ['channel', 'ok'],
      ['previous version', 'ok'],
      ['release permission', 'unproven'],
    ]);
    h.hosting.versions.set('sites/acme/versions/v0', 'DELETED');
    expect((await readiness(canary)).missing).toEqual(['a FINALIZED Hosting version of v28R.0']);
    const elsewhere = await h.seed('web', { release: 'v28R.7', previousRelease: 'v28R.0', id: 'web__v28R.7__stable', target: { repository: 'acme/app', hostingSite: 'acme', hostingChannel: 'nope' } });
    expect((await readiness(elsewhere)).missing).toEqual(['Hosting channel sites/acme/channels/nope']);
    expect(writes()).toEqual([]);
  });

  it('opens a Play edit, finds the release on the track and deletes the edit without committing anything', async () => {
    const canary = await h.seed('mobile', { release: 'v28R.1', previousRelease: 'v28R.0', id: 'mobile__v28R.1__stable' });
    const report = await readiness(canary);
    expect(report.ready).toBe(true);
    expect(report.checks.filter((c) => c.step === 'play_halt').map((c) => [c.check, c.outcome])).toEqual([
      ['edit', 'ok'],
      ['release on track', 'ok'],
      ['commit permission', 'unproven'],
    ]);
    expect(h.play.server.calls('DELETE', /\/edits\/edit-\d+$/)).toHaveLength(1);
    expect(writes()).toEqual([]);
  });

  it('names the Play Console access the service account lacks when Play refuses the edit', async () => {
    const canary = await h.seed('mobile', { release: 'v28R.8', previousRelease: 'v28R.0', id: 'mobile__v28R.8__stable', target: { repository: 'acme/app', playPackage: PKG, playTrack: 'production', versionCodes: ['288'] } });
    expect((await readiness(canary)).missing).toEqual(['release v28R.8 on Play track production']);
    h.play.server.on('POST', `/androidpublisher/v3/applications/${PKG}/edits`, { status: 403, body: { error: { code: 403, message: 'The caller does not have permission' } } });
    try {
      const report = await readiness(canary);
      expect(report.missing).toEqual(['Play Console access for the service account to this app (Users & permissions: release to the track)']);
    } finally {
      h.play.server.on('POST', `/androidpublisher/v3/applications/:pkg/edits`, () => ({ body: { id: 'edit-x', expiryTimeSeconds: '9999999999' } }));
    }
  });

  it('on demand: stores the summary on the canary and audits the full report', async () => {
    const canary = await h.seed('desktop', { release: 'v28R.9', previousRelease: 'v28R.0', id: 'desktop__v28R.9__stable' });
    h.github.access = { push: false, private: true, scopes: 'repo' };
    const out = await runReadinessOnDemand({ canaries: h.canaries, actuators: h.deps.actuators, clock: h.clock, audit: h.audit }, canary.id, 'ops');
    expect(out).toMatchObject({ status: 'checked', report: { ready: false } });
    expect((await h.canaryOf(canary.id)).readiness).toMatchObject({ ready: false, missing: ['contents: write (push) on acme/app'], unproven: [] });
    const [entry] = await h.audit.list({ action: 'rollback_readiness', targetId: 'v28R.9' });
    expect(entry).toMatchObject({ actorUid: 'ops', meta: { trigger: 'on_demand', ready: false, rollback_to: 'v28R.0' } });
    expect(await runReadinessOnDemand({ canaries: h.canaries, actuators: h.deps.actuators, clock: h.clock, audit: h.audit }, 'desktop__nope__stable', 'ops')).toEqual({ status: 'not_found' });
  });
});
