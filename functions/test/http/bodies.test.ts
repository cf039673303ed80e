import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { FakeHttpServer } from '../fakes/http-fake';
import { installGitHubGuardianRoutes, passingScenario } from '../fakes/github-guardian';
import express from 'express';
import { createApp } from '../../src/http/app';
import { call, fakeGitHubFacts, KEYS, listen, startTestApi, type TestApi } from './harness';

let api: TestApi;
let github: FakeHttpServer;

beforeAll(async () => {
  github = installGitHubGuardianRoutes(new FakeHttpServer(), passingScenario());
  await github.start();
});
afterAll(() => github.stop());
beforeEach(async () => {
  api = await startTestApi({ github: fakeGitHubFacts(github.url) });
});
afterEach(() => api.close());

const post = (path: string, body: unknown, headers?: Record<string, string>) => call(api.url, 'POST', path, { token: KEYS.ci, body, ...(headers ? { headers } : {}) });
const fieldsOf = (json: Record<string, unknown>) => [...new Set((json.fields as { field: string }[]).map((f) => f.field))];
const noStackTrace = (text: string) => expect(text).not.toMatch(/\bat .+\(.+:\d+:\d+\)|node_modules|\.ts:\d+/);

describe('request bodies and routes (H5-H8)', () => {
  it('reads the body as JSON whatever the Content-Type says', async () => {
    for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'application/json']) {
      const reply = await post('/canaries', { platform: 'web', release: 'v1.0.0', channel: 'alpha' }, { 'content-type': type });
      expect([201, 200]).toContain(reply.status);
    }
  });

  it('reads req.rawBody when a framework (as Cloud Functions does) has already consumed and form-parsed the body', async () => {
    const outer = express();
    // What the Functions Framework does before the handler runs: parse by Content-Type, keep the bytes.
    outer.use(express.urlencoded({ extended: true, verify: (req, _res, buf) => void ((req as unknown as { rawBody: Buffer }).rawBody = buf) }));
    outer.use(createApp(api.deps));
    const server = await listen(outer);
    try {
      const reply = await call(server.url, 'POST', '/canaries', { token: KEYS.ci, body: '{"platform": "web", "release": "v1.2.3", "channel": "alpha"}' });
      expect(reply.status).toBe(201);
      expect(reply.json.id).toBe('web__v1.2.3__alpha');
    } finally {
      await server.close();
    }
  });

  it('H5: answers malformed JSON with 400 and no stack trace', async () => {
    const reply = await post('/guardian/check', '{"release": "v1.0.0", "channel": ');
    expect(reply.status).toBe(400);
    expect(reply.json.error).toBe('malformed_json');
    noStackTrace(reply.text);
  });

  it('answers schema violations with 400 listing every offending field path', async () => {
    const reply = await post('/canaries', { platform: 'tv', release: 7, channel: 'alpha', target: { versionCodes: ['12', 'x'] }, extra: 1 });
    expect(reply.status).toBe(400);
    const fields = (reply.json.fields as { field: string }[]).map((f) => f.field).sort();
    expect(fields).toEqual(['(body)', 'platform', 'release', 'target.versionCodes.1']);
  });

  it('H6: refuses a body over 64 KiB with 413 before parsing it, and writes nothing', async () => {
    const big = JSON.stringify({ action: 'auto_rollback', version: 'v1.0.0', reason: 'x'.repeat(70 * 1024) });
    const declared = await post('/audit', big);
    expect(declared.status).toBe(413);
    // Without a Content-Length (chunked), the stream is cut at the limit.
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = request(`${api.url}/audit`, { method: 'POST', headers: { authorization: `Bearer ${KEYS.ci}`, 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 80; i++) req.write('x'.repeat(1024));
      req.end();
    });
    expect(chunked).toBe(413);
    expect(api.audit.entries).toHaveLength(0);
  });

  it('H7: answers a wrong method on a known route with 405 and Allow, an unknown route with 404, both JSON', async () => {
    const wrong = await call(api.url, 'DELETE', '/guardian/check', { token: KEYS.ci });
    expect(wrong.status).toBe(405);
    expect(wrong.json).toMatchObject({ error: 'method_not_allowed', allow: ['POST'] });
    expect(wrong.headers.allow).toBe('POST');
    const put = await call(api.url, 'PUT', '/canaries/web__v1.0.0__alpha', { token: KEYS.ci, body: {} });
    expect(put.status).toBe(405);
    const missing = await call(api.url, 'GET', '/nope', { token: KEYS.ci });
    expect(missing.status).toBe(404);
    expect(missing.json.error).toBe('not_found');
  });

  const hostile = ['../x', 'a/b', '.', '..', '__x__', 'v'.repeat(1600), '{"$ne":null}', 'v1\u0000', 'v1\u202egnp.exe', 'v1\u200f'];

  it('H8: refuses hostile release names with 400 naming the field and creates no document', async () => {
    for (const release of hostile) {
      const reply = await post('/canaries', { platform: 'web', release, channel: 'alpha' });
      expect({ release, status: reply.status }).toEqual({ release, status: 400 });
      expect(fieldsOf(reply.json)).toEqual(['release']);
      const gate = await post('/guardian/check', { release: 'v1.0.0', channel: 'alpha', previousRelease: release });
      expect(fieldsOf(gate.json)).toEqual(['previousRelease']);
    }
    const objectId = await post('/canaries', { platform: 'web', release: { $ne: null }, channel: 'alpha' });
    expect(objectId.status).toBe(400);
    expect(api.canaries.docs.size).toBe(0);
    expect(api.audit.entries).toHaveLength(0);
    expect(github.requests).toHaveLength(0);
  });

  it('H8: refuses hostile canary ids in the path and audit target ids with 400 naming the field', async () => {
    for (const id of hostile.filter((h) => !h.includes('/') && h !== '.' && h !== '..')) {
      const reply = await call(api.url, 'GET', `/canaries/${encodeURIComponent(id)}`, { token: KEYS.ci });
      expect({ id, status: reply.status, in: reply.json.in }).toEqual({ id, status: 400, in: 'path' });
      const gates = await post(`/canaries/${encodeURIComponent(id)}/gates`, { loadTestPassed: true });
      expect(gates.status).toBe(400);
      const audit = await post('/audit', { action: 'auto_rollback', targetId: id });
      expect(fieldsOf(audit.json)).toEqual(['targetId']);
    }
    const encodedSlash = await call(api.url, 'GET', `/canaries/${encodeURIComponent('../x')}`, { token: KEYS.ci });
    expect(encodedSlash.status).toBe(400);
    const query = await call(api.url, 'GET', `/audit?targetId=${encodeURIComponent('__x__')}`, { token: KEYS.ci });
    expect(query.status).toBe(400);
    expect(api.canaries.docs.size).toBe(0);
    expect(api.audit.entries).toHaveLength(0);
  });

  it('refuses reserved or dotted keys in audit meta', async () => {
    const reply = await post('/audit', { action: 'auto_rollback', version: 'v1.0.0', meta: { __name__: 1, 'a.b': 2, ok: { __x__: 3 } } });
    expect(reply.status).toBe(400);
    expect(api.audit.entries).toHaveLength(0);
  });
});

