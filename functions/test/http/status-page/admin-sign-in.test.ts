import { deleteApp, initializeApp, type App } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { firebaseIdTokenVerifier } from '../../../src/http/firebase-id-token';
import { createAuthenticator } from '../../../src/http/auth';
import { FakeHttpServer } from '../../fakes/http-fake';
import { LoopbackAgent } from '../../support/loopback-agent';
import { call, KEYS, startTestApi, type TestApi } from '../harness';

const PROJECT = 'demo-status-auth';

/**
 * The real firebase-admin ID token verifier: it fetches Google's signing keys from the fixed
 * https://www.googleapis.com/robot/v1/metadata/x509/securetoken@system.gserviceaccount.com, here
 * served by a fake on 127.0.0.1 through the app's agent, with keys the test holds.
 */
describe('status page sign-in: Firebase ID tokens with the admin claim, checked by firebase-admin', () => {
  let fake: FakeHttpServer;
  let app: App;
  let api: TestApi;
  let key: CryptoKey;
  let otherKey: CryptoKey;

  const idToken = (claims: Record<string, unknown>, opts: { signWith?: CryptoKey; exp?: number; aud?: string } = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ auth_time: now - 10, email: 'ops@example.com', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'JWT' })
      .setIssuer(`https://securetoken.google.com/${opts.aud ?? PROJECT}`)
      .setAudience(opts.aud ?? PROJECT)
      .setSubject('uid-ops-1')
      .setIssuedAt(now - 10)
      .setExpirationTime(opts.exp ?? now + 3600)
      .sign(opts.signWith ?? key);
  };

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    key = pair.privateKey;
    otherKey = (await generateKeyPair('RS256')).privateKey;
    fake = new FakeHttpServer().on('GET', /^\/robot\/v1\/metadata\/x509\//, { body: { k1: await exportSPKI(pair.publicKey) }, headers: { 'cache-control': 'public, max-age=3600' } });
    await fake.start();
    app = initializeApp({ projectId: PROJECT, httpAgent: new LoopbackAgent(Number(new URL(fake.url).port)) }, `status-auth-${Date.now()}`);
    api = await startTestApi({ authenticate: createAuthenticator({ apiKeys: () => KEYS, firebase: { verifyIdToken: firebaseIdTokenVerifier(() => getAuth(app)) } }) });
  });
  afterAll(async () => {
    await api.close();
    await deleteApp(app);
    await fake.stop();
  });

  it('lets an admin read the canaries, verified against the published key', async () => {
    const reply = await call(api.url, 'GET', '/canaries', { token: await idToken({ admin: true }) });
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ canaries: [] });
    expect(fake.calls('GET', /securetoken/).length).toBeGreaterThanOrEqual(1);
    expect(api.logs.at(-1)).toMatchObject({ actor: 'firebase:uid-ops-1', status: 200 });
  });

  it('refuses a signed-in user without the admin claim with 403 naming the claim', async () => {
    for (const claims of [{}, { admin: 'true' }, { admin: false }]) {
      const reply = await call(api.url, 'GET', '/canaries', { token: await idToken(claims) });
      expect(reply.status).toBe(403);
      expect(reply.json).toMatchObject({ error: 'forbidden', claim: 'admin' });
    }
  });

  it('refuses a forged, expired or other project’s token with 401 and no data', async () => {
    const forged = await call(api.url, 'GET', '/canaries', { token: await idToken({ admin: true }, { signWith: otherKey }) });
    expect(forged.status).toBe(401);
    expect(forged.json).toMatchObject({ error: 'invalid_token' });
    const expired = await call(api.url, 'GET', '/canaries', { token: await idToken({ admin: true }, { exp: Math.floor(Date.now() / 1000) - 60 }) });
    expect(expired.status).toBe(401);
    expect(expired.json).toEqual({ error: 'invalid_token', claim: 'exp' });
    const foreign = await call(api.url, 'GET', '/canaries', { token: await idToken({ admin: true }, { aud: 'someone-else' }) });
    expect(foreign.status).toBe(401);
    expect(foreign.json).toMatchObject({ error: 'invalid_token' });
    expect(foreign.text).not.toMatch(/at .*\.js/);
  });

  it('lets an admin sign-in read only: a rollback request is refused with 403 and nothing is written', async () => {
    const reply = await call(api.url, 'POST', '/rollback', { token: await idToken({ admin: true }), body: { release: 'v1.0.0', reason: 'from the page' }, headers: { 'content-type': 'application/json' } });
    expect(reply.status).toBe(403);
    expect(reply.json).toMatchObject({ error: 'forbidden' });
    expect(api.audit.entries).toHaveLength(0);
  });

  it('still accepts the API keys (CI and the local runner) beside ID tokens', async () => {
    expect((await call(api.url, 'GET', '/canaries', { token: KEYS.ci })).status).toBe(200);
  });
});
