import type { Firestore } from 'firebase-admin/firestore';
import { createFirestoreAuditLog, createFirestoreCanaryStore, createFirestoreIdempotencyStore } from '../../src/adapters/firestore';
import { auditEntryId } from '../../src/adapters/firestore/audit-schema';
import { requestRollback } from '../../src/app/rollback/request';
import { createApp } from '../../src/http/app';
import type { ApiDeps } from '../../src/http/deps';
import type { AuditLog, CanaryStore } from '../../src/ports';
import { FakeHttpServer } from '../fakes/http-fake';
import { installGitHubGuardianRoutes, passingScenario } from '../fakes/github-guardian';
import { officialEmulator, testFirestore } from '../support/firestore';
import { call, fakeGitHubFacts, listen } from './harness';

/**
 * Issue 10 §3 and §1 for the HTTP routes that change state: a request's state change and its audit
 * entry are one unit (never one without the other, under failure and under concurrency), and the
 * gates and guardian writes land only on the version they were judged from. Only the official
 * emulator isolates transactions, so these run there (`npm test` starts it).
 */
const onEmulator = officialEmulator ? describe : describe.skip;
const suffix = officialEmulator ? '' : ' (skipped: needs the official Firestore emulator, which isolates transactions)';

/** A real Firestore AuditLog on a client that has been terminated: every append fails, as on an outage. */
async function failingAuditLog(): Promise<{ audit: AuditLog; close: () => Promise<void> }> {
  const dead = testFirestore('dead-audit');
  await dead.db.terminate();
  return { audit: createFirestoreAuditLog(dead.db), close: dead.close };
}

