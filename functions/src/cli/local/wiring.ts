import type { Firestore } from 'firebase-admin/firestore';
import { createFirestoreAuditLog, createFirestoreCanaryStore, createFirestoreConfigStore, createFirestoreIdempotencyStore, createFirestoreIncidentStore, createFirestoreTelemetryAggregates } from '../../adapters/firestore';
import { createGitHubIncidentIssues } from '../../adapters/github/incident-issue';
import { createTelemetryMetricsSource } from '../../adapters/telemetry/source';
import { createFirestoreLease } from '../../adapters/firestore/lease';
import { createFirestoreAuditSealStore } from '../../adapters/firestore/audit-seal-store';
import { createFirestoreNotificationOutbox } from '../../adapters/firestore/notification-outbox';
import { createFirestoreRollbackLedger } from '../../adapters/firestore/rollback-ledger';
import { createGitHubClient } from '../../adapters/github/client';
import { createGitHubGuardianFacts } from '../../adapters/github/guardian-facts';
import { createPlatformActuators } from '../../adapters/platform-registry';
import { defaultEvaluateSettings, type EvaluateDeps, type EvaluateLogger } from '../../app/evaluate';
import { DEFAULT_ROLLBACK_SETTINGS, realSleep, type RollbackDeps } from '../../app/rollback/deps';
import { initialRolloutState } from '../../core/tick';
import { defaultPolicy } from '../../config/default-policy';
import { createAuthenticator } from '../../http/auth';
import type { ApiDeps } from '../../http/deps';
import type { Clock, MetricsSource } from '../../ports';
import type { RollbackStepName } from '../../ports/platform';
import { githubWebUrl, readRollbackConfig } from '../../functions/rollback-wiring';
import { productionMetricsSource } from '../../functions/metrics-sources-wiring';
import type { LocalOptions } from './options';
import type { StandInEndpoints } from './stand-ins';

/**
 * Which outside systems the local runner acts on. Without a GITHUB_TOKEN it stands GitHub, Hosting
 * and Play in with local fakes (the runner starts them and fills in their URLs and dummy
 * credentials), unless --dry-run asks for today's record-only run; with a token nothing is stood in.
 */
export interface LocalMode {
  dryRun: boolean;
  /** Start the local stand-ins of GitHub, Hosting and Play and point the real clients at them. */
  standIns: boolean;
  disabledSteps: RollbackStepName[];
  notes: string[];
}

export function localMode(options: LocalOptions): LocalMode {
  const notes: string[] = [];
  if (!options.github.token && options.dryRun) {
    notes.push('--dry-run without GITHUB_TOKEN: every platform action runs in DRY-RUN (recorded, nothing sent, no stand-ins)');
    notes.push('no GITHUB_TOKEN: nothing calls GitHub; POST /guardian/check answers 503 (its checks read GitHub) and gates count no bugs');
    return { dryRun: true, standIns: false, disabledSteps: [], notes };
  }
  if (!options.github.token) {
    notes.push('no GITHUB_TOKEN: GitHub, Hosting and Play are local stand-ins on 127.0.0.1 that the rollback really calls (--dry-run: record only)');
    return { dryRun: false, standIns: true, disabledSteps: [], notes };
  }
  if (options.dryRun) notes.push('--dry-run: every platform action runs in DRY-RUN (recorded, nothing sent)');
  notes.push(`GitHub: ${options.dryRun ? 'reading' : 'acting for real on'} ${options.github.repository} via ${options.github.apiUrl ?? 'https://api.github.com'}`);
  const google = Boolean(options.googleAccessToken || options.googleAdc);
  if (!google) notes.push('no Google credentials (GOOGLE_APPLICATION_CREDENTIALS or GOOGLE_ACCESS_TOKEN): Hosting and Play steps are switched off');
  return { dryRun: options.dryRun, standIns: false, disabledSteps: google ? [] : ['hosting_release', 'play_halt'], notes };
}

/** The options with the stand-ins' URLs and dummy credentials, so the real clients reach them. */
export function withStandIns(options: LocalOptions, endpoints: StandInEndpoints): LocalOptions {
  return {
    ...options,
    github: { ...options.github, token: endpoints.githubToken, apiUrl: endpoints.githubApiUrl },
    googleAccessToken: endpoints.googleAccessToken,
    hostingRootUrl: endpoints.hostingRootUrl,
    playRootUrl: endpoints.playRootUrl,
  };
}

async function googleAuth(options: LocalOptions): Promise<unknown> {
  const { GoogleAuth, OAuth2Client } = await import('google-auth-library');
  if (options.googleAccessToken) {
    const client = new OAuth2Client();
    client.setCredentials({ access_token: options.googleAccessToken, expiry_date: Date.now() + 3600e3 });
    return client;
  }
  return new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform', 'https://www.googleapis.com/auth/androidpublisher'] });
}

const quietLogger: EvaluateLogger = { info: () => undefined, warn: () => undefined, error: (m, f) => console.error(`evaluate: ${m}`, f ?? '') };

/**
 * The same adapters the deployed functions plug in, pointed at the local Firestore and at the
 * outside services the environment names. Only the clock and the metrics source are local.
 */
