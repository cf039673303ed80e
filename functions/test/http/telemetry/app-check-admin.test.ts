import { deleteApp, initializeApp } from 'firebase-admin/app';
import { getAppCheck } from 'firebase-admin/app-check';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { FakeHttpServer } from '../../fakes/http-fake';
import { LoopbackAgent } from '../../support/loopback-agent';

// firebase-admin fetches App Check keys from the fixed https://firebaseappcheck.googleapis.com/v1/jwks.

describe("firebase-admin's App Check verifier against a local JWKS", () => {
  it('accepts a token signed by a published key for this project, and rejects a forged, expired or foreign one', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const other = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    const fake = new FakeHttpServer();
    fake.on('GET', '/v1/jwks', { body: { keys: [jwk] } });
    await fake.start();
    const port = Number(new URL(fake.url).port);
    const app = initializeApp({ projectId: 'demo-appcheck', httpAgent: new LoopbackAgent(port) }, `appcheck-${Date.now()}`);
    const sign = (key: Parameters<SignJWT['sign']>[0], claims: { aud?: string[]; exp?: number } = {}) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'JWT' })
        .setIssuer('https://firebaseappcheck.googleapis.com/123456')
        .setSubject('1:123456:web:abcdef')
        .setAudience(claims.aud ?? ['projects/123456', 'projects/demo-appcheck'])
        .setIssuedAt()
        .setExpirationTime(claims.exp ?? Math.floor(Date.now() / 1000) + 3600)
        .sign(key);
    const verify = (token: string) => getAppCheck(app).verifyToken(token);
    try {
      await expect(verify(await sign(privateKey))).resolves.toMatchObject({ appId: '1:123456:web:abcdef' });
      await expect(verify(await sign(other.privateKey))).rejects.toThrow(/signature/);
      await expect(verify(await sign(privateKey, { exp: Math.floor(Date.now() / 1000) - 60 }))).rejects.toThrow(/expired/);
      await expect(verify(await sign(privateKey, { aud: ['projects/someone-else'] }))).rejects.toThrow(/aud/);
      expect(fake.calls('GET', '/v1/jwks').length).toBeGreaterThanOrEqual(1);
    } finally {
      await deleteApp(app);
      await fake.stop();
    }
  });
});