onEmulator(`a mutating request's state change and its audit entry are one unit${suffix}`, () => {
  let fs: ReturnType<typeof testFirestore>;
  let db: Firestore;
  let canaries: CanaryStore;
  let github: FakeHttpServer;
  let api: { url: string; close: () => Promise<void> } | undefined;

  beforeEach(async () => {
    fs = testFirestore('audited');
    db = fs.db;
    canaries = createFirestoreCanaryStore(db);
    github = installGitHubGuardianRoutes(new FakeHttpServer(), passingScenario());
    await github.start();
  });
  afterEach(async () => {
    await api?.close();
    api = undefined;
    await github.stop();
    await fs.close();
  });

  async function start(over: Partial<ApiDeps> = {}) {
    const deps: ApiDeps = {
      canaries,
      audit: createFirestoreAuditLog(db),
      idempotency: createFirestoreIdempotencyStore(db),
      clock: { now: () => Date.now() },
      github: fakeGitHubFacts(github.url),
      defaultRepository: 'acme/app',
      authenticate: async () => ({ ok: true, caller: { actor: 'ci', kind: 'api_key' } }),
      log: () => undefined,
      // The fake repository's protected file was approved by owner1: every check passes.
      config: { get: async (name) => (name === 'guardian' ? { checks: { protectedPaths: { owners: ['owner1'] } } } : null) },
      ...over,
    };
    api = await listen(createApp(deps));
    return api.url;
  }
  const post = (url: string, path: string, body: unknown, key?: string) =>
    call(url, 'POST', path, { token: 'k', body, headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) } });
  const entries = async (action: string) => (await db.collection('admin_audit').where('action', '==', action).get()).docs.map((d) => d.data());
  const canary = async (id: string) => (await db.doc(`canaries/${id}`).get()).data();
  const registration = { platform: 'web', release: 'v7.1.0', previousRelease: 'v7.0.0', channel: 'alpha' };
  const ID = 'web__v7.1.0__alpha';

  it('a registration whose audit entry cannot be stored leaves no canary, and registers with its entry once the obstacle is gone', async () => {
    const url = await start();
    // A leftover notification item under the entry's id makes the entry's write fail inside Firestore.
    const obstacle = db.collection('notification_outbox').doc(auditEntryId(`canary_registered:${ID}`));
    await obstacle.set({ leftover: true });
    const failed = await post(url, '/canaries', registration);
    expect(failed.status).toBe(500);
    expect(await canary(ID)).toBeUndefined();
    expect(await entries('canary_registered')).toHaveLength(0);

    await obstacle.delete();
    const ok = await post(url, '/canaries', registration);
    expect(ok.status).toBe(201);
    expect((await canary(ID))?.status).toBe('running');
    expect(await entries('canary_registered')).toHaveLength(1);
  });

  it('a gates update is stored with its entry even when the separate audit log is down', async () => {
    // Before, the change was written and then the entry appended through the audit log: with the log down the canary changed and no entry said so.
    const dead = await failingAuditLog();
    try {
      const url = await start();
      expect((await post(url, '/canaries', registration)).status).toBe(201);
      await api!.close();
      const broken = await start({ audit: dead.audit });
      const reply = await post(broken, `/canaries/${ID}/gates`, { loadTestPassed: true }, 'gates-1');
      const stored = (await canary(ID))?.gates as Record<string, unknown>;
      const trail = await entries('canary_gates');
      // Whatever the answer, the state and the trail agree: the change is there exactly when its entry is.
      expect({ status: reply.status, changed: stored.loadTestPassed === true, entries: trail.length }).toEqual({ status: 200, changed: true, entries: 1 });
    } finally {
      await dead.close();
    }
  });

  it('concurrent gate posts: every change that landed has exactly one entry, and the last entry is the stored state', async () => {
    const url = await start();
    expect((await post(url, '/canaries', registration)).status).toBe(201);
    const scores = [1, 2, 3, 4, 4.5, 3.5, 2.5, 1.5];
    const replies = await Promise.all(scores.map((s, i) => post(url, `/canaries/${ID}/gates`, { userFeedbackScore: s }, `score-${i}`)));
    const landed = replies.filter((r) => r.status === 200);
    // Overtaken writes are judged again on the new version; one overtaken too often answers 409 with nothing written.
    expect(replies.every((r) => r.status === 200 || r.status === 409)).toBe(true);
    const trail = (await db.collection('admin_audit').where('action', '==', 'canary_gates').get()).docs
      .map((d) => ({ score: (d.get('meta') as { gates: { userFeedbackScore: number } }).gates.userFeedbackScore, at: d.updateTime.toMillis() * 1e6 + d.updateTime.nanoseconds % 1e6 }))
      .sort((a, b) => a.at - b.at);
    expect(trail).toHaveLength(landed.length);
    expect(landed.length).toBeGreaterThan(0);
    expect(((await canary(ID))?.gates as { userFeedbackScore: number }).userFeedbackScore).toBe(trail[trail.length - 1].score);
  });

  it('ten concurrent registrations of one release: one canary, one 201, one registration entry', async () => {
    const url = await start();
    const replies = await Promise.all(Array.from({ length: 10 }, () => post(url, '/canaries', registration)));
    expect(replies.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    expect(await entries('canary_registered')).toHaveLength(1);
  });

  it('gates judged on a canary that finished while GitHub counted its bugs are refused: 409, nothing written (item 2)', async () => {
    const url = await start();
    expect((await post(url, '/canaries', registration)).status).toBe(201);
    github.on('GET', '/repos/:o/:r/issues', async () => {
      // Another writer overtakes the gates request while it waits for GitHub: a person completes the canary.
      await canaries.update(ID, { status: 'completed' }, { by: 'person' });
      return { body: [] };
    });
    const reply = await post(url, `/canaries/${ID}/gates`, { loadTestPassed: true }, 'late-gates');
    expect(reply.status).toBe(409);
    expect(reply.json).toMatchObject({ error: 'conflict', detail: 'canary is completed' });
    expect(((await canary(ID))?.gates as Record<string, unknown>).loadTestPassed).toBeUndefined();
    expect(await entries('canary_gates')).toHaveLength(0);
  });

  it('a gate posted while another writer overtakes it is written on the new version, keeping the other change (item 2)', async () => {
    const url = await start();
    expect((await post(url, '/canaries', registration)).status).toBe(201);
    let overtaken = false;
    github.on('GET', '/repos/:o/:r/issues', async () => {
      if (!overtaken) {
        overtaken = true;
        await canaries.update(ID, { 'gates.crossPlatformValidated': true });
      }
      return { body: [] };
    });
    const reply = await post(url, `/canaries/${ID}/gates`, { loadTestPassed: true }, 'gates-under-race');
    expect(reply.status).toBe(200);
    expect((await canary(ID))?.gates).toMatchObject({ loadTestPassed: true, crossPlatformValidated: true, openP0P1Bugs: 0 });
    expect(await entries('canary_gates')).toHaveLength(1);
  });

  it('a guardian pass does not write onto a canary whose rollback was requested while the checks ran, and says so in its entry (item 2)', async () => {
    const url = await start();
    expect((await post(url, '/canaries', registration)).status).toBe(201);
    github.on('GET', '/repos/:o/:r/commits/:ref/check-runs', async () => {
      const audit = createFirestoreAuditLog(db);
      await requestRollback({ canaries, audit, clock: { now: () => Date.now() } }, { canaryId: ID, reason: 'by hand', trigger: 'manual', requestedBy: 'ops' });
      return { body: { total_count: 1, check_runs: [{ id: 1, name: 'benchmarks', status: 'completed', conclusion: 'success', html_url: 'https://github.example/runs/1', started_at: '2026-11-20T10:00:00Z', output: { summary: 'render: +1%', text: null } }] } };
    });
    const reply = await post(url, '/guardian/check', { release: 'v7.1.0', channel: 'alpha', platform: 'web', previousRelease: 'v7.0.0' }, 'gate-1');
    expect(reply.status).toBe(200);
    const stored = await canary(ID);
    expect(stored?.status).toBe('rollback_requested');
    expect((stored?.gates as Record<string, unknown>).guardianPassed).toBeUndefined();
    const [entry] = await entries('guardian_pass');
    expect(entry.meta).toMatchObject({ canary_id: ID, canary_write: 'skipped: canary is now rollback_requested' });
  });

  it('a guardian result and its entry land together; the same request again writes neither twice', async () => {
    const url = await start();
    expect((await post(url, '/canaries', registration)).status).toBe(201);
    const body = { release: 'v7.1.0', channel: 'alpha', platform: 'web', previousRelease: 'v7.0.0' };
    const first = await post(url, '/guardian/check', body, 'gate-2');
    expect(first.status).toBe(200);
    const version = (await db.doc(`canaries/${ID}`).get()).updateTime?.toMillis();
    expect(((await canary(ID))?.gates as Record<string, unknown>).guardianPassed).toBe(true);
    // The Idempotency-Key record is lost (a TTL, a restore): the same request runs again, and its unit is refused whole.
    await db.collection('idempotency_keys').get().then((s) => Promise.all(s.docs.map((d) => d.ref.delete())));
    const again = await post(url, '/guardian/check', body, 'gate-2');
    expect(again.status).toBe(200);
    expect(again.json.auditId).toBe(first.json.auditId);
    expect(await entries('guardian_pass')).toHaveLength(1);
    expect((await db.doc(`canaries/${ID}`).get()).updateTime?.toMillis()).toBe(version);
  });
});
