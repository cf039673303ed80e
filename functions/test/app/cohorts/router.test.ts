import { createFirestoreCanaryStore, createFirestoreConfigStore } from '../../../src/adapters/firestore';
import { createHttpShellSource } from '../../../src/adapters/cohorts/shell-fetch';
import type { CohortRouterDeps, RouterRequest } from '../../../src/app/cohorts/deps';
import { createCohortRouter } from '../../../src/app/cohorts/router';
import type { Canary } from '../../../src/core/canary';
import { readSession } from '../../../src/core/session-cookie';
import type { FakeHttpServer } from '../../fakes/http-fake';
import { sampleCanary } from '../../adapters/firestore/sample-canary';
import { testFirestore } from '../../support/firestore';
import { alphaId, betaId, fakeChannel, stableId } from './kit';

const T0 = Date.UTC(2026, 10, 29, 10);
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

let fs: ReturnType<typeof testFirestore>;
let live: FakeHttpServer, alpha: FakeHttpServer, beta: FakeHttpServer;
const clock = { t: T0, now: () => clock.t };
const logged: string[] = [];
let serve: ReturnType<typeof createCohortRouter>;
let n = 0;

function webCanary(release: string, channel: 'alpha' | 'beta', overrides: Partial<Canary> = {}): Canary {
  const base = sampleCanary();
  return sampleCanary({ id: `web__${release}__${channel}`, release, channel, target: { hostingSite: 'acme' }, ...overrides, rollout: { ...base.rollout, channel, rolloutPercent: channel === 'alpha' ? 10 : 25 } });
}

function freshRouter(overrides: Partial<CohortRouterDeps> = {}) {
  return createCohortRouter({
    canaries: createFirestoreCanaryStore(fs.db),
    config: createFirestoreConfigStore(fs.db),
    shells: createHttpShellSource({ timeoutMs: 2_000 }),
    clock,
    newSessionId: () => `new${String(++n).padStart(19, '0')}`,
    secureCookie: true,
    logger: { warn: (m) => logged.push(m), error: (m) => logged.push(m) },
    ...overrides,
  });
}

const get = (cookieId?: string, extra: Partial<RouterRequest> = {}) =>
  serve({ method: 'GET', query: '', userAgent: CHROME, ...(cookieId ? { cookie: `__session=cg1.${cookieId}` } : {}), ...extra });

beforeAll(async () => {
  fs = testFirestore('cohort-router');
  [live, alpha, beta] = await Promise.all([fakeChannel('v1'), fakeChannel('v2'), fakeChannel('v1.5')]);
  await fs.db.doc('config/web_cohorts').set({ site: 'acme', liveUrl: live.url, channelUrls: { alpha: alpha.url, beta: beta.url }, sharesTtlMs: 5_000 });
  const store = createFirestoreCanaryStore(fs.db);
  await store.createIfAbsent(webCanary('v2', 'alpha'));
  await store.createIfAbsent(webCanary('v1.5', 'beta'));
});
afterAll(async () => {
  await Promise.all([live.stop(), alpha.stop(), beta.stop()]);
  await fs.close();
});
beforeEach(() => {
  serve = freshRouter();
  logged.length = 0;
});

