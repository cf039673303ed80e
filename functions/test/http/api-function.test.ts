import type { Firestore } from 'firebase-admin/firestore';
import { useDb } from '../../src/adapters/firestore';
import { api } from '../../src/functions/api';
import { FakeHttpServer } from '../fakes/http-fake';
import { installGitHubGuardianRoutes, passingScenario, type GitHubScenario } from '../fakes/github-guardian';
import { testFirestore } from '../support/firestore';
import { call, listen } from './harness';

const KEY = 'ci-key-0123456789abcdef';
let github: FakeHttpServer;
let scenario: GitHubScenario;
let fs: ReturnType<typeof testFirestore>;
let db: Firestore;
let server: { url: string; close: () => Promise<void> };

beforeAll(async () => {
  scenario = passingScenario();
  github = installGitHubGuardianRoutes(new FakeHttpServer(), scenario);
  await github.start();
  fs = testFirestore('api-function');
  db = fs.db;
  useDb(db);
  // What Secret Manager and the params would provide in production.
  Object.assign(process.env, {
    API_KEYS: JSON.stringify({ 'release-ci': KEY }),
    GITHUB_TOKEN: 'gh-test-token',
    GITHUB_API_URL: github.url,
    DEFAULT_REPOSITORY: 'acme/app',
    OIDC_POLICY: '',
  });
  await db.collection('config').doc('guardian').set({ deadlineMs: 5000, checks: { protectedPaths: { owners: ['owner1'] } } });
  // Hosting and Play would need Google credentials (never reached from tests): switched off, as a
  // deployment without them does; readiness then proves the GitHub dispatch only.
  await db.collection('config').doc('rollback').set({ disabled: ['hosting_release', 'play_halt'] });
  // The exported HTTPS function itself, behind a real HTTP server (wrap() cannot wrap onRequest).
  server = await listen((req, res) => void api(req as never, res as never));
});

