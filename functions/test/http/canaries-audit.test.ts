import { FakeHttpServer } from '../fakes/http-fake';
import { installGitHubGuardianRoutes, passingScenario, type GitHubScenario } from '../fakes/github-guardian';
import { call, fakeGitHubFacts, KEYS, startTestApi, type TestApi } from './harness';

let api: TestApi;
let github: FakeHttpServer;
let scenario: GitHubScenario;

beforeEach(async () => {
  scenario = passingScenario();
  github = installGitHubGuardianRoutes(new FakeHttpServer(), scenario);
  await github.start();
  api = await startTestApi({ github: fakeGitHubFacts(github.url) });
});
afterEach(async () => {
  await api.close();
  await github.stop();
});

const post = (path: string, body: unknown, headers?: Record<string, string>) => call(api.url, 'POST', path, { token: KEYS.ci, body, ...(headers ? { headers } : {}) });
const get = (path: string) => call(api.url, 'GET', path, { token: KEYS.ci });
const registration = { platform: 'mobile', release: 'v29.1.0', previousRelease: 'v29.0.0', channel: 'stable', target: { playPackage: 'com.acme.app', playTrack: 'production', versionCodes: ['2901'] }, skipChannelOrder: { reason: 'beta passed on the previous Play console setup' } };

describe('canary registration', () => {
  it('registers a release with 201, then answers a repeat with 200 and the same id', async () => {
    const first = await post('/canaries', registration);
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({ id: 'mobile__v29.1.0__stable', created: true, canary: { status: 'running', release: 'v29.1.0', createdBy: 'ci' } });
    // The shipped policy starts mobile stable at the first staged percentage (10%).
    expect((first.json.canary as { rollout: { rolloutPercent: number } }).rollout.rolloutPercent).toBe(10);
    const repeat = await post('/canaries', registration);
    expect(repeat.status).toBe(200);
    expect(repeat.json).toMatchObject({ id: 'mobile__v29.1.0__stable', created: false });
    expect(api.audit.entries.filter((e) => e.action === 'canary_registered')).toHaveLength(1);
  });

  it('makes one canary out of ten concurrent registrations', async () => {
    const replies = await Promise.all(Array.from({ length: 10 }, () => post('/canaries', registration)));
    expect(replies.filter((r) => r.status === 201)).toHaveLength(1);
    expect(replies.filter((r) => r.status === 200)).toHaveLength(9);
    expect(api.canaries.docs.size).toBe(1);
  });

  it('lists canaries by status and platform and shows one with its evaluations and rollback progress', async () => {
    await post('/canaries', registration);
    await post('/canaries', { platform: 'web', release: 'v29.1.0', channel: 'alpha' });
    const mobile = await get('/canaries?platform=mobile&status=running');
    expect((mobile.json.canaries as { id: string }[]).map((c) => c.id)).toEqual(['mobile__v29.1.0__stable']);
    const one = await get('/canaries/web__v29.1.0__alpha');
    expect(one.status).toBe(200);
    expect(one.json.canary).toMatchObject({ id: 'web__v29.1.0__alpha', lastEvaluation: null, rollback: null, rollbackRequest: null });
    expect(one.json.evaluations).toEqual([]);
    expect((await get('/canaries/web__v9.9.9__alpha')).status).toBe(404);
    expect((await get('/canaries?status=exploded')).status).toBe(400);
  });
});