export async function localWiring(db: Firestore, clock: Clock, monitoring: MetricsSource, options: LocalOptions, mode: LocalMode, windowMs: number) {
  // Story time runs `speed` times faster than real time; leases and deadlines guard real work
  // (a slow machine, a slow fake), so they are stretched to keep their real-time length.
  const speed = windowMs / options.tickMs;
  const canaries = createFirestoreCanaryStore(db);
  const audit = createFirestoreAuditLog(db);
  const config = createFirestoreConfigStore(db);
  // One client each, as in production: the rollback's (its runner owns retries) and the guardian's.
  let rollbackOctokit: ReturnType<typeof createGitHubClient> | undefined;
  let guardianOctokit: ReturnType<typeof createGitHubClient> | undefined;
  const github = () =>
    (rollbackOctokit ??= createGitHubClient({ token: options.github.token || 'dry-run', baseUrl: options.github.apiUrl, retry: { enabled: false }, maxRateLimitWaitMs: 0 }));
  const auth = await googleAuth(options);
  // config/rollback is honoured as in production (steps per platform, tracks, channels, user counts).
  const rollbackConfig = await readRollbackConfig(config);
  const actuators = createPlatformActuators({
    clock,
    github: { client: github, defaultRepository: options.github.repository },
    play: { auth, rootUrl: options.playRootUrl, tracks: rollbackConfig.playTracks },
    hosting: { auth, rootUrl: options.hostingRootUrl, channels: rollbackConfig.hostingChannels },
    // config/web_cohorts says whether a cohort router fronts the site, as in production.
    cohorts: { canaries, config },
    steps: rollbackConfig.steps,
    disabled: [...new Set([...(rollbackConfig.disabled ?? []), ...mode.disabledSteps])],
  });

  const incidentStore = createFirestoreIncidentStore(db);
  const api: ApiDeps = {
    incidents: incidentStore,
    canaries,
    audit,
    config,
    idempotency: createFirestoreIdempotencyStore(db),
    clock,
    // Without a token the guardian has no GitHub: it refuses clearly (503 naming GITHUB_TOKEN) rather
    // than asking api.github.com anonymously about a placeholder repository the user never named.
    ...(options.github.token
      ? {
          github: createGitHubGuardianFacts(
            () => (guardianOctokit ??= createGitHubClient({ token: options.github.token, baseUrl: options.github.apiUrl, maxRateLimitWaitMs: 5_000 })),
          ),
        }
      : {}),
    // Locally the runner's key is enough, for CI calls and for the status page alike.
    authenticate: createAuthenticator({ apiKeys: () => ({ local: options.apiKey }) }),
    auditTrail: createFirestoreAuditSealStore(db),
    outbox: createFirestoreNotificationOutbox(db),
    defaultRepository: options.github.repository,
    initialRollout: (platform, channel, now) => initialRolloutState(defaultPolicy, platform, channel, now),
    // Readiness reads the real platforms: only when they are real (a dry run has no token to prove).
    ...(mode.dryRun ? {} : { rollbackActuators: async () => actuators }),
    log: () => undefined,
  };
  let telemetry: MetricsSource | undefined;
  const evaluate: EvaluateDeps = {
    canaries,
    audit,
    incidents: incidentStore,
    config,
    // config/metrics_sources is honoured as in production (the runner assigns telemetry to the
    // story's platform); `monitoring` is what stands in for Cloud Monitoring locally.
    metrics: productionMetricsSource(() => config, {
      monitoring: () => monitoring,
      telemetry: () => (telemetry ??= createTelemetryMetricsSource({ aggregates: createFirestoreTelemetryAggregates(db) })),
    }),
    actuators,
    lease: createFirestoreLease(db),
    clock,
    logger: quietLogger,
    // Decisions are real locally (the story must show a rollback); only platform actions are dry-run.
    settings: { ...defaultEvaluateSettings, globalDryRun: false, windowMs, ingestionLagMs: 0, leaseTtlMs: defaultEvaluateSettings.leaseTtlMs * speed },
  };
  const rollback: RollbackDeps = {
    incidents: {
      store: incidentStore,
      // Issues only when GitHub is real: a dry run opens nothing anywhere.
      ...(mode.dryRun ? {} : { issues: createGitHubIncidentIssues({ github, clock }) }),
      policy: async () => defaultPolicy,
      githubWebUrl: githubWebUrl(options.github.apiUrl ?? 'https://api.github.com'),
      defaultRepository: options.github.repository,
    },
    canaries,
    audit,
    ledger: createFirestoreRollbackLedger(db),
    actuators,
    clock,
    sleep: realSleep,
    settings: {
      ...DEFAULT_ROLLBACK_SETTINGS,
      globalDryRun: mode.dryRun,
      backoffBaseMs: 200,
      leaseMs: DEFAULT_ROLLBACK_SETTINGS.leaseMs * speed,
      runDeadlineMs: DEFAULT_ROLLBACK_SETTINGS.runDeadlineMs * speed,
      usersByPlatform: rollbackConfig.usersByPlatform,
    },
    telemetry: createFirestoreTelemetryAggregates(db),
  };
  return { api, evaluate, rollback };
}
