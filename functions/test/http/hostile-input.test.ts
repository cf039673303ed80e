import { FakeHttpServer } from '../fakes/http-fake';
import { installGitHubGuardianRoutes, passingScenario } from '../fakes/github-guardian';
import { loneSurrogatePaths, MAX_JSON_DEPTH, nestedDeeperThan } from '../../src/http/json-guard';
import { printable } from '../../src/http/log';
import { call, fakeGitHubFacts, KEYS, startTestApi, type TestApi } from './harness';

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
const nested = (depth: number, leaf = '0') => '['.repeat(depth) + leaf + ']'.repeat(depth);
const alive = async () => expect((await call(api.url, 'GET', '/openapi.json', { token: KEYS.ci })).status).toBe(200);
const fieldsOf = (json: Record<string, unknown>) => (json.fields as { field: string }[]).map((f) => f.field);

describe('JSON nesting limit (H12)', () => {
  it('refuses a release of 6,000 nested arrays with 400 naming the depth limit, logs one record and stays alive', async () => {
    const reply = await post('/canaries', `{"platform":"web","release":${nested(6000)},"channel":"alpha"}`);
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ error: 'too_deep', maxDepth: MAX_JSON_DEPTH });
    expect(reply.json.detail).toContain('32');
    await alive();
    expect(api.logs.filter((r) => r.path === '/canaries')).toHaveLength(1);
    expect(api.canaries.docs.size).toBe(0);
  });

  it('refuses a meta of 2,000 nested arrays on POST /audit with 400 before the schema runs, not 500', async () => {
    const reply = await post('/audit', `{"action":"auto_rollback","version":"v1.0.0","meta":{"m":${nested(2000)}}}`);
    expect(reply.status).toBe(400);
    expect(reply.json.error).toBe('too_deep');
    expect(api.audit.entries).toHaveLength(0);
    await alive();
  });

  it('refuses deep bodies on unknown routes and every method that carries a body, with 400 and not 404 or 5xx', async () => {
    for (const [method, path] of [['POST', '/nope'], ['PUT', '/canaries'], ['PATCH', '/audit/x']]) {
      const reply = await call(api.url, method, path, { token: KEYS.ci, body: `{"a":${nested(10_000)}}` });
      expect({ method, path, status: reply.status, error: reply.json.error }).toEqual({ method, path, status: 400, error: 'too_deep' });
    }
    await alive();
  });

  it('counts only brackets outside strings, lets 32 levels through and refuses 33', () => {
    expect(nestedDeeperThan(nested(32), 32)).toBe(false);
    expect(nestedDeeperThan(nested(33), 32)).toBe(true);
    expect(nestedDeeperThan(JSON.stringify({ reason: '['.repeat(500) + '"\\' }), 32)).toBe(false);
    expect(nestedDeeperThan(`{"a":"\\"[[[[","b":${nested(31)}}`, 32)).toBe(false);
    expect(nestedDeeperThan(`{"a":"\\"[[[[","b":${nested(32)}}`, 32)).toBe(true);
  });
});

describe('logging cannot throw (H9, H12)', () => {
  it('prints any value without throwing: cycles, BigInt, null-prototype objects, 100,000-deep arrays, symbols', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    let deep: unknown[] = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const values: unknown[] = [cycle, 10n, Object.create(null), deep, Symbol('s'), undefined, () => 1, 'x'.repeat(1_000_000)];
    for (const v of values) {
      const text = printable(v);
      expect(typeof text).toBe('string');
      expect(text.length).toBeLessThan(260);
    }
  });

  it('escapes lone surrogates, C1 controls and bidi overrides in log fields, even when a cut splits a pair', () => {
    expect(printable('a\ud800b\u0085c\u202ed')).toBe('a\\ud800b\\u0085c\\u202ed');
    const cut = printable('x'.repeat(199) + '\ud83d\ude00' + 'y'.repeat(10));
    expect(cut).not.toMatch(/[\ud800-\udfff]/);
  });

  it('answers and stays alive when the log sink itself throws', async () => {
    await api.close();
    api = await startTestApi({
      log: () => {
        throw new Error('log sink down');
      },
    });
    const reply = await post('/canaries', { platform: 'web', release: 'v1.0.0', channel: 'alpha' });
    expect(reply.status).toBe(201);
    await alive();
  });
});