describe('canary gates', () => {
  it('merges posted gates, counts open P0/P1 bugs for the release from GitHub issues and audits the change', async () => {
    scenario.issues = [
      { number: 1, labels: ['P0', 'release:v29.1.0'] },
      { number: 2, labels: ['P1', 'release:v29.1.0'] },
      { number: 3, labels: ['P2', 'release:v29.1.0'] },
      { number: 4, labels: ['P0', 'release:v28.0.0'] },
    ];
    await post('/canaries', registration);
    const reply = await post('/canaries/mobile__v29.1.0__stable/gates', { loadTestPassed: true, userFeedbackScore: 4.6 });
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ gates: { loadTestPassed: true, userFeedbackScore: 4.6, openP0P1Bugs: 2 }, bugs: { count: 2 } });
    expect(api.canaries.docs.get('mobile__v29.1.0__stable')!.gates).toEqual({ loadTestPassed: true, userFeedbackScore: 4.6, openP0P1Bugs: 2 });
    expect(api.audit.entries.find((e) => e.action === 'canary_gates')).toMatchObject({ actorUid: 'ci', targetId: 'v29.1.0', meta: { open_p0_p1_bugs: 2 } });
  });

  it('leaves the bug count unknown when GitHub cannot answer, and refuses bad gates', async () => {
    github.on('GET', '/repos/:o/:r/issues', { status: 401, body: { message: 'Bad credentials' } });
    await post('/canaries', registration);
    const reply = await post('/canaries/mobile__v29.1.0__stable/gates', { securityScanPassed: true });
    expect(reply.status).toBe(200);
    expect((reply.json.bugs as { error: string }).error).toContain('Bad credentials');
    expect(api.canaries.docs.get('mobile__v29.1.0__stable')!.gates.openP0P1Bugs).toBeUndefined();
    const bad = await post('/canaries/mobile__v29.1.0__stable/gates', { userFeedbackScore: 9 });
    expect(bad.status).toBe(400);
    expect((await post('/canaries/mobile__v29.1.0__stable/gates', {})).status).toBe(400);
    expect((await post('/canaries/web__v0.0.1__alpha/gates', { loadTestPassed: true })).status).toBe(404);
  });
});

describe('the audit endpoint', () => {
  it('stores the source document’s payload as one admin_audit entry with the caller as actor', async () => {
    const reply = await post('/audit', { action: 'auto_rollback', reason: 'Error rate 8% (threshold 5%)', version: 'v28R.1' });
    expect(reply.status).toBe(201);
    expect(reply.json).toMatchObject({ id: expect.any(String), created: true });
    expect(api.audit.entries[0]).toMatchObject({ action: 'auto_rollback', actorUid: 'ci', targetId: 'v28R.1', meta: { reason: 'Error rate 8% (threshold 5%)', source: 'api' } });
  });

  it('stores the full entry shape, keeping the authenticated actor over a claimed one', async () => {
    const entry = { ts: 1697040000000, action: 'auto_rollback', actorUid: 'system', targetId: 'v28R.1', meta: { channel: 'stable', rollback_to: 'v28R.0', affected_users: 10000, trigger: 'auto-policy' } };
    expect((await post('/audit', entry)).status).toBe(201);
    expect(api.audit.entries[0]).toMatchObject({ ts: 1697040000000, actorUid: 'ci', targetId: 'v28R.1', meta: { channel: 'stable', rollback_to: 'v28R.0', claimed_actor: 'system' } });
  });

  it('writes a new entry for each call without an Idempotency-Key', async () => {
    const body = { action: 'auto_rollback', reason: 'r', version: 'v28R.1' };
    await post('/audit', body);
    await post('/audit', body);
    expect(api.audit.entries).toHaveLength(2);
  });

  it('reads the trail newest first, filtered by target and action', async () => {
    await post('/audit', { action: 'auto_rollback', version: 'v1.0.0', ts: 1 });
    await post('/audit', { action: 'auto_rollback', version: 'v1.0.0', ts: 3 });
    await post('/audit', { action: 'manual_note', version: 'v1.0.0', ts: 2 });
    await post('/audit', { action: 'auto_rollback', version: 'v2.0.0', ts: 4 });
    const reply = await get('/audit?targetId=v1.0.0&action=auto_rollback&limit=10');
    expect((reply.json.entries as { ts: number }[]).map((e) => e.ts)).toEqual([3, 1]);
    expect((await get('/audit?limit=0')).status).toBe(400);
  });
});

describe('GET /openapi.json', () => {
  it('describes every endpoint with request schemas generated from the validators', async () => {
    const reply = await get('/openapi.json');
    expect(reply.status).toBe(200);
    const paths = reply.json.paths as Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown>; required?: string[] } }> } }>>;
    expect(Object.keys(paths).sort()).toEqual(['/audit', '/audit/seal', '/canaries', '/canaries/{id}', '/canaries/{id}/evaluations', '/canaries/{id}/gates', '/canaries/{id}/mttr/clear', '/canaries/{id}/readiness', '/guardian/check', '/incidents', '/incidents/mttr', '/incidents/{id}', '/notifications/dead', '/openapi.json', '/rollback']);
    const gate = paths['/guardian/check'].post.requestBody!.content['application/json'].schema;
    expect(Object.keys(gate.properties)).toEqual(expect.arrayContaining(['release', 'channel', 'platform', 'repository', 'sha', 'ref', 'previousRelease', 'phase']));
    expect(gate.required).toEqual(['release', 'channel']);
  });
});
