import type { Octokit } from '@octokit/rest';
import { z } from 'zod';
import { createGitHubClient } from '../adapters/github/client';
import * as logger from 'firebase-functions/logger';
import { createFirestoreAuditLog, createFirestoreCanaryStore, createFirestoreConfigStore, createFirestoreIncidentStore, createFirestoreTelemetryAggregates, getDb } from '../adapters/firestore';
import { createGitHubIncidentIssues } from '../adapters/github/incident-issue';
import { loadPolicy } from '../app/evaluate/policy-source';
import { defaultPolicy } from '../config/default-policy';
import { createFirestoreRollbackLedger } from '../adapters/firestore/rollback-ledger';
import { createPlatformActuators } from '../adapters/platform-registry';
import { DEFAULT_ROLLBACK_SETTINGS, realSleep, type RollbackDeps } from '../app/rollback/deps';
import { CHANNELS, PLATFORMS } from '../core/types';
import { AUTO_ROLLBACK_ENABLED, DEFAULT_REPOSITORY, GITHUB_API_URL, GITHUB_TOKEN, GLOBAL_DRY_RUN, ROLLBACKS_PER_HOUR } from '../config/params';
import { ROLLBACK_STEPS, systemClock, type ConfigStore } from '../ports';
import { formatSchemaError } from '../adapters/firestore/schema-error';

const Step = z.enum(ROLLBACK_STEPS);
/** `config/rollback`: which steps run per platform, which are off, user counts for affected_users. */
export const RollbackConfigDoc = z.strictObject({
  steps: z.partialRecord(z.enum(PLATFORMS), z.array(Step)).optional(),
  disabled: z.array(Step).optional(),
  usersByPlatform: z.partialRecord(z.enum(PLATFORMS), z.number().int().nonnegative()).optional(),
  playTracks: z.partialRecord(z.enum(CHANNELS), z.string().min(1)).optional(),
  hostingChannels: z.partialRecord(z.enum(CHANNELS), z.string().min(1)).optional(),
});

/** Reads and validates `config/rollback` (absent: every default); invalid: an error naming the fields. */
export async function readRollbackConfig(store: ConfigStore): Promise<z.output<typeof RollbackConfigDoc>> {
  const parsed = RollbackConfigDoc.safeParse((await store.get('rollback')) ?? {});
  if (!parsed.success) throw new Error(`config/rollback is invalid: ${formatSchemaError(parsed.error)}`);
  return parsed.data;
}

let octokit: Promise<Octokit> | undefined;

/** The web host of a GitHub API URL: api.github.com -> github.com; GHES https://h/api/v3 -> https://h. */
export function githubWebUrl(apiUrl: string): string {
  const url = new URL(apiUrl);
  if (url.hostname === 'api.github.com') return 'https://github.com';
  return `${url.protocol}//${url.host}`;
}
let memo: { at: number; deps: Promise<RollbackDeps> } | undefined;
/** config/rollback is re-read at most this often; auth clients keep their token caches meanwhile. */
const DEPS_TTL_MS = 60_000;

/**
 * The rollback's production collaborators, built inside a handler (params and secrets are read
 * at run time only). The GitHub client has its own retries off: the step runner owns retries,
 * honours Retry-After and records each try (plugin-retry would resend a 429 after 1 s).
 */
export function productionRollbackDeps(): Promise<RollbackDeps> {
  const now = Date.now();
  if (!memo || now - memo.at > DEPS_TTL_MS) {
    const deps = buildDeps();
    memo = { at: now, deps };
    deps.catch(() => (memo = undefined));
  }
  return memo.deps;
}

async function buildDeps(): Promise<RollbackDeps> {
  const db = getDb();
  const config = await readRollbackConfig(createFirestoreConfigStore(db));
  const { GoogleAuth } = await import('google-auth-library');
  const actuators = createPlatformActuators({
    clock: systemClock,
    github: {
      client: () =>
        (octokit ??= createGitHubClient({ token: GITHUB_TOKEN.value(), baseUrl: GITHUB_API_URL.value() || undefined, retry: { enabled: false }, maxRateLimitWaitMs: 0 })),
      defaultRepository: DEFAULT_REPOSITORY.value() || undefined,
    },
    play: { auth: new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/androidpublisher'] }), tracks: config.playTracks },
    hosting: { auth: new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/firebase'] }), channels: config.hostingChannels },
    cohorts: { canaries: createFirestoreCanaryStore(db), config: createFirestoreConfigStore(db) },
    steps: config.steps,
    disabled: config.disabled,
  });
  const configStore = createFirestoreConfigStore(db);
  const policyMemo = { policy: defaultPolicy };
  const token = GITHUB_TOKEN.value();
  const apiUrl = GITHUB_API_URL.value() || 'https://api.github.com';
  return {
    incidents: {
      store: createFirestoreIncidentStore(db),
      // The report's issue goes through the same client (retries off: one call per claim).
      ...(token ? { issues: createGitHubIncidentIssues({ github: () => (octokit ??= createGitHubClient({ token, baseUrl: GITHUB_API_URL.value() || undefined, retry: { enabled: false }, maxRateLimitWaitMs: 0 })), clock: systemClock }) } : {}),
      policy: async () => (await loadPolicy(configStore, policyMemo, logger)).policy,
      githubWebUrl: githubWebUrl(apiUrl),
      defaultRepository: DEFAULT_REPOSITORY.value() || undefined,
    },
    canaries: createFirestoreCanaryStore(db),
    audit: createFirestoreAuditLog(db),
    ledger: createFirestoreRollbackLedger(db),
    actuators,
    clock: systemClock,
    sleep: realSleep,
    settings: {
      ...DEFAULT_ROLLBACK_SETTINGS,
      autoRollbackEnabled: AUTO_ROLLBACK_ENABLED.value(),
      globalDryRun: GLOBAL_DRY_RUN.value(),
      rollbacksPerHour: ROLLBACKS_PER_HOUR.value(),
      usersByPlatform: config.usersByPlatform,
    },
    // Distinct installs that reported the release become affected_users (telemetry, where apps report).
    telemetry: createFirestoreTelemetryAggregates(db),
  };
}
