import { execFileSync } from 'node:child_process';
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import { deleteApp, initializeApp, type App } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import type { Browser, Page } from 'puppeteer-core';
import { statusPageMount } from '../../src/cli/local/status-page-mount';
import { createAuthenticator } from '../../src/http/auth';
import { firebaseIdTokenVerifier } from '../../src/http/firebase-id-token';
import { FakeIdentityToolkit } from '../fakes/identity-toolkit';
import { call, KEYS, listen, startTestApi, type TestApi } from '../http/harness';
import { describeInBrowser, launchBrowser, testOutputDir } from '../support/browser';

const PROJECT = 'demo-status-sign-in';
const WEB_KEY = 'fake-web-api-key';
const FUNCTIONS_DIR = resolve(__dirname, '..', '..');
const BUILT = join(testOutputDir('status-page-sign-in'), 'page');
const text = (selector: string) => `(document.querySelector(${JSON.stringify(selector)})?.textContent ?? '')`;

/**
 * The browser side of the Firebase sign-in: headless Chromium fills the page's form; the page calls
 * the (fake) Auth emulator's Identity Toolkit and Secure Token endpoints, named by config.json's
 * authEmulator; the real API app checks the tokens with firebase-admin in emulator mode. The page
 * and the API share one origin, as on Hosting; what the API received is recorded at that origin.
 */
