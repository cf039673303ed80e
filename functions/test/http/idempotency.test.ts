import { createFirestoreAuditLog, createFirestoreCanaryStore, createFirestoreConfigStore, createFirestoreIdempotencyStore } from '../../src/adapters/firestore';
import { createApp } from '../../src/http/app';
import { createAuthenticator } from '../../src/http/auth';
import type { ApiDeps } from '../../src/http/deps';
import { FakeHttpServer } from '../fakes/http-fake';
import { installGitHubGuardianRoutes, passingScenario } from '../fakes/github-guardian';
import { testFirestore } from '../support/firestore';
import { call, fakeGitHubFacts, listen } from './harness';

/**
 * H11: one Idempotency-Key, one meaning, on every mutating route, through HTTP against the app on
 * the Firestore adapters (the records, the canaries and the audit trail all in Firestore).
 */
const KEY = 'idem-key-0123456789abcdef';
const OTHER = 'idem-other-0123456789abcdef';
const store = testFirestore('idempotency');
const github = installGitHubGuardianRoutes(new FakeHttpServer(), passingScenario());
const audit = createFirestoreAuditLog(store.db);
let server: { url: string; close: () => Promise<void> };

beforeAll(async () => {
  await github.start();
  const deps: ApiDeps = {
    canaries: createFirestoreCanaryStore(store.db),
    audit,
    config: createFirestoreConfigStore(store.db),
    idempotency: createFirestoreIdempotencyStore(store.db),
    clock: { now: () => Date.now() },
    github: fakeGitHubFacts(github.url),
    authenticate: createAuthenticator({ apiKeys: () => ({ ci: KEY, other: OTHER }) }),
    defaultRepository: 'acme/app',
    rateLimit: { capacity: 10_000, refillPerSecond: 10_000 },
    log: () => undefined,
  };
  server = await listen(createApp(deps));
});
afterAll(async () => {
  await server.close();
  await github.stop();
  await store.close();
});

const post = (path: string, body: unknown, key?: string, token = KEY) => call(server.url, 'POST', path, { token, body, headers: key ? { 'idempotency-key': key } : {} });
const canaryDoc = async (id: string) => (await store.db.doc(`canaries/${id}`).get()).data() as Record<string, unknown> & { gates: Record<string, unknown>; status: string; rollbackRequest?: { generation: number } };
let n = 0;
/** A release of its own per test, so tests never see each other's canaries. */
const freshRelease = () => `v${++n}.0.${Date.now() % 100000}`;

async function register(release: string): Promise<string> {
  const reply = await post('/canaries', { platform: 'web', release, previousRelease: 'v0.9.0', channel: 'alpha' });
  expect(reply.status).toBe(201);
  return reply.json.id as string;
}

