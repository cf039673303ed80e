import { handleRollback } from '../../../src/app/rollback/handle';
import { requestRollback } from '../../../src/app/rollback/request';
import { rollbackHarness, type RollbackHarness } from './harness';

let h: RollbackHarness;
beforeEach(async () => {
  h = await rollbackHarness('critical-delete');
  h.seedPlatforms();
});
afterEach(async () => h.close());

const critical = (id: string, trigger: 'manual' | 'auto-policy' = 'manual') =>
  requestRollback({ canaries: h.canaries, audit: h.audit, clock: h.clock }, { canaryId: id, reason: 'Data loss in the sync engine', trigger, requestedBy: 'ops-key', severity: 'critical' });

/** `gh release delete` for a critical manual rollback (issue 15 item 8), through octokit against the fake GitHub. */
describe('severity critical: the desktop release is deleted', () => {
  test('on stable, the previous release is made Latest, then the bad release is deleted; planned, audited, once', async () => {
    const c = await h.seed('desktop', { release: 'v28R.1', previousRelease: 'v28R.0', channel: 'stable' });
    expect(h.github.latestTag).toBe('v28R.1');
    expect(await critical(c.id)).toMatchObject({ status: 'requested', generation: 1 });
    expect((await h.canaryOf(c.id)).rollbackRequest).toMatchObject({ severity: 'critical', trigger: 'manual' });

    expect(await handleRollback(h.deps, c.id, 'first')).toBe('rolled_back');
    expect(await h.ledger.getPlan({ canaryId: c.id, generation: 1 })).toMatchObject({ rollbackTo: 'v28R.0', severity: 'critical' });
    const mutations = h.github.server.requests.filter((r) => r.method === 'PATCH' || r.method === 'DELETE').map((r) => r.method);
    expect(mutations).toEqual(['PATCH', 'DELETE']);
    expect(h.github.releases.map((r) => r.tag_name)).toEqual(['v28R.0']);
    expect(h.github.latestTag).toBe('v28R.0');

    const [requested] = await h.audit.list({ action: 'rollback_requested' });
    expect(requested!.meta).toMatchObject({ severity: 'critical', deletes_release: 'v28R.1', trigger: 'manual' });
    expect(requested!.actorUid).toBe('ops-key');
    const [completed] = await h.audit.list({ action: 'rollback_completed' });
    expect(JSON.stringify(completed!.meta)).toContain('v28R.1 deleted (release id 2, tag kept)');

    // The trigger delivered again (Firestore events are at-least-once): nothing more is sent.
    const before = h.github.server.requests.length;
    expect(await handleRollback(h.deps, c.id, 'redelivery')).toBe('nothing_to_do');
    expect(h.github.server.requests.length).toBe(before);
    expect(h.github.deletes()).toHaveLength(1);
  });

  test('a delete whose answer was lost is retried as already done: exactly one release is gone', async () => {
    h.github.seed(['v28R.0', 'v28R.1', 'v28R.2'], 'v28R.1');
    h.github.server.on('DELETE', /\/releases\/2$/, (req) => {
      h.github.releases = h.github.releases.filter((r) => r.id !== Number(req.path.split('/').pop()));
      return { status: 204, dropResponse: true };
    });
    const c = await h.seed('desktop', { release: 'v28R.1', previousRelease: 'v28R.0', channel: 'stable' });
    await critical(c.id);
    expect(await handleRollback(h.deps, c.id, 'first')).toBe('rolled_back');
    expect(h.github.deletes()).toHaveLength(1);
    expect(h.github.releases.map((r) => r.tag_name)).toEqual(['v28R.0', 'v28R.2']);
    const steps = await h.ledger.getSteps({ canaryId: c.id, generation: 1 });
    expect(steps.github_release).toMatchObject({ status: 'already_done', tries: 2 });
  });

  test('refused with a clear answer when there is no previous release to make Latest: audited, nothing sent', async () => {
    const c = await h.seed('desktop', { release: 'v28R.1', previousRelease: null, channel: 'stable' });
    const out = await critical(c.id);
    expect(out).toEqual({ status: 'refused', reason: expect.stringMatching(/no previous release to make Latest before deleting v28R\.1/) as string });
    expect((await h.canaryOf(c.id)).status).toBe('running');
    expect(h.platformRequests()).toBe(0);
    const [refused] = await h.audit.list({ action: 'rollback_refused' });
    expect(refused!.meta).toMatchObject({ trigger: 'manual', requested_reason: 'Data loss in the sync engine' });
  });

  test('refused for a web or mobile canary and for an automatic trigger, whoever calls the use case', async () => {
    const web = await h.seed('web');
    expect(await critical(web.id)).toMatchObject({ status: 'refused', reason: expect.stringMatching(/desktop only, not web/) as string });
    const desktop = await h.seed('desktop', { release: 'v28R.1', previousRelease: 'v28R.0', channel: 'beta' });
    expect(await critical(desktop.id, 'auto-policy')).toMatchObject({ status: 'refused', reason: expect.stringMatching(/manual request only/) as string });
    expect((await h.canaryOf(web.id)).rollbackRequest).toBeUndefined();
    expect((await h.canaryOf(desktop.id)).rollbackRequest).toBeUndefined();
  });

  test('an ordinary rollback still drafts the release and deletes nothing', async () => {
    const c = await h.seed('desktop', { release: 'v28R.1', previousRelease: 'v28R.0', channel: 'stable' });
    await h.request(c.id, 'manual');
    expect(await handleRollback(h.deps, c.id, 'first')).toBe('rolled_back');
    expect(h.github.deletes()).toHaveLength(0);
    expect(h.github.releases.find((r) => r.tag_name === 'v28R.1')?.draft).toBe(true);
  });
});
