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

  test('promotes a prerelease to a published Latest release on stable', async () => {
    gh.releases.find((r) => r.tag_name === 'v2')!.prerelease = true;
    gh.latestTag = 'v1';
    const out = await promoteGitHubRelease(options(), canary, { channel: 'beta', rolloutPercent: 100 }, { channel: 'stable', rolloutPercent: 100 });
    expect(out.status).toBe('done');
    expect(gh.edits()[0].body).toEqual({ draft: false, prerelease: false, make_latest: 'true' });
    expect(gh.latestTag).toBe('v2');
  });
});