describeInBrowser('the status page’s Firebase sign-in, in a browser, against an Auth emulator', () => {
  const toolkit = new FakeIdentityToolkit(PROJECT);
  const saved = process.env.FIREBASE_AUTH_EMULATOR_HOST;
  const received: { path: string; token: string }[] = [];
  let app: App;
  let api: TestApi;
  let site: { url: string; close: () => Promise<void> };
  let browser: Browser;
  let canaryId: string;
  /** What serves /status/ (a test swaps it for one with a bad config.json). */
  let page: ReturnType<typeof statusPageMount>;

  beforeAll(async () => {
    // A build of its own: status/dist is what the local runner tests serve, possibly at this moment.
    execFileSync(process.execPath, [resolve(FUNCTIONS_DIR, '..', 'status', 'build.mjs'), BUILT], { stdio: 'ignore' });
    await toolkit.start();
    process.env.FIREBASE_AUTH_EMULATOR_HOST = toolkit.host;
    toolkit.add({ localId: 'uid-admin', email: 'admin@example.com', customAttributes: JSON.stringify({ admin: true }) }).setPassword('uid-admin', 'right-horse-battery');
    toolkit.add({ localId: 'uid-viewer', email: 'viewer@example.com' }).setPassword('uid-viewer', 'viewer-password');
    app = initializeApp({ projectId: PROJECT }, `status-sign-in-${Date.now()}`);
    api = await startTestApi({ authenticate: createAuthenticator({ apiKeys: () => KEYS, firebase: { verifyIdToken: firebaseIdTokenVerifier(() => getAuth(app)) } }) });
    const registered = await call(api.url, 'POST', '/canaries', {
      token: KEYS.ci,
      headers: { 'content-type': 'application/json' },
      body: { platform: 'web', release: 'v9.1.0', previousRelease: 'v9.0.0', channel: 'alpha', target: { repository: 'acme/app', hostingSite: 'demo-site', hostingChannel: 'alpha' } },
    });
    expect(registered.status).toBe(201);
    canaryId = (registered.json as { id: string }).id;

    page = statusPageMount({ pollMs: 60_000, dir: BUILT, config: { auth: 'firebase', apiBase: '', pollMs: 60_000, firebaseApiKey: WEB_KEY, authEmulator: toolkit.http.url } });
    const target = new URL(api.url);
    site = await listen((req: IncomingMessage, res: ServerResponse) => {
      if ((req.url ?? '/').startsWith('/status')) return void page.handler(req, res);
      received.push({ path: req.url ?? '/', token: String(req.headers.authorization ?? '').replace(/^Bearer /, '') });
      const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (reply) => {
        res.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(res);
      });
      req.pipe(upstream);
    });
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await api?.close();
    if (app) await deleteApp(app);
    await toolkit.stop();
    if (saved === undefined) delete process.env.FIREBASE_AUTH_EMULATOR_HOST;
    else process.env.FIREBASE_AUTH_EMULATOR_HOST = saved;
  });

  /** A fresh tab (its own sessionStorage) that submits the form. */
  async function signIn(email: string, password: string): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(`${site.url}/status/`);
    await page.waitForSelector('#email');
    await page.type('#email', email);
    await page.type('#password', password);
    await page.keyboard.press('Enter');
    return page;
  }

  /** Every API call was the admin's and none was refused (the in-memory test API has no notification store: its 503 is not about sign-in). */
  function expectAdminAccepted(): void {
    expect(api.logs.length).toBeGreaterThan(0);
    for (const log of api.logs) {
      expect(log).toMatchObject({ actor: 'firebase:uid-admin' });
      expect([401, 403]).not.toContain(log.status);
    }
    expect(api.logs.filter((l) => l.path === '/canaries').map((l) => l.status)).toContain(200);
  }

  beforeEach(() => {
    api.logs.length = 0;
    received.length = 0;
    toolkit.http.requests.length = 0;
    toolkit.issued.length = 0;
    toolkit.lifetimeSeconds = 3600;
  });

  it('tells a wrong password as “wrong e-mail or password” and calls the API not at all', async () => {
    const page = await signIn('admin@example.com', 'not-the-password');
    await page.waitForFunction(`/wrong e-mail or password/.test(${text('[role=alert]')})`, { timeout: 10_000 });
    const calls = toolkit.http.calls('POST', /accounts:signInWithPassword$/);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.query.get('key')).toBe(WEB_KEY);
    expect(calls[0]!.body).toEqual({ email: 'admin@example.com', password: 'not-the-password', returnSecureToken: true });
    expect(toolkit.issued).toEqual([]);
    expect(received).toEqual([]);
    await page.close();
  });

  it('refuses a signed-in account without the admin claim with the API’s 403 and stays on the form', async () => {
    const page = await signIn('viewer@example.com', 'viewer-password');
    await page.waitForFunction(`/403/.test(${text('[role=alert]')})`, { timeout: 10_000 });
    expect(await page.$eval('[role=alert]', (el) => el.textContent)).toBe('403 forbidden: this account has no admin claim (npm run admin:grant -- --email <address>)');
    expect(await page.$('table.canaries')).toBeNull();
    expect(await page.$('#email')).not.toBeNull();
    // The API did get the emulator's token for this account: the refusal is the claim, not the token.
    expect(toolkit.issued.map((t) => t.localId)).toEqual(['uid-viewer']);
    expect(received.map((r) => r.token)).toEqual([toolkit.issued[0]!.idToken]);
    expect(api.logs.at(-1)).toMatchObject({ status: 403 });
    await page.close();
  });

  it('shows an admin the canary list, with the ID token from the sign-in on every API call', async () => {
    const page = await signIn('admin@example.com', 'right-horse-battery');
    await page.waitForSelector(`tr[data-canary="${canaryId}"]`, { timeout: 10_000 });
    expect(await page.$eval(`tr[data-canary="${canaryId}"]`, (el) => el.textContent ?? '')).toMatch(/v9\.1\.0/);
    expect(await page.evaluate(text('#account'))).toMatch(/admin@example\.com/);
    expect(toolkit.issued.map((t) => t.via)).toEqual(['password']);
    expect(toolkit.http.calls('POST', /\/v1\/token$/)).toEqual([]);
    expect(received.length).toBeGreaterThanOrEqual(2);
    expect(new Set(received.map((r) => r.token))).toEqual(new Set([toolkit.issued[0]!.idToken]));
    expectAdminAccepted();
    await page.close();
  });

  it('refreshes a token that expires within five minutes through Secure Token, and the next API call carries the new one', async () => {
    toolkit.lifetimeSeconds = 240;
    const page = await signIn('admin@example.com', 'right-horse-battery');
    await page.waitForSelector(`tr[data-canary="${canaryId}"]`, { timeout: 10_000 });
    const [signedIn, firstRefresh] = toolkit.issued;
    expect(signedIn!.via).toBe('password');
    expect(firstRefresh!.via).toBe('refresh');
    const refreshes = toolkit.http.calls('POST', /^\/securetoken\.googleapis\.com\/v1\/token$/);
    expect(refreshes.length).toBe(toolkit.issued.filter((t) => t.via === 'refresh').length);
    expect(refreshes[0]!.query.get('key')).toBe(WEB_KEY);
    expect(refreshes[0]!.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(Object.fromEntries(new URLSearchParams(refreshes[0]!.rawBody))).toEqual({ grant_type: 'refresh_token', refresh_token: signedIn!.refreshToken });
    // The sign-in's own token never reached the API: the first call already carried the refreshed one.
    expect(received[0]!.token).toBe(firstRefresh!.idToken);
    const refreshed = new Set(toolkit.issued.filter((t) => t.via === 'refresh').map((t) => t.idToken));
    expect(received.every((r) => refreshed.has(r.token))).toBe(true);
    expect(received.some((r) => r.token === signedIn!.idToken)).toBe(false);
    // Each later refresh presented the refresh token the one before it returned.
    for (let i = 1; i < refreshes.length; i++) {
      expect(new URLSearchParams(refreshes[i]!.rawBody).get('refresh_token')).toBe(toolkit.issued[i]!.refreshToken);
    }
    expectAdminAccepted();
    await page.close();
  });

  it('refuses a config.json whose authEmulator is not an http(s) origin, saying so, and sends no credentials anywhere', async () => {
    const good = page;
    try {
      for (const bad of ['javascript:alert(1)', 'file:///etc/passwd', 'http://127.0.0.1:9099/some/path', 42]) {
        page = statusPageMount({ pollMs: 60_000, dir: BUILT, config: { auth: 'firebase', apiBase: '', pollMs: 60_000, firebaseApiKey: WEB_KEY, authEmulator: bad } });
        const tab = await browser.newPage();
        await tab.goto(`${site.url}/status/`);
        await tab.waitForFunction(`/could not load its configuration/.test(${text('#main')})`, { timeout: 10_000 });
        expect(await tab.evaluate(text('#main'))).toMatch(/authEmulator must be an http\(s\) origin/);
        expect(await tab.$('#password')).toBeNull();
        await tab.close();
      }
    } finally {
      page = good;
    }
    expect(toolkit.http.requests).toEqual([]);
    expect(received).toEqual([]);
  });
});