describe('Idempotency-Key on every mutating route (H11)', () => {
  it('gates: run-1 with loadTestPassed true, then run-1 with false is refused with 422 and the gates and the audit stay true', async () => {
    const id = await register(freshRelease());
    const first = await post(`/canaries/${id}/gates`, { loadTestPassed: true }, `gates-run-1-${id}`);
    expect(first.status).toBe(200);
    const second = await post(`/canaries/${id}/gates`, { loadTestPassed: false }, `gates-run-1-${id}`);
    expect(second.status).toBe(422);
    expect(second.json.error).toBe('idempotency_key_reused');
    expect((await canaryDoc(id)).gates.loadTestPassed).toBe(true);
    const entries = await audit.list({ action: 'canary_gates' });
    const mine = entries.filter((e) => e.meta.canary_id === id);
    expect(mine).toHaveLength(1);
    expect(mine[0].meta.gates).toEqual({ loadTestPassed: true });
    // The same key with the same body: the first answer again, byte for byte, nothing new.
    const again = await post(`/canaries/${id}/gates`, { loadTestPassed: true }, `gates-run-1-${id}`);
    expect(again.status).toBe(200);
    expect(again.text).toBe(first.text);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect((await audit.list({ action: 'canary_gates' })).filter((e) => e.meta.canary_id === id)).toHaveLength(1);
  });

  it('guardian: one key for v6.0.0 then v8.0.0 answers 422 for v8.0.0, audits nothing for it and leaves its canary alone', async () => {
    const v8 = freshRelease();
    const id8 = await register(v8);
    const key = `gate-${v8}`;
    const first = await post('/guardian/check', { release: 'v6.0.0', channel: 'alpha', previousRelease: 'v5.0.0' }, key);
    // Blocked (a protected path changed without its owner's approval): an answer all the same.
    expect(first.status).toBe(412);
    const second = await post('/guardian/check', { release: v8, channel: 'alpha', platform: 'web', previousRelease: 'v0.9.0' }, key);
    expect(second.status).toBe(422);
    expect(await audit.list({ targetId: v8, action: 'guardian_pass' })).toHaveLength(0);
    expect(await audit.list({ targetId: v8, action: 'guardian_block' })).toHaveLength(0);
    expect((await canaryDoc(id8)).gates.guardianPassed).toBeUndefined();
    const replay = await post('/guardian/check', { release: 'v6.0.0', channel: 'alpha', previousRelease: 'v5.0.0' }, key);
    expect(replay.json.auditId).toBe(first.json.auditId);
    expect(replay.text).toBe(first.text);
  });

  it('rollback: the same key replayed after the rollback failed answers the first 202 again and starts no second rollback', async () => {
    const release = freshRelease();
    const id = await register(release);
    const key = `rollback-${release}`;
    const first = await post('/rollback', { version: release, reason: 'Critical bug in auth flow' }, key);
    expect(first.status).toBe(202);
    expect(first.json).toMatchObject({ canaryId: id, status: 'requested', generation: 1 });
    // The rollback ran and failed (as the trigger records it).
    await store.db.doc(`canaries/${id}`).update({ status: 'rollback_failed' });
    const replay = await post('/rollback', { version: release, reason: 'Critical bug in auth flow' }, key);
    expect(replay.status).toBe(202);
    expect(replay.text).toBe(first.text);
    const after = await canaryDoc(id);
    expect(after.status).toBe('rollback_failed');
    expect(after.rollbackRequest?.generation).toBe(1);
    // A person asking again with a new key does start the next attempt.
    const fresh = await post('/rollback', { version: release, reason: 'Critical bug in auth flow' }, `${key}-2`);
    expect(fresh.json).toMatchObject({ status: 'requested', generation: 2 });
  });

  it('audit and registration: a key reused with another body (or on another route) is 422, and the same body replays', async () => {
    const release = freshRelease();
    const key = `audit-${release}`;
    const first = await post('/audit', { action: 'auto_rollback', version: release, reason: 'one' }, key);
    expect(first.status).toBe(201);
    expect((await post('/audit', { action: 'auto_rollback', version: release, reason: 'two' }, key)).status).toBe(422);
    expect((await post('/canaries', { platform: 'web', release, channel: 'alpha' }, key)).status).toBe(422);
    // Key order and whitespace do not make another request.
    const same = await post('/audit', `{ "reason": "one", "version": "${release}", "action": "auto_rollback" }`, key);
    expect(same.status).toBe(201);
    expect(same.text).toBe(first.text);
    expect(await audit.list({ targetId: release })).toHaveLength(1);
    expect(await store.db.collection('canaries').where('release', '==', release).get()).toHaveProperty('size', 0);
    // Another caller's key of the same name is another key.
    expect((await post('/audit', { action: 'auto_rollback', version: release, reason: 'two' }, key, OTHER)).status).toBe(201);
  });

  it('answers 409 with Retry-After while the first request with the key is still running, then replays its answer', async () => {
    const release = freshRelease();
    // GitHub answers the first request only once the second has been answered: no sleep decides
    // which request holds the key, however slowly this machine runs.
    let reached!: () => void;
    const running = new Promise<void>((resolve) => (reached = resolve));
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    github.on('GET', '/repos/:owner/:repo/compare/:basehead', async () => {
      reached();
      await answered;
      return { body: { total_commits: 0, commits: [], files: [] } };
    });
    const key = `slow-${release}`;
    const body = { release, channel: 'alpha', previousRelease: 'v0.9.0' };
    const slow = post('/guardian/check', body, key);
    await running;
    const during = await post('/guardian/check', body, key).finally(answer);
    expect(during.status).toBe(409);
    expect(during.json.error).toBe('idempotency_key_in_flight');
    expect(Number(during.headers['retry-after'])).toBeGreaterThan(0);
    const first = await slow;
    expect(first.status).toBe(200);
    const after = await post('/guardian/check', body, key);
    expect(after.text).toBe(first.text);
    expect(await audit.list({ targetId: release })).toHaveLength(1);
  });

  it('refuses a malformed key with 400 naming the header, before anything runs', async () => {
    const reply = await post('/audit', { action: 'auto_rollback', version: 'v1.0.0' }, 'has space');
    expect(reply.status).toBe(400);
    expect(reply.json.in).toBe('header');
  });
});

