import type { Octokit } from '@octokit/rest';
import { createGitHubClient } from '../../../src/adapters/github/client';
import { createGitHubReleaseStep, promoteGitHubRelease } from '../../../src/adapters/github/releases';
import { PlatformError } from '../../../src/ports/platform';
import { FakeGitHub } from '../../fakes/github-releases';
import { sampleCanary } from '../firestore/sample-canary';

const gh = new FakeGitHub();
let client: Promise<Octokit>;
const clock = { now: () => 1_000_000 };
const options = () => ({ github: () => client, clock });
const canary = sampleCanary({ id: 'desktop__v2__stable', platform: 'desktop', release: 'v2', previousRelease: 'v1' });
const ctx = { canary, rollbackId: 'desktop__v2__stable:1', version: 'v2', rollbackTo: 'v1', reason: 'red', timestamp: 1 };

/** A fake of its own for a test that scripts a failure (a fake's routes cannot be taken back). */
async function withOwnFake(body: (own: FakeGitHub, opts: ReturnType<typeof options>) => Promise<void>): Promise<void> {
  const own = new FakeGitHub();
  await own.server.start();
  try {
    const ownClient = createGitHubClient({ token: 't', baseUrl: own.server.url, retry: { enabled: false }, maxRateLimitWaitMs: 0, throttle: { enabled: false } });
    await body(own, { github: () => ownClient, clock });
  } finally {
    await own.server.stop();
  }
}

beforeAll(async () => {
  await gh.server.start();
  client = createGitHubClient({ token: 't', baseUrl: gh.server.url, retry: { enabled: false }, maxRateLimitWaitMs: 0, throttle: { enabled: false } });
});
afterAll(() => gh.server.stop());
beforeEach(() => {
  gh.server.requests.length = 0;
  gh.seed(['v1', 'v2']);
});

describe('GitHub releases (desktop) through octokit', () => {
  test('makes the previous release Latest, then drafts the bad one: the gh release edit pair', async () => {
    expect(await createGitHubReleaseStep(options()).execute(ctx)).toMatchObject({ status: 'done' });
    expect(gh.edits().map((r) => r.body)).toEqual([{ make_latest: 'true' }, { draft: true }]);
    expect(gh.latestTag).toBe('v1');
    expect(gh.releases.find((r) => r.tag_name === 'v2')!.draft).toBe(true);
  });

  test('edits nothing when a retry finds the pair already done', async () => {
    await createGitHubReleaseStep(options()).execute(ctx);
    gh.server.requests.length = 0;
    expect(await createGitHubReleaseStep(options()).execute(ctx)).toMatchObject({ status: 'already_done' });
    expect(gh.edits()).toHaveLength(0);
  });

  test('a missing target release is a permanent 404, never a guess', async () => {
    gh.seed(['v2']);
    const err = await createGitHubReleaseStep(options()).execute(ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformError);
    expect(err).toMatchObject({ retryable: false, status: 404 });
  });

  test('severity critical on stable: makes the previous release Latest first, then deletes the bad one by its id, tag kept', async () => {
    const out = await createGitHubReleaseStep(options()).execute({ ...ctx, severity: 'critical' });
    expect(out).toEqual({ status: 'done', detail: 'v1 is Latest; v2 deleted (release id 2, tag kept)' });
    // Ordered: the Latest edit was answered before the delete was sent.
    const mutations = gh.server.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);
    expect(mutations).toEqual(['PATCH /repos/acme/app/releases/1', 'DELETE /repos/acme/app/releases/2']);
    expect(gh.edits()[0]!.body).toEqual({ make_latest: 'true' });
    expect(gh.releases.map((r) => r.tag_name)).toEqual(['v1']);
    expect(gh.latestTag).toBe('v1');
  });

  test('severity critical, delivered again: no second delete, whatever releases exist', async () => {
    gh.seed(['v0', 'v1', 'v2', 'v3'], 'v2');
    await createGitHubReleaseStep(options()).execute({ ...ctx, severity: 'critical' });
    gh.server.requests.length = 0;
    const again = await createGitHubReleaseStep(options()).execute({ ...ctx, severity: 'critical' });
    expect(again).toMatchObject({ status: 'already_done' });
    expect(gh.deletes()).toHaveLength(0);
    expect(gh.edits()).toHaveLength(0);
    expect(gh.releases.map((r) => r.tag_name)).toEqual(['v0', 'v1', 'v3']);
  });

  test('severity critical: a delete whose answer was lost is retried as already done, one release gone', async () => {
    await withOwnFake(async (own, opts) => {
      own.seed(['v1', 'v2']);
      own.server.on('DELETE', /\/releases\/2$/, (req) => {
        own.releases = own.releases.filter((r) => r.id !== Number(req.path.split('/').pop()));
        return { status: 204, dropResponse: true };
      });
      const lost = await createGitHubReleaseStep(opts).execute({ ...ctx, severity: 'critical' }).catch((e: unknown) => e);
      expect(lost).toBeInstanceOf(PlatformError);
      expect(lost).toMatchObject({ retryable: true });
      expect(await createGitHubReleaseStep(opts).execute({ ...ctx, severity: 'critical' })).toMatchObject({ status: 'already_done' });
      expect(own.deletes()).toHaveLength(1);
      expect(own.releases.map((r) => r.tag_name)).toEqual(['v1']);
    });
  });

  test('severity critical deletes nothing when the previous release cannot be made Latest', async () => {
    await withOwnFake(async (own, opts) => {
      own.seed(['v1', 'v2']);
      own.server.on('PATCH', /\/releases\/1$/, { status: 403, body: { message: 'Resource not accessible by integration' } });
      const err = await createGitHubReleaseStep(opts).execute({ ...ctx, severity: 'critical' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ retryable: false, status: 403 });
      expect(own.deletes()).toHaveLength(0);
      expect(own.releases.map((r) => r.tag_name)).toEqual(['v1', 'v2']);
    });
    gh.seed(['v2']);
    const none = await createGitHubReleaseStep(options()).execute({ ...ctx, severity: 'critical' }).catch((e: unknown) => e);
    expect(none).toMatchObject({ retryable: false, status: 404 });
    expect(gh.deletes()).toHaveLength(0);
  });

  test('describes the delete in dry-run, and the draft otherwise', () => {
    expect(createGitHubReleaseStep(options()).describe({ ...ctx, severity: 'critical' })).toContain('DELETE release v2 (severity critical; tag kept)');
    expect(createGitHubReleaseStep(options()).describe(ctx)).toContain('PATCH release v2 draft=true');
  });

  test('promotes a prerelease to a published Latest release on stable', async () => {
    gh.releases.find((r) => r.tag_name === 'v2')!.prerelease = true;
    gh.latestTag = 'v1';
    const out = await promoteGitHubRelease(options(), canary, { channel: 'beta', rolloutPercent: 100 }, { channel: 'stable', rolloutPercent: 100 });
    expect(out.status).toBe('done');
    expect(gh.edits()[0].body).toEqual({ draft: false, prerelease: false, make_latest: 'true' });
    expect(gh.latestTag).toBe('v2');
  });
});
