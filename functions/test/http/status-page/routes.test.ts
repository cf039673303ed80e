import { createFirestoreAuditLog } from '../../../src/adapters/firestore';
import { createFirestoreAuditSealStore } from '../../../src/adapters/firestore/audit-seal-store';
import { sealAuditTrail } from '../../../src/cli/audit-trail';
import type { OutboxItem } from '../../../src/ports';
import { sampleCanary, sampleEvaluation } from '../../adapters/firestore/sample-canary';
import { testFirestore } from '../../support/firestore';
import { call, KEYS, startTestApi, type TestApi } from '../harness';

const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);
const MIN = 60_000;

describe("the status page's routes", () => {
  const store = testFirestore('status-routes');
  const dead: OutboxItem[] = [];
  let api: TestApi;
  const get = (path: string) => call(api.url, 'GET', path, { token: KEYS.ci });

  beforeAll(async () => {
    api = await startTestApi({
      clock: { now: () => T0 + 30 * MIN },
      auditTrail: createFirestoreAuditSealStore(store.db),
      outbox: { deadLetters: async (limit) => dead.slice(0, limit) },
    });
    await api.canaries.createIfAbsent(sampleCanary({ id: 'web__v2.0.0__alpha', release: 'v2.0.0' }));
    for (let i = 0; i < 5; i++) await api.canaries.recordEvaluation('web__v2.0.0__alpha', `tick-${T0 + i * MIN}`, sampleEvaluation(T0 + i * MIN, { verdict: 'green', decision: 'continue', effects: [] }));
  });
  afterAll(async () => {
    await api.close();
    await store.close();
  });

  it('pages back through a canary’s evaluation history, newest first, with a next token until the oldest', async () => {
    const first = await get('/canaries/web__v2.0.0__alpha/evaluations?limit=2');
    expect(first.status).toBe(200);
    expect((first.json.evaluations as { scheduleTime: number }[]).map((e) => e.scheduleTime)).toEqual([T0 + 4 * MIN, T0 + 3 * MIN]);
    expect(first.json.next).toBe(T0 + 3 * MIN);
    expect(first.headers.link).toBe(`</canaries/web__v2.0.0__alpha/evaluations?limit=2&before=${T0 + 3 * MIN}>; rel="next"`);
    const second = await get(`/canaries/web__v2.0.0__alpha/evaluations?limit=2&before=${String(first.json.next)}`);
    expect((second.json.evaluations as { scheduleTime: number }[]).map((e) => e.scheduleTime)).toEqual([T0 + 2 * MIN, T0 + MIN]);
    const last = await get(`/canaries/web__v2.0.0__alpha/evaluations?limit=2&before=${String(second.json.next)}`);
    expect((last.json.evaluations as { scheduleTime: number }[]).map((e) => e.scheduleTime)).toEqual([T0]);
    expect(last.json.next).toBeNull();
    expect(last.json.evaluations).toEqual([expect.objectContaining({ metrics: expect.objectContaining({ error_rate: expect.objectContaining({ threshold: 0.05 }) }) })]);
  });

  it('answers a bad history query with 400 naming the field, an unknown canary with 404, and no credentials with 401', async () => {
    const badLimit = await get('/canaries/web__v2.0.0__alpha/evaluations?limit=0');
    expect(badLimit.status).toBe(400);
    expect(badLimit.json).toMatchObject({ error: 'invalid_request', in: 'query', fields: [expect.objectContaining({ field: 'limit' })] });
    const badBefore = await get('/canaries/web__v2.0.0__alpha/evaluations?before=yesterday');
    expect(badBefore.json).toMatchObject({ error: 'invalid_request', fields: [expect.objectContaining({ field: 'before' })] });
    const extra = await get('/canaries/web__v2.0.0__alpha/evaluations?sort=asc');
    expect(extra.status).toBe(400);
    const badId = await get('/canaries/..%2Fconfig/evaluations');
    expect(badId.json).toMatchObject({ error: 'invalid_request', in: 'path' });
    expect((await get('/canaries/web__v9.9.9__alpha/evaluations')).status).toBe(404);
    expect((await call(api.url, 'GET', '/canaries/web__v2.0.0__alpha/evaluations')).status).toBe(401);
  });

  it('says when the next promotion can come and what it waits for, on the list and on one canary', async () => {
    const list = await get('/canaries');
    const [canary] = list.json.canaries as Record<string, unknown>[];
    // Alpha bakes 24 h; 30 minutes in, with nothing pooled and no gates posted.
    expect(canary!.promotion).toMatchObject({ kind: 'promote', next: { channel: 'beta', rolloutPercent: 25 }, earliestAt: T0 + 24 * 60 * MIN });
    const waiting = (canary!.promotion as { waitingFor: string[] }).waitingFor;
    expect(waiting[0]).toBe('23 h 30 min of bake time');
    expect(waiting).toEqual(expect.arrayContaining(['no open P0/P1 bugs', 'security scan passed']));
    expect(canary!.incidentId).toBeNull();
    const one = await get('/canaries/web__v2.0.0__alpha');
    expect((one.json.canary as Record<string, unknown>).promotion).toEqual(canary!.promotion);
  });

  it('reports the audit seal: verified up to the last digest, and a changed entry found', async () => {
    const audit = createFirestoreAuditLog(store.db);
    await audit.append({ ts: T0, action: 'canary_registered', actorUid: 'ci', targetId: 'v2.0.0', meta: {} }, 'k1');
    const { id } = await audit.append({ ts: T0 + 1, action: 'canary_pause', actorUid: 'system', targetId: 'v2.0.0', meta: {} }, 'k2');
    await sealAuditTrail(store.db, Date.now() + 1000, { lagMs: 0 });
    const sealed = await get('/audit/seal');
    expect(sealed.status).toBe(200);
    expect(sealed.json).toMatchObject({ ok: true, sealed: 2, pending: 0, problemCount: 0, verifiedUpTo: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    await store.db.doc(`admin_audit/${id}`).update({ action: 'canary_resume' });
    const tampered = await get('/audit/seal');
    expect(tampered.json).toMatchObject({ ok: false, verifiedUpTo: null, problemCount: 1, problems: [{ kind: 'entry_changed', entryId: id }] });
  });

  it('lists dead-lettered notifications with their last error, and refuses a bad limit', async () => {
    dead.push({
      id: 'n1',
      status: 'dead',
      attempts: 8,
      nextAttemptAt: 0,
      lastError: 'ops-slack: HTTP 404',
      destinations: { 'ops-slack': { status: 'refused', at: T0, tries: 1, detail: 'HTTP 404' } },
      event: { id: 'n1', kind: 'rollback_completed', severity: 'critical', action: 'rollback_completed', at: T0, actor: 'system', release: 'v2.0.0', platform: 'web', channel: 'alpha', canaryId: 'web__v2.0.0__alpha', title: 'Rollback completed: web v2.0.0 on alpha', reason: null, metrics: [], facts: [], links: [] },
    });
    const reply = await get('/notifications/dead');
    expect(reply.json).toEqual({
      notifications: [{ id: 'n1', kind: 'rollback_completed', title: 'Rollback completed: web v2.0.0 on alpha', canaryId: 'web__v2.0.0__alpha', at: T0, attempts: 8, lastError: 'ops-slack: HTTP 404', destinations: dead[0]!.destinations }],
    });
    expect((await get('/notifications/dead?limit=abc')).status).toBe(400);
  });

  it('answers 503 where a deployment wires no seal or outbox', async () => {
    const bare = await startTestApi();
    try {
      const seal = await call(bare.url, 'GET', '/audit/seal', { token: KEYS.ci });
      expect(seal.status).toBe(503);
      expect(seal.json).toMatchObject({ error: 'not_configured' });
      expect((await call(bare.url, 'GET', '/notifications/dead', { token: KEYS.ci })).status).toBe(503);
    } finally {
      await bare.close();
    }
  });
});