describe('logging and budgets (H9, H10)', () => {
  it('H9: logs a release name carrying CR, LF, U+2028 and fake JSON as one structured record, escaped', async () => {
    const release = 'v1\r\n{"severity":"ERROR","message":"fake"}\u2028x';
    const reply = await post('/guardian/check', { release, channel: 'alpha' });
    expect(reply.status).toBe(400);
    expect(api.logs).toHaveLength(1);
    const record = api.logs[0];
    expect(record).toMatchObject({ severity: 'WARNING', message: 'api request', status: 400, actor: 'ci' });
    const line = JSON.stringify(record);
    expect(line).not.toMatch(/[\r\n\u2028\u2029]/);
    expect(record.release).toBe('v1\\u000d\\u000a{"severity":"ERROR","message":"fake"}\\u2028x');
    // The record through the real firebase-functions logger, in a process of its own: one line.
    const child = spawnSync(process.execPath, ['-e', "require('firebase-functions/logger').write(JSON.parse(process.argv[1]))", line], { encoding: 'utf8' });
    const out = child.stdout + child.stderr;
    expect(out.split('\n').filter(Boolean)).toHaveLength(1);
    expect(JSON.parse(out)).toMatchObject({ severity: 'WARNING', release: record.release });
  });

  it('H10: answers a flood from one caller with 429 past the budget and bounds the audit writes', async () => {
    await api.close();
    api = await startTestApi({ rateLimit: { capacity: 5, refillPerSecond: 0.001 } });
    const replies = await Promise.all(
      Array.from({ length: 30 }, (_, i) => post('/audit', { action: 'auto_rollback', version: 'v1.0.0', reason: `r${i}` })),
    );
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(25);
    const limited = replies.find((r) => r.status === 429)!;
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(api.audit.entries).toHaveLength(5);
    // Another caller has its own budget.
    expect((await call(api.url, 'POST', '/audit', { token: KEYS.ops, body: { action: 'auto_rollback', version: 'v1.0.0' } })).status).toBe(201);
  });

  it('H10: refills the budget in real time even when the app clock stands still (the local runner after its story ends)', async () => {
    await api.close();
    api = await startTestApi({ rateLimit: { capacity: 2, refillPerSecond: 10 }, clock: { now: () => 1_700_000_000_000 } });
    const get = () => call(api.url, 'GET', '/canaries', { token: KEYS.ci });
    expect((await get()).status).toBe(200);
    expect((await get()).status).toBe(200);
    const limited = await get();
    expect(limited.status).toBe(429);
    // Retry-After tells the truth: after it, the caller is served again.
    await new Promise((r) => setTimeout(r, Number(limited.headers['retry-after']) * 1000));
    expect((await get()).status).toBe(200);
  });
});
