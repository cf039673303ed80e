import { createFirestoreAuditLog, createFirestoreCanaryStore, createFirestoreIncidentStore } from '../../src/adapters/firestore';
import type { IncidentReport } from '../../src/ports';
import { testFirestore } from '../support/firestore';
import { canaryFixture } from '../app/evaluate/canary-fixture';
import { call, KEYS, startTestApi, type TestApi } from './harness';

const NOW = Date.parse('2026-02-01T12:00:00Z');
const DAY = 86_400_000;
const store = testFirestore('mttr-routes');
let api: TestApi;

function report(id: string, platform: string, channel: string, decidedAt: number, minutes: number | null, target: number | null): IncidentReport {
  const p = (at: number | null) => ({ at, source: 'test' });
  return {
    id,
    canaryId: id.replace(/__g\d+$/, ''),
    generation: 1,
    release: 'v1',
    platform,
    channel,
    outcome: 'rolled_back',
    trigger: 'auto-policy',
    requestedBy: 'system',
    reason: 'r',
    rollbackTo: 'v0',
    timeline: { onset: p(decidedAt), detected: p(decidedAt), decided: p(decidedAt), restored: p(decidedAt), recovered: p(minutes === null ? null : decidedAt + minutes * 60_000) },
    durations: {},
    mttr: { targetMinutes: target, minutes, met: minutes === null || target === null ? null : minutes <= target },
    decision: null,
    affectedUsers: null,
    rolloutPercent: 100,
    steps: [],
    trail: [],
    links: [],
    githubIssue: null,
    createdAt: decidedAt,
  };
}

beforeAll(async () => {
  const incidents = createFirestoreIncidentStore(store.db);
  const canaries = createFirestoreCanaryStore(store.db);
  for (const r of [
    report('web__v1__stable__g1', 'web', 'stable', NOW - 2 * DAY, 10, 15),
    report('web__v2__stable__g1', 'web', 'stable', NOW - DAY, 30, 15),
    report('desktop__v3__stable__g1', 'desktop', 'stable', NOW - DAY, 5, 15),
    report('web__v4__beta__g1', 'web', 'beta', NOW - 3 * DAY, null, 30),
    report('web__v0__stable__g1', 'web', 'stable', NOW - 40 * DAY, 500, 15),
  ]) {
    await incidents.create(r);
  }
  await canaries.createIfAbsent(
    canaryFixture({ id: 'web__v2__stable', release: 'v2', channel: 'stable', status: 'rolled_back', mttrMissed: { incidentId: 'web__v2__stable__g1', minutes: 30, targetMinutes: 15, flaggedAt: NOW - DAY, open: true } }),
  );
  await canaries.createIfAbsent(canaryFixture({ id: 'web__v1__stable', release: 'v1', channel: 'stable', status: 'rolled_back' }));
  api = await startTestApi({ incidents, canaries, audit: createFirestoreAuditLog(store.db), clock: { now: () => NOW } });
});
afterAll(async () => {
  await api.close();
  await store.close();
});

describe('MTTR over HTTP', () => {
  test('GET /incidents/mttr gives each platform and channel its MTTR over the last 30 days against its target', async () => {
    const r = await call(api.url, 'GET', '/incidents/mttr', { token: KEYS.ci });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ days: 30, from: NOW - 30 * DAY, to: NOW, truncated: [] });
    expect(r.json.channels).toEqual([
      { platform: 'desktop', channel: 'stable', targetMinutes: 15, incidents: 1, recovered: 1, meanMinutes: 5, maxMinutes: 5, met: 1, missed: 0, withinTarget: true },
      { platform: 'web', channel: 'beta', targetMinutes: 30, incidents: 1, recovered: 0, meanMinutes: null, maxMinutes: null, met: 0, missed: 0, withinTarget: null },
      { platform: 'web', channel: 'stable', targetMinutes: 15, incidents: 2, recovered: 2, meanMinutes: 20, maxMinutes: 30, met: 1, missed: 1, withinTarget: false },
    ]);
    const web = await call(api.url, 'GET', '/incidents/mttr?platform=web&channel=stable&days=1', { token: KEYS.ci });
    expect(web.json.channels).toEqual([expect.objectContaining({ platform: 'web', channel: 'stable', incidents: 1, meanMinutes: 30 })]);
  });

  test('GET /incidents/mttr refuses a bad window or an unknown filter with a 400 naming it', async () => {
    for (const q of ['days=0', 'days=91', 'days=x', 'platform=tv', 'foo=1']) {
      const r = await call(api.url, 'GET', `/incidents/mttr?${q}`, { token: KEYS.ci });
      expect(r.status).toBe(400);
      expect(r.text).not.toMatch(/at .*\.ts/);
    }
  });

  test('POST /canaries/{id}/mttr/clear needs a reason, names an unknown canary 404 and a canary without an open flag 409, and clears once', async () => {
    const path = '/canaries/web__v2__stable/mttr/clear';
    expect((await call(api.url, 'POST', path, { token: KEYS.ci, body: { reason: '' }, headers: { 'content-type': 'application/json' } })).status).toBe(400);
    expect((await call(api.url, 'POST', path, { token: KEYS.ci, body: {}, headers: { 'content-type': 'application/json' } })).status).toBe(400);
    expect((await call(api.url, 'POST', path, { token: KEYS.ci, body: { reason: 'x\u202Ey' }, headers: { 'content-type': 'application/json' } })).status).toBe(400);
    expect((await call(api.url, 'POST', '/canaries/web__v9__stable/mttr/clear', { token: KEYS.ci, body: { reason: 'ok' }, headers: { 'content-type': 'application/json' } })).status).toBe(404);
    const none = await call(api.url, 'POST', '/canaries/web__v1__stable/mttr/clear', { token: KEYS.ci, body: { reason: 'ok' }, headers: { 'content-type': 'application/json' } });
    expect(none.status).toBe(409);
    expect(none.json).toMatchObject({ error: 'no_open_mttr_flag' });
    const ok = await call(api.url, 'POST', path, { token: KEYS.ci, body: { reason: 'accepted: pager fixed' }, headers: { 'content-type': 'application/json' } });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ id: 'web__v2__stable', incidentId: 'web__v2__stable__g1', clearedAt: NOW });
    const shown = await call(api.url, 'GET', '/canaries/web__v2__stable', { token: KEYS.ci });
    expect((shown.json.canary as Record<string, unknown>).mttrMissed).toMatchObject({ open: false, clearReason: 'accepted: pager fixed', clearedAt: NOW });
    expect((await call(api.url, 'POST', path, { token: KEYS.ci, body: { reason: 'again' }, headers: { 'content-type': 'application/json' } })).status).toBe(409);
  });

  test('POST /canaries/{id}/mttr/clear without credentials is refused', async () => {
    expect((await call(api.url, 'POST', '/canaries/web__v2__stable/mttr/clear', { body: { reason: 'x' } })).status).toBe(401);
  });
});
