import { createHash, timingSafeEqual } from 'node:crypto';
import type { Response } from 'express';
import picomatch from 'picomatch';
import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import type { OidcPolicy } from './oidc-policy';

/** Who made a request. `actor` is what audit entries record as actorUid; never a secret. */
export interface Caller {
  actor: string;
  kind: 'api_key' | 'oidc';
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

/** Builds the check every request passes first: an API key, or a GitHub Actions OIDC token. */
export function createAuthenticator(options: AuthOptions): Authenticator {
  return async (authorization): Promise<AuthResult> => {
    if (!authorization) return { ok: false, status: 401, body: { error: 'unauthenticated', missing: 'authorization header' } };
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
    if (!m) return { ok: false, status: 401, body: { error: 'unauthenticated', missing: 'bearer token', expected: 'Authorization: Bearer <key or OIDC token>' } };
    const token = m[1];
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
