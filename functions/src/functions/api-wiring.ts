import type { Octokit } from '@octokit/rest';
import type { JWTVerifyGetKey } from 'jose';
import * as logger from 'firebase-functions/logger';
import { z } from 'zod';
import { createFirestoreAuditLog, createFirestoreCanaryStore, createFirestoreConfigStore, createFirestoreIdempotencyStore, createFirestoreIncidentStore, getDb } from '../adapters/firestore';
import { createFirestoreAuditSealStore } from '../adapters/firestore/audit-seal-store';
import { createFirestoreNotificationOutbox } from '../adapters/firestore/notification-outbox';
import { createGitHubClient } from '../adapters/github/client';
import { createGitHubGuardianFacts } from '../adapters/github/guardian-facts';
import { API_KEYS, DEFAULT_REPOSITORY, GITHUB_API_URL, GITHUB_TOKEN, OIDC_POLICY } from '../config/params';
import { createAuthenticator, type FirebaseIdClaims } from '../http/auth';
import type { ApiDeps } from '../http/deps';
import { parseOidcPolicy } from '../http/oidc-policy';
import { systemClock } from '../ports';

const ApiKeys = z.record(z.string().min(1).max(100), z.string().min(16, { error: 'keys must be at least 16 characters' }));

/** The API_KEYS secret parsed once per value; a bad secret lets no key in and says so once (without the value). */
function apiKeysReader(): () => Record<string, string> {
  let seen: string | undefined;
  let keys: Record<string, string> = {};
  return () => {
    const raw = API_KEYS.value();
    if (raw !== seen) {
      seen = raw;
      let parsed: ReturnType<typeof ApiKeys.safeParse> | undefined;
      try {
        parsed = ApiKeys.safeParse(JSON.parse(raw || '{}'));
      } catch {
        parsed = undefined;
      }
      keys = parsed?.success ? parsed.data : {};
      if (!parsed?.success) logger.error('API_KEYS is not a JSON object {"name": "key"} of keys of 16+ characters: no API key is accepted');
    }
    return keys;
  };
}

/** GitHub's JWKS, fetched on the first OIDC call and cached by jose (10 min, 30 s cooldown). */
function remoteKeys(url: string): JWTVerifyGetKey {
  let keys: JWTVerifyGetKey | undefined;
  return async (header, token) => {
    keys ??= (await import('jose')).createRemoteJWKSet(new URL(url));
    return keys(header, token);
  };
}

/** The status page's admins' ID tokens, checked by firebase-admin (loaded on the first one). */
async function verifyFirebaseIdToken(token: string): Promise<FirebaseIdClaims> {
  const [{ getAuth }, { firebaseIdTokenVerifier }] = await Promise.all([import('firebase-admin/auth'), import('../http/firebase-id-token')]);
  return firebaseIdTokenVerifier(() => getAuth())(token);
}

/**
 * The API's production collaborators: Firestore adapters, GitHub through Octokit, API keys from
 * Secret Manager and the OIDC allow-list from OIDC_POLICY. Built on the first request (params and
 * secrets are only readable at run time); an invalid OIDC_POLICY throws here and the caller answers 503.
 */
export function productionApiDeps(): ApiDeps {
  const db = getDb();
  const oidcPolicy = parseOidcPolicy(OIDC_POLICY.value());
  let octokit: Promise<Octokit> | undefined;
  return {
    canaries: createFirestoreCanaryStore(db),
    incidents: createFirestoreIncidentStore(db),
    audit: createFirestoreAuditLog(db),
    config: createFirestoreConfigStore(db),
    idempotency: createFirestoreIdempotencyStore(db),
    clock: systemClock,
    github: createGitHubGuardianFacts(
      () => (octokit ??= createGitHubClient({ token: GITHUB_TOKEN.value(), baseUrl: GITHUB_API_URL.value() || undefined, maxRateLimitWaitMs: 5_000 })),
    ),
    authenticate: createAuthenticator({
      apiKeys: apiKeysReader(),
      ...(oidcPolicy ? { oidc: { policy: oidcPolicy, keys: remoteKeys(oidcPolicy.jwksUrl ?? `${oidcPolicy.issuer}/.well-known/jwks`) } } : {}),
      firebase: { verifyIdToken: verifyFirebaseIdToken },
    }),
    auditTrail: createFirestoreAuditSealStore(db),
    outbox: createFirestoreNotificationOutbox(db),
    // The same steps (and config/rollback) the rollback runs, so readiness proves what will run.
    rollbackActuators: async () => (await import('./rollback-wiring')).productionRollbackDeps().then((d) => d.actuators),
    ...(DEFAULT_REPOSITORY.value() ? { defaultRepository: DEFAULT_REPOSITORY.value() } : {}),
  };
}
