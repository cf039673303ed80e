import { createHash, timingSafeEqual } from 'node:crypto';
import type { Response } from 'express';
import picomatch from 'picomatch';
import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import type { OidcPolicy } from './oidc-policy';

/** Who made a request. `actor` is what audit entries record as actorUid; never a secret. */
export interface Caller {
  actor: string;
  /** `firebase`: a person signed in to the status page (Firebase Auth ID token with the `admin` claim); reads only. */
  kind: 'api_key' | 'oidc' | 'firebase';
  /** OIDC token id: part of the idempotency key of the request's side effects (H4). */
  jti?: string;
}

export type AuthResult =
  | { ok: true; caller: Caller }
  | { ok: false; status: 401 | 403; body: { error: string; [k: string]: string } };

export type Authenticator = (authorization: string | undefined) => Promise<AuthResult>;

export interface AuthOptions {
  /** {"name": "key"}: read per request so a rotated secret takes effect without a redeploy of code. */
  apiKeys: () => Record<string, string>;
  oidc?: {
    policy: OidcPolicy;
    /** A key set: createRemoteJWKSet in production, createLocalJWKSet or a local server in tests. */
    keys: JWTVerifyGetKey;
    /** Tests pin the verification time. */
    currentDate?: () => Date;
  };
  /**
   * Firebase Auth ID tokens of the status page's admins: firebase-admin's verifyIdToken (signature,
   * project, expiry) in production; the `admin` custom claim is checked here.
   */
  firebase?: { verifyIdToken: (token: string) => Promise<FirebaseIdClaims> };
}

/** The verified claims of a Firebase ID token that this API reads. */
export interface FirebaseIdClaims {
  uid: string;
  email?: string;
  admin?: unknown;
}

const FIREBASE_ISSUER = 'https://securetoken.google.com/';

/** The unverified `iss` of a JWT, only to pick which verifier checks it (that verifier checks it again). */
function unverifiedIssuer(token: string): string {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iss?: unknown };
    return typeof payload.iss === 'string' ? payload.iss : '';
  } catch {
    return '';
  }
}

/** firebase-admin's error codes, as the field the caller should look at. */
function firebaseClaimOf(err: unknown): string {
  const code = String((err as { code?: unknown })?.code ?? '');
  if (code === 'auth/id-token-expired') return 'exp';
  if (code === 'auth/id-token-revoked') return 'revoked';
  if (code === 'auth/argument-error' && /signature/i.test(String((err as Error)?.message))) return 'signature';
  if (code === 'auth/argument-error' && /"aud"/.test(String((err as Error)?.message))) return 'aud';
  return 'token';
}

async function firebaseCaller(verify: NonNullable<AuthOptions['firebase']>['verifyIdToken'], token: string): Promise<AuthResult> {
  let claims: FirebaseIdClaims;
  try {
    claims = await verify(token);
  } catch (err) {
    return { ok: false, status: 401, body: { error: 'invalid_token', claim: firebaseClaimOf(err) } };
  }
  if (claims.admin !== true) return { ok: false, status: 403, body: { error: 'forbidden', claim: 'admin', detail: 'this account has no admin claim (npm run admin:grant -- --email <address>)' } };
  // The uid is the stable name (an e-mail can change); kept to safe characters, it may reach logs.
  return { ok: true, caller: { actor: `firebase:${claims.uid.replace(/[^A-Za-z0-9._@-]/g, '_').slice(0, 128)}`, kind: 'firebase' } };
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
const JWT_SHAPE = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

/** The caller set by the auth middleware (routes mounted by createApp can rely on it). */
export function callerOf(res: Response): Caller {
  return res.locals.caller as Caller;
}

/**
 * Compares the presented key with every configured key in constant time. Both sides are hashed
 * first: timingSafeEqual throws on buffers of different lengths, which would also leak the length.
 */
function matchApiKey(token: string, keys: Record<string, string>): string | null {
  const presented = digest(token);
  let match: string | null = null;
  for (const [name, key] of Object.entries(keys)) {
    if (typeof key !== 'string' || key.length === 0) continue;
    if (timingSafeEqual(presented, digest(key)) && match === null) match = name;
  }
  return match;
}

function claimOf(err: unknown): string {
  const e = err as { code?: string; claim?: string };
  if (e.code === 'ERR_JWT_EXPIRED') return 'exp';
  if (e.code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && e.claim) return e.claim;
  if (e.code === 'ERR_JOSE_ALG_NOT_ALLOWED' || e.code === 'ERR_JOSE_NOT_SUPPORTED') return 'alg';
  if (e.code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' || e.code === 'ERR_JWKS_NO_MATCHING_KEY') return 'signature';
  return 'token';
}

function allowed(policy: OidcPolicy, claims: JWTPayload): string | null {
  const repository = String(claims.repository ?? '');
  if (!policy.repositories.some((r) => r.toLowerCase() === repository.toLowerCase())) return 'repository';
  if (policy.repositoryIds.length > 0 && !policy.repositoryIds.includes(String(claims.repository_id ?? ''))) return 'repository_id';
  if (policy.refs.length > 0 && !picomatch(policy.refs)(String(claims.ref ?? ''))) return 'ref';
  if (policy.environments.length > 0 && !policy.environments.includes(String(claims.environment ?? ''))) return 'environment';
  return null;
}

/** Builds the check every request passes first: an API key, a GitHub Actions OIDC token, or an admin's Firebase ID token. */
export function createAuthenticator(options: AuthOptions): Authenticator {
  return async (authorization): Promise<AuthResult> => {
    if (!authorization) return { ok: false, status: 401, body: { error: 'unauthenticated', missing: 'authorization header' } };
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
    if (!m) return { ok: false, status: 401, body: { error: 'unauthenticated', missing: 'bearer token', expected: 'Authorization: Bearer <key or OIDC token>' } };
    const token = m[1];
    if (options.firebase && JWT_SHAPE.test(token) && unverifiedIssuer(token).startsWith(FIREBASE_ISSUER)) return firebaseCaller(options.firebase.verifyIdToken, token);
    if (options.oidc && JWT_SHAPE.test(token)) {
      const { jwtVerify } = await import('jose');
      const { policy, keys, currentDate } = options.oidc;
      let claims: JWTPayload;
      try {
        ({ payload: claims } = await jwtVerify(token, keys, {
          issuer: policy.issuer,
          audience: policy.audience,
          algorithms: ['RS256'],
          requiredClaims: ['repository', 'ref', 'exp', 'iat'],
          clockTolerance: 30,
          ...(currentDate ? { currentDate: currentDate() } : {}),
        }));
      } catch (err) {
        return { ok: false, status: 401, body: { error: 'invalid_token', claim: claimOf(err) } };
      }
      const failed = allowed(policy, claims);
      if (failed) return { ok: false, status: 403, body: { error: 'forbidden', claim: failed } };
      const where = claims.environment ? `env:${String(claims.environment)}` : String(claims.ref);
      return {
        ok: true,
        caller: { actor: `github-actions:${String(claims.repository)}:${where}`.slice(0, 200), kind: 'oidc', ...(claims.jti ? { jti: String(claims.jti) } : {}) },
      };
    }
    let keys: Record<string, string>;
    try {
      keys = options.apiKeys();
    } catch {
      keys = {};
    }
    const name = matchApiKey(token, keys);
    if (!name) return { ok: false, status: 401, body: { error: 'invalid_credentials' } };
    return { ok: true, caller: { actor: name, kind: 'api_key' } };
  };
}
