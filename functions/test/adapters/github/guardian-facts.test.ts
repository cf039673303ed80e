import { createGitHubClient } from '../../../src/adapters/github/client';
import { createGitHubGuardianFacts } from '../../../src/adapters/github/guardian-facts';
import { PlatformError } from '../../../src/ports';
import { FakeHttpServer } from '../../fakes/http-fake';
import { installGitHubGuardianRoutes, passingScenario, type GitHubScenario } from '../../fakes/github-guardian';

const repo = { owner: 'acme', name: 'app' };
let fake: FakeHttpServer;
let scenario: GitHubScenario;
const facts = () =>
  createGitHubGuardianFacts(() => createGitHubClient({ token: 'test-token', baseUrl: fake.url, retry: { retryAfterBaseValue: 1 }, maxRateLimitWaitMs: 2000 }));

beforeEach(async () => {
  fake = new FakeHttpServer();
  scenario = passingScenario();
  installGitHubGuardianRoutes(fake, scenario);
  await fake.start();
});
afterEach(() => fake.stop());

describe('GitHub guardian facts through @octokit/rest', () => {
  it('lists the release diff with each merged PR, its files, size and approvers', async () => {
    scenario.pulls.push({ number: 99, mergeSha: 'not-in-release', files: [], reviews: [] });
    scenario.pulls[0].reviews = [
      { login: 'rev1', state: 'APPROVED' },
      { login: 'rev2', state: 'APPROVED' },
      { login: 'rev2', state: 'CHANGES_REQUESTED' },
      { login: 'rev3', state: 'COMMENTED' },
    ];
    const diff = (await facts().releaseDiff(repo, { base: 'v29.0.0', head: 'v29.1.0', release: 'v29.1.0' }))!;
    expect(diff.files).toEqual(['src/app.ts', 'firestore.rules']);
    expect(diff.pullRequests.map((p) => p.number)).toEqual([11, 12]);
    expect(diff.pullRequests[0]).toMatchObject({ author: 'dev1', files: ['src/app.ts'], additions: 20, deletions: 5, approvers: ['rev1'] });
    expect(fake.calls('GET', '/repos/acme/app/compare/v29.0.0...v29.1.0')).toHaveLength(1);
    expect(fake.requests[0].headers.authorization).toBe('token test-token');
  });

  it('looks the previous release up when none is given, never choosing the release itself', async () => {
    const diff = await facts().releaseDiff(repo, { base: null, head: 'abc1234', release: 'v29.1.0' });
    expect(diff?.base).toBe('v29.0.0');
    expect(fake.calls('GET', '/repos/acme/app/compare/v29.0.0...abc1234')).toHaveLength(1);
    scenario.releases = [{ tag_name: 'v29.1.0' }];
    await expect(facts().releaseDiff(repo, { base: null, head: 'v29.1.0', release: 'v29.1.0' })).resolves.toBeNull();
  });

  it('finds the newest published release other than the one being checked', async () => {
    scenario.releases = [{ tag_name: 'v29.1.0' }, { tag_name: 'v29.0.1', draft: true }, { tag_name: 'v29.0.0' }];
    await expect(facts().previousRelease(repo, 'v29.1.0')).resolves.toBe('v29.0.0');
    scenario.releases = [{ tag_name: 'v29.1.0' }];
    await expect(facts().previousRelease(repo, 'v29.1.0')).resolves.toBeNull();
  });

  it('keeps code-scanning alerts at or above the severity, mapping rule severities without a security level', async () => {
    scenario.codeScanning = [
      { number: 1, severity: 'warning', securitySeverity: 'critical', description: 'sql injection' },
      { number: 2, severity: 'error', securitySeverity: null, description: 'bad error' },
      { number: 3, severity: 'note', securitySeverity: null, description: 'style' },
      { number: 4, severity: 'warning', securitySeverity: 'medium', description: 'medium thing' },
    ];
    const alerts = await facts().codeScanningAlerts(repo, 'high');
    expect(alerts.map((a) => [a.number, a.severity])).toEqual([
      [1, 'critical'],
      [2, 'high'],
    ]);
  });

  it('asks GitHub for Dependabot alerts of the wanted severities only', async () => {
    scenario.dependabot = [
      { number: 1, severity: 'critical', pkg: 'lodash', summary: 'prototype pollution' },
      { number: 2, severity: 'medium', pkg: 'x', summary: 'y' },
    ];
    const alerts = await facts().dependabotAlerts(repo, 'high');
    expect(alerts).toEqual([expect.objectContaining({ number: 1, severity: 'critical', summary: 'lodash: prototype pollution' })]);
    expect(fake.calls('GET', '/repos/acme/app/dependabot/alerts')[0].query.get('severity')).toBe('critical,high');
  });

  it('reads check runs by name on the release ref, newest first', async () => {
    scenario.checkRuns = [
      { name: 'benchmarks', status: 'completed', conclusion: 'failure' },
      { name: 'benchmarks', status: 'completed', conclusion: 'success', summary: 'a: +1%', text: 'b: +2%' },
    ];
    const runs = await facts().checkRuns(repo, 'v29.1.0', 'benchmarks');
    expect(runs.map((r) => r.conclusion)).toEqual(['success', 'failure']);
    expect(runs[0].output).toBe('a: +1%\nb: +2%');
  });

  it('counts open issues carrying every label, leaving pull requests out', async () => {
    scenario.issues = [
      { number: 1, labels: ['P0', 'release:v29.1.0'] },
      { number: 2, labels: ['P0', 'release:v29.1.0'], pull: true },
      { number: 3, labels: ['P0', 'release:v28.0.0'] },
    ];
    await expect(facts().countOpenIssues(repo, ['P0', 'release:v29.1.0'])).resolves.toBe(1);
  });

  it('retries a 5xx and then succeeds', async () => {
    let n = 0;
    fake.on('GET', '/repos/:o/:r/dependabot/alerts', () => (++n <= 2 ? { status: 502, body: { message: 'bad gateway' } } : { body: [] }));
    await expect(facts().dependabotAlerts(repo, 'high')).resolves.toEqual([]);
    expect(n).toBe(3);
  });

  it('retries a 429 carrying retry-after and then succeeds', async () => {
    let n = 0;
    fake.on('GET', '/repos/:o/:r/dependabot/alerts', () =>
      ++n === 1 ? { status: 429, headers: { 'retry-after': '1' }, body: { message: 'You have exceeded a secondary rate limit' } } : { body: [] },
    );
    await expect(facts().dependabotAlerts(repo, 'high')).resolves.toEqual([]);
    expect(n).toBe(2);
  });

  it('reports a refusal as a non-retryable PlatformError carrying the status', async () => {
    fake.on('GET', '/repos/:o/:r/code-scanning/alerts', { status: 403, body: { message: 'Advanced Security must be enabled' } });
    const err = await facts().codeScanningAlerts(repo, 'high').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformError);
    expect(err).toMatchObject({ service: 'github', status: 403, retryable: false });
    expect((err as Error).message).toContain('Advanced Security');
  });
});
