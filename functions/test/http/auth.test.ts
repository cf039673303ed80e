import { createRemoteJWKSet, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import type { AuditLog, CanaryStore } from '../../src/ports';
import { FakeHttpServer } from '../fakes/http-fake';
import { MemoryAuditLog, MemoryCanaryStore } from '../fakes/memory-store';
import { call, KEYS, startTestApi, type TestApi } from './harness';

const ISS = 'https://token.actions.githubusercontent.com';
const AUD = 'https://canary.example.com';
const policy = { audience: AUD, issuer: ISS, repositories: ['acme/app'], repositoryIds: ['123'], refs: ['refs/tags/v*'], environments: ['production'] };
const goodClaims = { repository: 'acme/app', repository_id: '123', ref: 'refs/tags/v29.1.0', environment: 'production' };

let jwks: FakeHttpServer;
let key: CryptoKey;
let otherKey: CryptoKey;
let api: TestApi;
let storeCalls: string[];

/** Counts every store access, so "no store access" is measured rather than assumed. */
function counting<T extends object>(target: T, label: string): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      const value = Reflect.get(t, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        storeCalls.push(`${label}.${String(prop)}`);
        return (value as (...a: unknown[]) => unknown).apply(t, args);
      };
    },
  });
}

async function token(claims: JWTPayload, opts: { signWith?: CryptoKey; aud?: string; iss?: string; exp?: number | string; iat?: number } = {}): Promise<string> {
  const jwt = new SignJWT({ jti: `jti-${Math.random()}`, ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(opts.iss ?? ISS)
    .setAudience(opts.aud ?? AUD)
    .setIssuedAt(opts.iat)
    .setExpirationTime(opts.exp ?? '5m');
  return jwt.sign(opts.signWith ?? key);
}

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  key = pair.privateKey;
  otherKey = (await generateKeyPair('RS256')).privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwks = new FakeHttpServer().on('GET', '/.well-known/jwks', { body: { keys: [jwk] } });
  await jwks.start();
});
afterAll(() => jwks.stop());

/** A canary store and its linked audit log, each counting the calls made to it. */
function linked(): { canaries: CanaryStore; audit: AuditLog } {
  const audit = new MemoryAuditLog();
  return { canaries: counting<CanaryStore>(new MemoryCanaryStore(undefined, audit), 'canaries'), audit: counting<AuditLog>(audit, 'audit') };
}

beforeEach(async () => {
  storeCalls = [];
  api = await startTestApi({
    ...linked(),
    oidc: { policy, keys: createRemoteJWKSet(new URL(`${jwks.url}/.well-known/jwks`)) },
  });
});
afterEach(() => api.close());

const list = (t?: string, headers?: Record<string, string>) => call(api.url, 'GET', '/canaries', { ...(t !== undefined ? { token: t } : {}), ...(headers ? { headers } : {}) });