describe('text fields (H13)', () => {
  it('refuses a lone UTF-16 surrogate in reason, in nested meta and in a meta key with 400 and the field path', async () => {
    const reply = await post('/audit', { action: 'auto_rollback', version: 'v1.0.0', reason: 'bad \ud800', meta: { note: ['ok', 'x\udc00'] } });
    expect(reply.status).toBe(400);
    expect(reply.json.in).toBe('body');
    expect(fieldsOf(reply.json)).toEqual(['reason', 'meta.note.1']);
    const key = await post('/audit', { action: 'auto_rollback', version: 'v1.0.0', meta: { ['k\ud800']: 1 } });
    expect(key.status).toBe(400);
    expect(fieldsOf(key.json)).toEqual(['meta.k\ufffd']);
    const rollback = await post('/rollback', { version: 'v1.0.0', reason: '\udfff' });
    expect(fieldsOf(rollback.json)).toEqual(['reason']);
    expect(api.audit.entries).toHaveLength(0);
  });

  it('refuses an array directly inside an array in audit meta with 400 (Firestore cannot store it: it was a 500)', async () => {
    const reply = await post('/audit', { action: 'auto_rollback', version: 'v1.0.0', meta: { note: [1, [2, 3]] } });
    expect(reply.status).toBe(400);
    expect(fieldsOf(reply.json)).toEqual(['meta']);
    expect((await post('/audit', { action: 'auto_rollback', version: 'v1.0.0', meta: { note: [1, { inner: [2, 3] }] } })).status).toBe(201);
  });

  it('finds the paths of lone surrogates and leaves well-formed pairs alone', () => {
    expect(loneSurrogatePaths({ a: '\ud83d\ude00', b: ['\ud83d'], c: { d: '\ude00x' } })).toEqual(['b.0', 'c.d']);
    expect(loneSurrogatePaths('\ud800')).toEqual(['(body)']);
  });

  it.each([
    ['a C1 control U+0085', '\u0085'],
    ['a bidi override U+202E', 'v1\u202egnp.exe'],
    ['a line separator U+2028', 'a\u2028b'],
    ['a paragraph separator U+2029', 'a\u2029b'],
    ['an isolate U+2066', '\u2066x'],
    ['an escape U+001B', '\u001b[2J'],
  ])('refuses %s in one-line text fields (reason, actorUid, rollback reason) with 400 naming the field', async (_name, bad) => {
    const audit = await post('/audit', { action: 'auto_rollback', version: 'v1.0.0', reason: `r ${bad}`, actorUid: `u${bad}` });
    expect(audit.status).toBe(400);
    expect(fieldsOf(audit.json).sort()).toEqual(['actorUid', 'reason']);
    const rollback = await post('/rollback', { version: 'v1.0.0', reason: `r ${bad}` });
    expect(rollback.status).toBe(400);
    expect(fieldsOf(rollback.json)).toEqual(['reason']);
    expect(api.audit.entries).toHaveLength(0);
  });
});

describe('routing is strict (one path, one meaning)', () => {
  it('answers 404 for a path in another case or with a trailing slash', async () => {
    expect((await call(api.url, 'GET', '/canaries', { token: KEYS.ci })).status).toBe(200);
    for (const path of ['/CANARIES', '/Canaries', '/canaries/', '/AUDIT', '/Guardian/check']) {
      const reply = await call(api.url, 'GET', path, { token: KEYS.ci });
      expect({ path, status: reply.status }).toEqual({ path, status: 404 });
    }
    expect((await post('/GUARDIAN/CHECK', { release: 'v1.0.0', channel: 'alpha' })).status).toBe(404);
  });
});