afterAll(async () => {
  await server.close();
  await github.stop();
  useDb(undefined);
  await fs.close();
  for (const k of ['API_KEYS', 'GITHUB_TOKEN', 'GITHUB_API_URL', 'DEFAULT_REPOSITORY', 'OIDC_POLICY']) delete process.env[k];
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) => call(server.url, 'POST', path, { token: KEY, body, headers });

describe('the deployed api function through Firestore', () => {
  it('refuses a call without credentials and one with a wrong key', async () => {
    expect((await call(server.url, 'GET', '/canaries')).status).toBe(401);
    expect((await call(server.url, 'GET', '/canaries', { token: KEY.replace('c', 'd') })).status).toBe(401);
  });

  it('runs the gate for the source document’s payload and writes guardian_pass to admin_audit', async () => {
    const reply = await post('/guardian/check', { release: 'v29.1.0', channel: 'alpha' });
    expect(reply.status).toBe(200);
    expect(reply.json.policySource).toBe('stored');
    const doc = await db.collection('admin_audit').doc(String(reply.json.auditId)).get();
    expect(doc.data()).toMatchObject({ action: 'guardian_pass', actorUid: 'release-ci', targetId: 'v29.1.0' });
    expect(JSON.stringify(doc.data())).not.toContain(KEY);
  });

  it('blocks with 412 and audits guardian_block when a check fails', async () => {
    scenario.dependabot.push({ number: 9, severity: 'critical', pkg: 'axios', summary: 'SSRF' });
    const reply = await post('/guardian/check', { release: 'v29.1.0', channel: 'beta' });
    scenario.dependabot.pop();
    expect(reply.status).toBe(412);
    const doc = await db.collection('admin_audit').doc(String(reply.json.auditId)).get();
    expect(doc.get('action')).toBe('guardian_block');
  });

  it('registers one canary out of concurrent registrations in Firestore', async () => {
    const body = { platform: 'web', release: 'v29.1.0', previousRelease: 'v29.0.0', channel: 'beta', target: { hostingSite: 'acme', hostingChannel: 'beta' }, skipChannelOrder: { reason: 'hotfix verified on staging' } };
    const replies = await Promise.all(Array.from({ length: 6 }, () => post('/canaries', body)));
    expect(replies.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    const snap = await db.collection('canaries').where('release', '==', 'v29.1.0').get();
    expect(snap.docs.map((d) => d.id)).toEqual(['web__v29.1.0__beta']);
    const one = await call(server.url, 'GET', '/canaries/web__v29.1.0__beta', { token: KEY });
    expect(one.json.canary).toMatchObject({ status: 'running', target: { hostingSite: 'acme' } });
    // Readiness ran through the production wiring at registration, against the fake GitHub.
    const readiness = (one.json.canary as { readiness: { failed: string[] } | null }).readiness;
    expect(readiness).not.toBeNull();
    expect(readiness!.failed.every((f) => f.startsWith('dispatch:'))).toBe(true);
  });

  it('post-deploy: a failing check writes the rollback request onto the Firestore canary and lists it', async () => {
    const reg = await post('/canaries', { platform: 'desktop', release: 'v29.1.0', previousRelease: 'v29.0.0', channel: 'stable', skipChannelOrder: { reason: 'guardian test' } });
    expect(reg.status).toBe(201);
    scenario.codeScanning.push({ number: 8, severity: 'error', securitySeverity: 'critical', description: 'RCE' });
    const reply = await post('/guardian/check', { release: 'v29.1.0', channel: 'stable', platform: 'desktop', phase: 'post-deploy' });
    scenario.codeScanning.pop();
    expect(reply.status).toBe(412);
    expect(reply.json.rollback).toMatchObject({ status: 'requested', generation: 1 });
    const doc = await db.collection('canaries').doc('desktop__v29.1.0__stable').get();
    expect(doc.get('status')).toBe('rollback_requested');
    expect(doc.get('rollbackRequest')).toMatchObject({ trigger: 'guardian', requestedBy: 'release-ci', generation: 1 });
    const listed = await call(server.url, 'GET', '/canaries?status=rollback_requested&platform=desktop', { token: KEY });
    expect((listed.json.canaries as { id: string }[]).map((c) => c.id)).toEqual(['desktop__v29.1.0__stable']);
  });

  it('stores one admin_audit entry per Idempotency-Key and reads the trail back newest first', async () => {
    const body = { action: 'auto_rollback', reason: 'Error rate 8% (threshold 5%)', version: 'v28R.1' };
    const headers = { 'Idempotency-Key': 'gha-run-7-1' };
    // Concurrent: one runs; the other is told it is in flight (409) or, if the first already answered, gets its answer.
    const [a, b] = await Promise.all([post('/audit', body, headers), post('/audit', body, headers)]);
    const first = a.status === 201 && !a.headers['idempotent-replayed'] ? a : b;
    expect(first.status).toBe(201);
    expect([409, 201]).toContain([a, b].find((r) => r !== first)!.status);
    // Sequential repeat: the first answer again.
    const repeat = await post('/audit', body, headers);
    expect(repeat.status).toBe(201);
    expect(repeat.json.id).toBe(first.json.id);
    expect(repeat.headers['idempotent-replayed']).toBe('true');
    const trail = await call(server.url, 'GET', '/audit?targetId=v28R.1', { token: KEY });
    expect(trail.status).toBe(200);
    expect((trail.json.entries as unknown[]).length).toBe(1);
    expect(trail.json.entries).toEqual([expect.objectContaining({ action: 'auto_rollback', actorUid: 'release-ci', meta: expect.objectContaining({ reason: body.reason }) })]);
  });

  it('refuses an oversized body with 413 and writes nothing', async () => {
    const before = (await db.collection('admin_audit').get()).size;
    const reply = await post('/audit', { action: 'auto_rollback', version: 'v1.0.0', reason: 'x'.repeat(65 * 1024) });
    expect(reply.status).toBe(413);
    expect((await db.collection('admin_audit').get()).size).toBe(before);
  });
});
