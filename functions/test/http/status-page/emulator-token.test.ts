import { deleteApp, getApps, initializeApp, type App } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { main as adminGrant } from '../../../src/cli/admin-grant';
import { createAuthenticator } from '../../../src/http/auth';
import { firebaseIdTokenVerifier } from '../../../src/http/firebase-id-token';
import { FakeIdentityToolkit } from '../../fakes/identity-toolkit';
import { call, KEYS, startTestApi, type TestApi } from '../harness';

const PROJECT = 'demo-status-emulator';

/**
 * What the Auth emulator mints: an unsigned token (`alg: none`, empty signature) with the account's
 * custom claims, which firebase-admin accepts only while FIREBASE_AUTH_EMULATOR_HOST is set. The
 * claims come from the fake Identity Toolkit, as npm run admin:grant left them.
 */
function emulatorIdToken(uid: string, claims: Record<string, unknown>): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const payload = { ...claims, iss: `https://securetoken.google.com/${PROJECT}`, aud: PROJECT, sub: uid, user_id: uid, auth_time: now - 5, iat: now - 5, exp: now + 3600, firebase: { sign_in_provider: 'password', identities: {} } };
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(payload)}.`;
}

describe('status page sign-in with the Auth emulator: the admin claim as npm run admin:grant writes it', () => {
  const toolkit = new FakeIdentityToolkit(PROJECT);
  const saved = process.env.FIREBASE_AUTH_EMULATOR_HOST;
  let app: App;
  let api: TestApi;
  const grant = async (...args: string[]) => expect(await adminGrant([...args, '--project', PROJECT], () => undefined)).toBe(0);
  const token = () => emulatorIdToken('uid-ops', toolkit.claims('uid-ops'));

  beforeAll(async () => {
    await toolkit.start();
    process.env.FIREBASE_AUTH_EMULATOR_HOST = toolkit.host;
    toolkit.add({ localId: 'uid-ops', email: 'ops@example.com' });
    app = initializeApp({ projectId: PROJECT }, `emulator-token-${Date.now()}`);
    api = await startTestApi({ authenticate: createAuthenticator({ apiKeys: () => KEYS, firebase: { verifyIdToken: firebaseIdTokenVerifier(() => getAuth(app)) } }) });
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.FIREBASE_AUTH_EMULATOR_HOST;
    else process.env.FIREBASE_AUTH_EMULATOR_HOST = saved;
    await api.close();
    // The command's own app too (it keeps one per project, as a CLI run would).
    await Promise.all(getApps().map((a) => deleteApp(a)));
    await toolkit.stop();
  });

  it('refuses the account with 403 naming the claim before the grant', async () => {
    const reply = await call(api.url, 'GET', '/canaries', { token: token() });
    expect(reply.status).toBe(403);
    expect(reply.json).toMatchObject({ error: 'forbidden', claim: 'admin' });
  });

  it('lets it read once granted, still refuses it any change, and refuses it again once revoked', async () => {
    await grant('--email', 'ops@example.com');
    const read = await call(api.url, 'GET', '/canaries', { token: token() });
    expect(read.status).toBe(200);
    expect(read.json).toEqual({ canaries: [] });
    expect(api.logs.at(-1)).toMatchObject({ actor: 'firebase:uid-ops', status: 200 });

    const write = await call(api.url, 'POST', '/rollback', { token: token(), body: { release: 'v1.0.0', reason: 'from the page' }, headers: { 'content-type': 'application/json' } });
    expect(write.status).toBe(403);
    expect(api.audit.entries).toHaveLength(0);

    await grant('--email', 'ops@example.com', '--revoke');
    const after = await call(api.url, 'GET', '/canaries', { token: token() });
    expect(after.status).toBe(403);
    expect(after.json).toMatchObject({ error: 'forbidden', claim: 'admin' });
  });

  it('counts a claim of false or "true" as no claim', async () => {
    for (const admin of [false, 'true']) {
      const reply = await call(api.url, 'GET', '/canaries', { token: emulatorIdToken('uid-ops', { admin }) });
      expect(reply.status).toBe(403);
    }
  });
});
