import { FakeHttpServer } from '../fakes/http-fake';
import { installGitHubGuardianRoutes, passingScenario, type GitHubScenario } from '../fakes/github-guardian';
import { call, fakeGitHubFacts, KEYS, startTestApi, type TestApi } from './harness';

/**
 * What the gate's caches may not hide, and what it does when GitHub's rate limit outlasts it:
 * two gates of the same release through one API (one facts object, so its cache is warm).
 */
let api: TestApi;
let github: FakeHttpServer;
let scenario: GitHubScenario;

/** The harness's client waits at most 2 s for a limit; the gate's deadline may be shorter. */
async function startApi(deadlineMs: number): Promise<void> {
  await api?.close();
  const doc = { checks: { protectedPaths: { owners: ['owner1'] } }, deadlineMs };
  api = await startTestApi({ github: fakeGitHubFacts(github.url), config: { get: async (name) => (name === 'guardian' ? doc : null) } });
}

beforeEach(async () => {
  scenario = passingScenario();
  github = installGitHubGuardianRoutes(new FakeHttpServer(), scenario);
  await github.start();
  await startApi(5_000);
});
afterEach(async () => {
  await api.close();
  await github.stop();
});

const gate = () => call(api.url, 'POST', '/guardian/check', { token: KEYS.ci, body: { release: 'v29.1.0', channel: 'beta', previousRelease: 'v29.0.0' } });
type Check = { name: string; status: string; detail: string };
const checkOf = (reply: { json: Record<string, unknown> }, name: string) => (reply.json.checks as Check[]).find((c) => c.name === name)!;

describe('no cache hides a new fact from the next gate of the same release', () => {
  it('a security alert opened between two gates fails the second', async () => {
    expect((await gate()).status).toBe(200);
    scenario.codeScanning.push({ number: 7, severity: 'error', securitySeverity: 'critical', description: 'SQL injection' });
    scenario.dependabot.push({ number: 8, severity: 'critical', pkg: 'lodash', summary: 'prototype pollution' });
    const second = await gate();
    expect(second.status).toBe(412);
    expect(checkOf(second, 'security_scan')).toMatchObject({ status: 'fail', detail: expect.stringContaining('SQL injection') as string });
    expect(checkOf(second, 'dependency_audit')).toMatchObject({ status: 'fail', detail: expect.stringContaining('lodash') as string });
    // The diff itself came from the cache: only the facts that can change were read again.
    expect(github.calls('GET', /\/compare\//)).toHaveLength(1);
  });

  it('a failing benchmark check run on the release between two gates fails the second', async () => {
    expect((await gate()).status).toBe(200);
    scenario.checkRuns = [{ name: 'benchmarks', status: 'completed', conclusion: 'failure', summary: 'render: +45%' }];
    const second = await gate();
    expect(second.status).toBe(412);
    expect(checkOf(second, 'performance_benchmarks')).toMatchObject({ status: 'fail', detail: expect.stringContaining('concluded failure') as string });
  });

  it('an owner’s approval withdrawn between two gates fails the second', async () => {
    expect((await gate()).status).toBe(200);
    scenario.pulls[1].reviews.push({ login: 'owner1', state: 'DISMISSED' });
    const second = await gate();
    expect(second.status).toBe(412);
    expect(checkOf(second, 'protected_paths')).toMatchObject({ status: 'fail', detail: expect.stringContaining('firestore.rules') as string });
  });
});

describe('the gate under GitHub’s primary rate limit', () => {
  it('answers 503 at once, well before its deadline, saying the limit outlasts it, when the reset is an hour away', async () => {
    const reset = Math.ceil(Date.now() / 1000) + 3600;
    github.on('GET', '/repos/:o/:r/dependabot/alerts', { status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) }, body: { message: 'API rate limit exceeded' } });
    await startApi(1_500);
    const started = Date.now();
    const reply = await gate();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(reply.status).toBe(503);
    const detail = checkOf(reply, 'dependency_audit').detail;
    expect(detail).toMatch(/primary rate limit is used up .*until .*would pass the caller's deadline/);
    expect(github.calls('GET', /\/dependabot\/alerts$/)).toHaveLength(1);
  });

  it('waits for a reset that comes within its deadline and then passes', async () => {
    const reset = Math.ceil(Date.now() / 1000);
    let refused = false;
    github.on('GET', '/repos/:o/:r/dependabot/alerts', () =>
      refused ? { body: [] } : ((refused = true), { status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) }, body: { message: 'API rate limit exceeded' } }),
    );
    const reply = await gate();
    expect(reply.status).toBe(200);
    const [, retried] = github.calls('GET', /\/dependabot\/alerts$/);
    expect(retried.at).toBeGreaterThanOrEqual(reset * 1000 + 1000);
  });
});