describe('authentication (H1-H4)', () => {
  it('H1: refuses a call without Authorization with 401 JSON naming what is missing, and touches no store', async () => {
    const reply = await list();
    expect(reply.status).toBe(401);
    expect(reply.json).toEqual({ error: 'unauthenticated', missing: 'authorization header' });
    expect(reply.headers['www-authenticate']).toBe('Bearer');
    expect(storeCalls).toEqual([]);
  });

  it('refuses a non-Bearer scheme with 401', async () => {
    const reply = await list(undefined, { authorization: `Basic ${Buffer.from('ci:x').toString('base64')}` });
    expect(reply.status).toBe(401);
    expect(reply.json).toMatchObject({ error: 'unauthenticated', missing: 'bearer token' });
  });

  it('H2: answers 401 (never 500) to wrong keys of the same length, other lengths, empty and non-ASCII', async () => {
    const wrong = [
      KEYS.ci.slice(0, -1) + (KEYS.ci.endsWith('f') ? 'e' : 'f'),
      KEYS.ci.toUpperCase(),
      KEYS.ci + 'x',
      KEYS.ci.slice(1),
      'x',
      'clé-\u00e9\u00fc\u00ff',
      '\u00ff'.repeat(64),
      ...Array.from({ length: 30 }, (_, i) => Buffer.from(Array.from({ length: (i * 7) % 90 + 1 }, (_, j) => 33 + ((i * 31 + j * 17) % 94))).toString('latin1')),
    ];
    const replies = await Promise.all(wrong.map((w) => list(w)));
    expect(replies.map((r) => r.status)).toEqual(wrong.map(() => 401));
    expect(replies.every((r) => r.json.error === 'invalid_credentials')).toBe(true);
    const empty = await list(undefined, { authorization: 'Bearer ' });
    expect(empty.status).toBe(401);
    expect(storeCalls).toEqual([]);
  });

  it('accepts each configured key and records its name, never the key, as the actor', async () => {
    const reply = await call(api.url, 'POST', '/audit', { token: KEYS.ops, body: { action: 'auto_rollback', reason: 'r', version: 'v1.0.0' } });
    expect(reply.status).toBe(201);
    const [entry] = await api.deps.audit.list({});
    expect(entry.actorUid).toBe('ops');
    expect(JSON.stringify(entry)).not.toContain(KEYS.ops);
    expect(JSON.stringify(api.logs)).not.toContain(KEYS.ops);
  });

  it('accepts a valid GitHub Actions OIDC token verified against the JWKS', async () => {
    const t = await token(goodClaims);
    const reply = await call(api.url, 'POST', '/audit', { token: t, body: { action: 'auto_rollback', reason: 'r', version: 'v1.0.0' } });
    expect(reply.status).toBe(201);
    const [entry] = await api.deps.audit.list({});
    expect(entry.actorUid).toBe('github-actions:acme/app:env:production');
    expect(JSON.stringify(entry)).not.toContain(t);
    expect(JSON.stringify(api.logs)).not.toContain(t.split('.')[2]);
  });

  it.each([
    ['repository', { ...goodClaims, repository: 'evil/app' }, 403],
    ['repository_id', { ...goodClaims, repository_id: '999' }, 403],
    ['ref', { ...goodClaims, ref: 'refs/heads/main' }, 403],
    ['environment', { ...goodClaims, environment: 'staging' }, 403],
  ])('H3: refuses a token for the wrong %s with 403 naming the claim', async (claim, claims, status) => {
    const reply = await list(await token(claims));
    expect(reply.status).toBe(status);
    expect(reply.json).toEqual({ error: 'forbidden', claim });
  });

  it('H3: refuses wrong audience, wrong issuer, expired, alg none and another signer with 401 naming what failed', async () => {
    const now = Math.floor(Date.now() / 1000);
    const header = (h: object) => Buffer.from(JSON.stringify(h)).toString('base64url');
    const unsigned = `${header({ alg: 'none', typ: 'JWT' })}.${header({ ...goodClaims, iss: ISS, aud: AUD, iat: now, exp: now + 300 })}.`;
    const cases: [string, string][] = [
      ['aud', await token(goodClaims, { aud: 'https://github.com/acme' })],
      ['iss', await token(goodClaims, { iss: 'https://evil.example' })],
      ['exp', await token(goodClaims, { iat: now - 3600, exp: now - 600 })],
      ['alg', unsigned],
      ['signature', await token(goodClaims, { signWith: otherKey })],
    ];
    for (const [claim, t] of cases) {
      const reply = await list(t);
      expect({ claim, status: reply.status, body: reply.json }).toEqual({ claim, status: 401, body: { error: 'invalid_token', claim } });
    }
    expect(storeCalls).toEqual([]);
  });

  it('H4: a replayed request carrying the same token jti has no second side effect', async () => {
    const t = await token({ ...goodClaims, jti: 'same-jti' });
    const body = { action: 'auto_rollback', reason: 'Error rate 8% (threshold 5%)', version: 'v28R.1' };
    const first = await call(api.url, 'POST', '/audit', { token: t, body });
    const second = await call(api.url, 'POST', '/audit', { token: t, body });
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(second.json.id).toBe(first.json.id);
    expect(await api.deps.audit.list({})).toHaveLength(1);
    // The same token may still make a different call.
    const other = await call(api.url, 'POST', '/audit', { token: t, body: { ...body, reason: 'other' } });
    expect(other.status).toBe(201);
  });

  it('H4: a replayed request with the same Idempotency-Key writes one audit entry', async () => {
    const body = { action: 'auto_rollback', reason: 'r', version: 'v28R.1' };
    const headers = { 'idempotency-key': 'run-42-attempt-1' };
    // Concurrent copies: one runs, the others are told it is in flight (409) or get its answer replayed.
    const replies = await Promise.all([1, 2, 3].map(() => call(api.url, 'POST', '/audit', { token: KEYS.ci, body, headers })));
    expect(replies.filter((r) => r.status === 201 && !r.headers['idempotent-replayed'])).toHaveLength(1);
    for (const r of replies) expect([201, 409]).toContain(r.status);
    // Replayed after the fact: the first answer, the same entry.
    const later = await Promise.all([1, 2].map(() => call(api.url, 'POST', '/audit', { token: KEYS.ci, body, headers })));
    expect(later.map((r) => r.status)).toEqual([201, 201]);
    expect(new Set([...replies, ...later].filter((r) => r.status === 201).map((r) => r.json.id)).size).toBe(1);
    expect(await api.deps.audit.list({})).toHaveLength(1);
  });
});