describe('the Firestore idempotency store', () => {
  const records = createFirestoreIdempotencyStore(store.db);
  // A claim goes stale after 3 s here, so the checks that it is still in flight have 3 s on a slow
  // machine (1.5 s left them little margin under load), and the wait below outlasts it.
  const STALE_MS = 3000;
  const expiring = createFirestoreIdempotencyStore(store.db, { staleAfterMs: STALE_MS });

  it('lets one of ten concurrent first uses of a key run; the others are told it is in flight', async () => {
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => records.begin('ci\nconcurrent', 'fp', { actor: 'ci', route: 'POST /audit' })));
    expect(outcomes.filter((o) => o.kind === 'run')).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === 'in_flight')).toHaveLength(9);
  });

  it('recovers a claim left in flight by a crashed request after the stale time; the dead claim can no longer complete', async () => {
    const dead = await expiring.begin('ci\ncrashed', 'fp', { actor: 'ci', route: 'POST /rollback' });
    expect(dead.kind).toBe('run');
    expect((await expiring.begin('ci\ncrashed', 'fp', { actor: 'ci', route: 'POST /rollback' })).kind).toBe('in_flight');
    expect((await expiring.begin('ci\ncrashed', 'other', { actor: 'ci', route: 'POST /rollback' })).kind).toBe('mismatch');
    await new Promise((r) => setTimeout(r, STALE_MS + 200));
    const retry = await expiring.begin('ci\ncrashed', 'fp', { actor: 'ci', route: 'POST /rollback' });
    expect(retry).toMatchObject({ kind: 'run', tookOver: true });
    if (dead.kind !== 'run' || retry.kind !== 'run') throw new Error('unreachable');
    expect(await expiring.complete('ci\ncrashed', dead.claim, { status: 500, body: '{}', headers: {} })).toBe(false);
    expect(await expiring.complete('ci\ncrashed', retry.claim, { status: 202, body: '{"ok":true}', headers: {} })).toBe(true);
    expect(await expiring.begin('ci\ncrashed', 'fp', { actor: 'ci', route: 'POST /rollback' })).toEqual({ kind: 'replay', answer: { status: 202, body: '{"ok":true}', headers: {} } });
  });

  it('forgets a released claim (the request failed with 5xx), so a retry runs afresh', async () => {
    const first = await records.begin('ci\nreleased', 'fp', { actor: 'ci', route: 'POST /audit' });
    if (first.kind !== 'run') throw new Error('expected to run');
    await records.release('ci\nreleased', first.claim);
    expect(await records.begin('ci\nreleased', 'fp', { actor: 'ci', route: 'POST /audit' })).toMatchObject({ kind: 'run', tookOver: false });
  });
});