describe('cohort router', () => {
  test('a new visitor gets a random id in __session and a cohort; with that cookie the cohort stays the same', async () => {
    const first = await get();
    const session = readSession(first.headers['set-cookie']);
    expect(session?.id).toMatch(/^new\d{19}$/);
    expect(first.headers['set-cookie']).toMatch(/HttpOnly; SameSite=Lax; Secure$/);
    for (let i = 0; i < 5; i++) {
      const again = await get(session!.id);
      expect(again.cohort).toBe(first.cohort);
      expect(again.headers['set-cookie']).toBeUndefined();
    }
  });

  test('serves each cohort the shell of its channel, assets on the channel origin, release and channel in meta', async () => {
    const a = await get(alphaId());
    expect(a.cohort).toBe('alpha');
    expect(a.body).toContain(`<script type="module" src="${alpha.url}/assets/index.js" crossorigin="anonymous">`);
    expect(a.body).toContain('<meta name="canary-channel" content="alpha"><meta name="canary-release" content="v2">');
    const b = await get(betaId());
    expect(b.cohort).toBe('beta');
    expect(b.body).toContain(`src="${beta.url}/assets/index.js"`);
    expect(b.body).toContain('<meta name="canary-release" content="v1.5">');
    const s = await get(stableId());
    expect(s.cohort).toBe('stable');
    expect(s.body).toContain('<script type="module" src="/assets/index.js">');
    expect(s.body).toContain('<meta name="canary-channel" content="stable">');
  });

  test('shells are private and never stored by a cache', async () => {
    const r = await get(alphaId());
    expect(r.headers['cache-control']).toBe('private, no-store');
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
  });

  test('a warm cache serves from memory: one shell fetch per channel however many visitors', async () => {
    const before = alpha.calls('GET', '/shell.html').length;
    for (let i = 0; i < 20; i++) await get(alphaId(String(i)));
    expect(alpha.calls('GET', '/shell.html').length - before).toBe(1);
  });

  test('?canary=alpha opts in and ?canary=off opts out, kept in the cookie; ?canary=auto goes back to the bucket', async () => {
    const id = stableId();
    const optIn = await get(id, { query: 'canary=alpha' });
    expect(optIn.cohort).toBe('alpha');
    expect(readSession(optIn.headers['set-cookie'])).toEqual({ id, optIn: 'alpha' });
    expect((await serve({ method: 'GET', query: '', userAgent: CHROME, cookie: `__session=cg1.${id}.alpha` })).cohort).toBe('alpha');
    const off = await get(alphaId(), { query: 'utm=x&canary=off' });
    expect(off.cohort).toBe('stable');
    expect(readSession(off.headers['set-cookie'])?.optIn).toBe('off');
    const auto = await serve({ method: 'GET', query: 'canary=auto', userAgent: CHROME, cookie: `__session=cg1.${alphaId()}.off` });
    expect(auto.cohort).toBe('alpha');
    expect(readSession(auto.headers['set-cookie'])).toEqual({ id: alphaId() });
  });

  test('hostile cookies and query values are ignored: a fresh id replaces a forged one, a bad opt-in changes nothing', async () => {
    const forged = await serve({ method: 'GET', query: 'canary=%3Cscript%3E', userAgent: CHROME, cookie: '__session=cg1.../../etc/passwd' });
    expect(readSession(forged.headers['set-cookie'])?.id).toMatch(/^new/);
    expect(forged.headers['set-cookie']).not.toContain('script');
    expect(forged.body).not.toContain('<script>');
    const bad = await get(alphaId(), { query: 'canary=stable' });
    expect(bad.cohort).toBe('alpha');
    expect(bad.headers['set-cookie']).toBeUndefined();
  });

  test('known bots stay on stable whatever their cookie', async () => {
    expect((await get(alphaId(), { userAgent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', query: 'canary=alpha' })).cohort).toBe('stable');
  });

  test('only GET and HEAD: anything else is a 405 with a JSON reason; HEAD has no body', async () => {
    const post = await serve({ method: 'POST', query: '', userAgent: CHROME });
    expect(post.status).toBe(405);
    expect(JSON.parse(post.body)).toEqual({ error: expect.stringMatching(/GET and HEAD/) });
    const head = await get(alphaId(), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  test('a channel origin that fails gives its cohort the stable shell', async () => {
    const broken = freshRouter({
      shells: { fetchShell: async (url) => (url.startsWith(alpha.url) ? { ok: false, error: 'HTTP 500' } : createHttpShellSource().fetchShell(url)) },
    });
    const r = await broken({ method: 'GET', query: '', userAgent: CHROME, cookie: `__session=cg1.${alphaId()}` });
    expect(r.status).toBe(200);
    expect(r.cohort).toBe('stable');
    expect(r.body).toContain('<title>Acme v1</title>');
    expect(logged.join('\n')).toMatch(/channel shell could not be fetched/);
  });

  test('with every origin down past the stale limit, the live shell as last fetched is served untouched', async () => {
    let down = false;
    const real = createHttpShellSource();
    const flaky = freshRouter({ shells: { fetchShell: async (url) => (down ? { ok: false, error: 'HTTP 502' } : real.fetchShell(url)) } });
    const warm = await flaky({ method: 'GET', query: '', userAgent: CHROME, cookie: `__session=cg1.${stableId()}` });
    expect(warm.body).toContain('content="stable"');
    down = true;
    clock.t += 16 * 60_000;
    const r = await flaky({ method: 'GET', query: '', userAgent: CHROME, cookie: `__session=cg1.${alphaId()}` });
    expect(r.status).toBe(200);
    expect(r.cohort).toBeNull();
    expect(r.fallback).toMatch(/HTTP 502/);
    expect(r.body).toContain('<title>Acme v1</title>');
    expect(r.body).not.toContain('canary-channel');
  });

  test('with nothing ever fetched and the live origin down, the answer is a 503 page that retries, never a stack trace', async () => {
    const down = freshRouter({ shells: { fetchShell: async () => ({ ok: false, error: 'connect ECONNREFUSED' }) } });
    const r = await down({ method: 'GET', query: '', userAgent: CHROME });
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toBe('2');
    expect(r.body).toContain('http-equiv="refresh"');
    expect(r.body).not.toContain('ECONNREFUSED');
  });

  test('when the shares cannot be read everyone gets stable, not a guess', async () => {
    const store = createFirestoreCanaryStore(fs.db);
    const failing = freshRouter({ canaries: { ...store, list: async () => Promise.reject(new Error('UNAVAILABLE')) } });
    const r = await failing({ method: 'GET', query: 'canary=alpha', userAgent: CHROME, cookie: `__session=cg1.${alphaId()}` });
    expect(r.cohort).toBe('stable');
    expect(logged.join('\n')).toMatch(/serving stable to everyone/);
  });

  test('a rollback reaches every visitor on their next navigation once the shares are re-read, with no cookie change', async () => {
    const store = createFirestoreCanaryStore(fs.db);
    await store.createIfAbsent(webCanary('v2b', 'alpha', { id: 'web__v2b__alpha', createdAt: T0 + 1 }));
    const id = alphaId('rb');
    expect((await get(id)).body).toContain('content="v2b"');
    await store.update('web__v2b__alpha', { 'cohort.share': 0, 'cohort.changedAt': clock.t }, { by: 'rollback' });
    clock.t += 5_000; // the shares' TTL
    const after = await get(id);
    // The older alpha canary v2 is still running, so the alpha cohort is back on it, not on v2b.
    expect(after.body).toContain('content="v2"');
    expect(after.headers['set-cookie']).toBeUndefined();
    await store.update('web__v2b__alpha', { status: 'rolled_back', 'rollout.frozen': true }, { by: 'rollback' });
  });
});
