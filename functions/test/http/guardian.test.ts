import { spawn } from 'node:child_process';
import type { Canary } from '../../src/core/canary';
import { FakeHttpServer } from '../fakes/http-fake';
import { installGitHubGuardianRoutes, passingScenario, type GitHubScenario } from '../fakes/github-guardian';
import { call, fakeGitHubFacts, KEYS, startTestApi, type TestApi } from './harness';

let api: TestApi;
let github: FakeHttpServer;
let scenario: GitHubScenario;

const policyDoc = (extra: Record<string, unknown> = {}) => ({ checks: { protectedPaths: { owners: ['owner1'] } }, ...extra });

async function start(doc: Record<string, unknown> = policyDoc()) {
  api = await startTestApi({ github: fakeGitHubFacts(github.url), config: { get: async (name) => (name === 'guardian' ? doc : null) } });
}

beforeEach(async () => {
  scenario = passingScenario();
  github = installGitHubGuardianRoutes(new FakeHttpServer(), scenario);
  await github.start();
});
afterEach(async () => {
  await api?.close();
  await github.stop();
});

const check = (body: unknown = { release: 'v29.1.0', channel: 'alpha' }) => call(api.url, 'POST', '/guardian/check', { token: KEYS.ci, body });
const statusOf = (reply: { json: Record<string, unknown> }, name: string) => (reply.json.checks as { name: string; status: string }[]).find((c) => c.name === name)?.status;

/** Runs the real curl binary, exactly as the source document's workflow does, with --fail added. */
function curl(url: string, data: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn('curl', ['-sS', '--fail-with-body', '-X', 'POST', `${url}/guardian/check`, '-H', `Authorization: Bearer ${KEYS.ci}`, '-d', data]);
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout }));
  });
}

describe('POST /guardian/check over HTTP against a fake GitHub', () => {
  it('answers 200 with every check passing for the source document’s exact payload (default repository)', async () => {
    await start();
    const reply = await check();
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ outcome: 'pass', release: 'v29.1.0', channel: 'alpha', repository: 'acme/app', previousRelease: 'v29.0.0' });
    expect((reply.json.checks as unknown[]).length).toBe(5);
    expect(api.audit.entries.map((e) => e.action)).toEqual(['guardian_pass']);
    expect(github.calls('GET', '/repos/acme/app/compare/v29.0.0...v29.1.0')).toHaveLength(1);
  });

  it.each([
    ['protected_paths', (s: GitHubScenario) => (s.pulls[1].reviews = [{ login: 'rev9', state: 'APPROVED' }])],
    ['pr_limits', (s: GitHubScenario) => (s.pulls[0].reviews = [])],
    ['security_scan', (s: GitHubScenario) => s.codeScanning.push({ number: 5, severity: 'error', securitySeverity: 'critical', description: 'XSS' })],
    ['performance_benchmarks', (s: GitHubScenario) => (s.checkRuns[0].summary = 'render: +40%')],
    ['dependency_audit', (s: GitHubScenario) => s.dependabot.push({ number: 6, severity: 'high', pkg: 'axios', summary: 'SSRF' })],
  ])('blocks with 412 when %s fails, naming it, and audits guardian_block', async (name, breakIt) => {
    breakIt(scenario);
    await start();
    const reply = await check();
    expect(reply.status).toBe(412);
    expect(reply.json.outcome).toBe('block');
    expect(statusOf(reply, name)).toBe('fail');
    const others = (reply.json.checks as { name: string; status: string }[]).filter((c) => c.name !== name);
    expect(others.every((c) => c.status === 'pass')).toBe(true);
    expect(api.audit.entries.map((e) => e.action)).toEqual(['guardian_block']);
  });

  it('rides out GitHub 5xx answers through retries and then passes', async () => {
    let n = 0;
    github.on('GET', '/repos/:o/:r/code-scanning/alerts', () => (++n <= 2 ? { status: 503, body: { message: 'unavailable' } } : { body: [] }));
    await start();
    const reply = await check();
    expect(reply.status).toBe(200);
    expect(n).toBe(3);
  });

  it('retries past a 429 carrying retry-after and then passes', async () => {
    let n = 0;
    github.on('GET', '/repos/:o/:r/dependabot/alerts', () => (++n === 1 ? { status: 429, headers: { 'retry-after': '1' }, body: { message: 'secondary rate limit' } } : { body: [] }));
    await start();
    const reply = await check();
    expect(reply.status).toBe(200);
    expect(n).toBe(2);
  });

  it('answers within its deadline when GitHub hangs: the hanging check is error and the gate blocks with 503', async () => {
    github.on('GET', '/repos/:o/:r/dependabot/alerts', { hang: true });
    await start(policyDoc({ deadlineMs: 300 }));
    const reply = await check();
    expect(reply.status).toBe(503);
    expect(reply.headers['retry-after']).toBe('30');
    expect(statusOf(reply, 'dependency_audit')).toBe('error');
    expect(statusOf(reply, 'security_scan')).toBe('pass');
    expect((reply.json.checks as { detail: string }[]).find((c) => c.detail.includes('300 ms deadline'))).toBeDefined();
  });

  it('lets an erroring check through when its policy fails open', async () => {
    github.on('GET', '/repos/:o/:r/dependabot/alerts', { status: 404, body: { message: 'Dependabot alerts are disabled' } });
    await start(policyDoc({ checks: { protectedPaths: { owners: ['owner1'] }, dependencyAudit: { failOpen: true } } }));
    const reply = await check();
    expect(reply.status).toBe(200);
    expect(statusOf(reply, 'dependency_audit')).toBe('error');
  });

  it('post-deploy: a failing check sets the running canary’s rollback request with trigger guardian', async () => {
    scenario.dependabot.push({ number: 6, severity: 'critical', pkg: 'axios', summary: 'SSRF' });
    await start();
    const registered = await call(api.url, 'POST', '/canaries', { token: KEYS.ci, body: { platform: 'web', release: 'v29.1.0', previousRelease: 'v29.0.0', channel: 'alpha' } });
    expect(registered.status).toBe(201);
    const reply = await check({ release: 'v29.1.0', channel: 'alpha', platform: 'web', phase: 'post-deploy' });
    expect(reply.status).toBe(412);
    expect(reply.json.rollback).toMatchObject({ status: 'requested', canaryId: 'web__v29.1.0__alpha' });
    const canary = api.canaries.docs.get('web__v29.1.0__alpha') as Canary;
    expect(canary.status).toBe('rollback_requested');
    expect(canary.rollbackRequest).toMatchObject({ trigger: 'guardian', requestedBy: 'ci' });
  });

  it('stops `curl --fail` on a block and lets it through on a pass (the document’s exact curl, form-encoded)', async () => {
    await start();
    const data = '{\n  "release": "v29.1.0",\n  "channel": "alpha"\n}';
    const pass = await curl(api.url, data);
    expect(pass.code).toBe(0);
    expect(JSON.parse(pass.stdout).outcome).toBe('pass');
    scenario.dependabot.push({ number: 6, severity: 'critical', pkg: 'axios', summary: 'SSRF' });
    const block = await curl(api.url, data);
    expect(block.code).toBe(22); // curl's exit code for an HTTP status >= 400
    expect(JSON.parse(block.stdout).outcome).toBe('block');
  });
});
