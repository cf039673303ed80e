import type { Octokit } from '@octokit/rest';
import { createGitHubClient, type GitHubClientOptions } from '../../../src/adapters/github/client';
import { FakeHttpServer, type FakeReply } from '../../fakes/http-fake';

/**
 * GitHub's rate-limit answers, scripted on a fake GitHub, through the production client: no
 * request before the time GitHub allowed, a wait past the budget fails at once saying why, and
 * 5xx answers are retried as plugin-retry did.
 */
let fake: FakeHttpServer;
beforeEach(async () => {
  fake = new FakeHttpServer();
  await fake.start();
});
afterEach(() => fake.stop());

const client = (over: Partial<GitHubClientOptions> = {}): Promise<Octokit> =>
  createGitHubClient({ token: 'limits-token', baseUrl: fake.url, retry: { retryAfterBaseValue: 1 }, maxRateLimitWaitMs: 5_000, ...over });
const alerts = (gh: Octokit, request: Record<string, unknown> = {}) => gh.dependabot.listAlertsForRepo({ owner: 'acme', repo: 'app', request });
const ALERTS = '/repos/acme/app/dependabot/alerts';

/** Answers `first` once (per `times`), then 200 []. */
function refuseThenAnswer(path: string, first: FakeReply, times = 1): void {
  let n = 0;
  fake.on('GET', path, () => (++n <= times ? first : { body: [] }));
}

const epochSeconds = (ms: number) => Math.ceil(ms / 1000);

describe('GitHub rate limits through the production client', () => {
  it('waits out a 429 with Retry-After before asking again, then succeeds', async () => {
    refuseThenAnswer(ALERTS, { status: 429, headers: { 'retry-after': '1' }, body: { message: 'You have exceeded a secondary rate limit' } });
    const { data } = await alerts(await client());
    expect(data).toEqual([]);
    const [refused, retried] = fake.calls('GET', ALERTS);
    expect(retried.at - refused.at).toBeGreaterThanOrEqual(1000);
  });

  it('waits until one second past x-ratelimit-reset when the primary limit is used up, then succeeds', async () => {
    const reset = epochSeconds(Date.now() + 500);
    refuseThenAnswer(ALERTS, { status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) }, body: { message: 'API rate limit exceeded' } });
    await alerts(await client());
    const [, retried] = fake.calls('GET', ALERTS);
    expect(retried.at).toBeGreaterThanOrEqual(reset * 1000 + 1000);
  });

  it('fails at once, saying why, when the primary limit resets after the caller’s deadline', async () => {
    const reset = epochSeconds(Date.now() + 3_600_000);
    fake.on('GET', ALERTS, { status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) }, body: { message: 'API rate limit exceeded' } });
    const started = Date.now();
    const err = (await alerts(await client({ maxRateLimitWaitMs: 60_000 }), { deadline: started + 2_000 }).catch((e: unknown) => e)) as Error & { status: number; retryAt: number };
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(err.status).toBe(403);
    expect(err.retryAt).toBe(reset * 1000 + 1000);
    expect(err.message).toMatch(/primary rate limit is used up.*would pass the caller's deadline.*API rate limit exceeded/);
    expect(fake.calls('GET', ALERTS)).toHaveLength(1);
  });

  it('gives up on a secondary limit without Retry-After (at least 60 s) longer than the client may wait, keeping GitHub’s words', async () => {
    fake.on('GET', ALERTS, { status: 403, body: { message: 'You have exceeded a secondary rate limit' } });
    const started = Date.now();
    const err = (await alerts(await client({ maxRateLimitWaitMs: 2_000 })).catch((e: unknown) => e)) as Error & { retryAt: number };
    expect(err.retryAt).toBeGreaterThanOrEqual(started + 60_000);
    expect(err.message).toMatch(/longer than this client may wait.*secondary rate limit/);
    expect(fake.calls('GET', ALERTS)).toHaveLength(1);
  });

  it('sends no request of the same token, on any route or client, before a limit another request met has expired', async () => {
    refuseThenAnswer(ALERTS, { status: 429, headers: { 'retry-after': '1' }, body: { message: 'secondary rate limit' } });
    fake.on('GET', '/repos/acme/app/code-scanning/alerts', { body: [] });
    const first = alerts(await client());
    while (fake.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    const other = await client();
    await other.codeScanning.listAlertsForRepo({ owner: 'acme', repo: 'app' });
    await first;
    const refusedAt = fake.calls('GET', ALERTS)[0].at;
    expect(fake.calls('GET', '/repos/acme/app/code-scanning/alerts')[0].at - refusedAt).toBeGreaterThanOrEqual(1000);
  });

  it('lets a plain 403 (missing rights) through without waiting or retrying', async () => {
    fake.on('GET', ALERTS, { status: 403, body: { message: 'Resource not accessible by integration' } });
    const err = (await alerts(await client()).catch((e: unknown) => e)) as { status: number };
    expect(err.status).toBe(403);
    expect(fake.calls('GET', ALERTS)).toHaveLength(1);
  });

  it('retries a 5xx three times, (n+1)^2 x the base apart, and not a 404', async () => {
    fake.on('GET', ALERTS, { status: 502, body: { message: 'bad gateway' } });
    const err = (await alerts(await client({ retry: { retryAfterBaseValue: 20 } })).catch((e: unknown) => e)) as { status: number };
    expect(err.status).toBe(502);
    const at = fake.calls('GET', ALERTS).map((r) => r.at);
    expect(at).toHaveLength(4);
    expect([at[1] - at[0], at[2] - at[1], at[3] - at[2]].map((gap, i) => gap >= [20, 80, 180][i])).toEqual([true, true, true]);
    fake.on('GET', '/repos/acme/app/code-scanning/alerts', { status: 404, body: { message: 'no analysis' } });
    await expect((await client()).codeScanning.listAlertsForRepo({ owner: 'acme', repo: 'app' })).rejects.toMatchObject({ status: 404 });
    expect(fake.calls('GET', '/repos/acme/app/code-scanning/alerts')).toHaveLength(1);
  });

  it('keeps at most maxConcurrent requests of one token in flight', async () => {
    let inFlight = 0;
    let most = 0;
    fake.on('GET', ALERTS, async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 30));
      inFlight -= 1;
      return { body: [] };
    });
    const gh = await client({ maxConcurrent: 2 });
    await Promise.all(Array.from({ length: 6 }, () => alerts(gh)));
    expect(fake.calls('GET', ALERTS)).toHaveLength(6);
    expect(most).toBe(2);
  });

  it('spaces writes one second apart, as GitHub asks of mutating requests', async () => {
    fake.on('POST', '/repos/acme/app/dispatches', { status: 204 });
    const gh = await client();
    await Promise.all([1, 2].map(() => gh.repos.createDispatchEvent({ owner: 'acme', repo: 'app', event_type: 'x' })));
    const [a, b] = fake.calls('POST', '/repos/acme/app/dispatches').map((r) => r.at);
    // Stamped on arrival at the fake: the first write's own transit (tens of ms on a busy machine) is inside the gap.
    expect(b - a).toBeGreaterThanOrEqual(900);
  });
});
