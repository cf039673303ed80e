import type { ScheduledEvent } from 'firebase-functions/scheduler';
import * as logger from 'firebase-functions/logger';
import { createFirestoreAuditLog, createFirestoreCanaryStore, createFirestoreConfigStore, createFirestoreTelemetryAggregates, getDb, createFirestoreIncidentStore } from '../adapters/firestore';
import { createTelemetryMetricsSource } from '../adapters/telemetry/source';
import { createFirestoreLease } from '../adapters/firestore/lease';
import { createMonitoringMetricsSource } from '../adapters/monitoring/source';
import { unwiredActuators } from '../adapters/noop/unwired-actuators';
import { defaultEvaluateSettings, evaluateAll, type EvaluateDeps, type TickReport } from '../app/evaluate';
import { defaultPolicy } from '../config/default-policy';
import { defaultMetricTemplates, parseMetricTemplates, type MetricTemplateSet } from '../config/metric-templates';
import { GLOBAL_DRY_RUN, MONITORING_PROJECT } from '../config/params';
import type { Policy } from '../config/policy-schema';
import { systemClock, type ConfigStore, type MetricsSource, type PlatformActuators } from '../ports';
import { productionMetricsSource } from './metrics-sources-wiring';

// Kept per instance across ticks: the last policy and metric templates that validated.
const policyMemo: { policy: Policy } = { policy: defaultPolicy };
let lastGoodTemplates: MetricTemplateSet = defaultMetricTemplates;
let metrics: { key: string; source: ReturnType<typeof createMonitoringMetricsSource> } | undefined;
let composite: MetricsSource | undefined;
// The metrics source outlives one invocation (its window cache is the point); its template loader
// reads through the config store of the current invocation.
let currentConfig: ConfigStore | undefined;

/**
 * Client options for Cloud Monitoring. MONITORING_EMULATOR_HOST (host:port, like
 * FIRESTORE_EMULATOR_HOST) points the client at a local fake over REST with a dummy token: the
 * local runner and the tests use it; production leaves it unset and uses the default credentials.
 */
async function monitoringClientOptions(): Promise<Record<string, unknown>> {
  const host = process.env.MONITORING_EMULATOR_HOST;
  if (!host) return {};
  const [hostname, port] = host.split(':');
  const { OAuth2Client } = await import('google-auth-library');
  const authClient = new OAuth2Client({ transporterOptions: { fetchImplementation: fetch } });
  authClient.setCredentials({ access_token: 'emulator', expiry_date: Date.now() + 3600e3 });
  return { fallback: true, apiEndpoint: hostname, port: Number(port), protocol: 'http', authClient };
}

function projectId(): string {
  const id = MONITORING_PROJECT.value() || process.env.GCLOUD_PROJECT || process.env.GOOGLE_CLOUD_PROJECT || '';
  if (!id) throw new Error('no Monitoring project: set MONITORING_PROJECT or run where GCLOUD_PROJECT is set');
  return id;
}

/** The platform actuators the rollback uses; if they cannot be built, the loud no-op (never a silent one). */
async function actuators(dryRun: boolean): Promise<PlatformActuators> {
  try {
    // Loaded on first use: the platform clients are not needed by a tick that promotes nothing.
    const { productionRollbackDeps } = await import('./rollback-wiring');
    // The rollback's registry (createPlatformActuators) also promotes; its deps type only says rollback.
    const built = (await productionRollbackDeps()).actuators as unknown as Partial<PlatformActuators>;
    if (typeof built.promote !== 'function') throw new Error('the platform registry has no promote()');
    return built as PlatformActuators;
  } catch (err) {
    logger.error('platform actuators unavailable; promotions will fail loudly', { error: String((err as Error)?.message ?? err) });
    return unwiredActuators({ failLoudly: !dryRun });
  }
}

/** The production collaborators, built on first use inside the handler (params are read at run time). */
async function productionEvaluateDeps(): Promise<EvaluateDeps> {
  const db = getDb();
  const config = createFirestoreConfigStore(db);
  currentConfig = config;
  const globalDryRun = GLOBAL_DRY_RUN.value();
  const key = `${projectId()}|${process.env.MONITORING_EMULATOR_HOST ?? ''}`;
  if (metrics?.key !== key) metrics = { key, source: createMonitoringMetricsSource({
    projectId: projectId(),
    clientOptions: await monitoringClientOptions(),
    templates: async () => {
      const raw = await (currentConfig ?? config).get('metric_templates').catch(() => null);
      if (raw === null) return lastGoodTemplates;
      const parsed = parseMetricTemplates(raw);
      if (parsed.ok) lastGoodTemplates = parsed.templates;
      else logger.error('config/metric_templates is invalid; keeping the last good templates', { error: parsed.error });
      return lastGoodTemplates;
    },
  }) };
  const source = metrics.source;
  // config/metrics_sources picks the source per platform and metric; each is built on first use.
  composite ??= productionMetricsSource(() => currentConfig ?? config, { monitoring: () => metrics!.source, telemetry: telemetrySource });
  return {
    canaries: createFirestoreCanaryStore(db),
    audit: createFirestoreAuditLog(db),
    incidents: createFirestoreIncidentStore(db),
    config,
    metrics: composite,
    actuators: await actuators(globalDryRun),
    lease: createFirestoreLease(db),
    clock: systemClock,
    logger,
    settings: {
      ...defaultEvaluateSettings,
      globalDryRun,
      ingestionLagMs: (await source.templates()).ingestionLagSeconds * 1000,
    },
    policyMemo,
  };
}

/** The telemetry reader over the ingest function's aggregates in this project's Firestore. */
let telemetry: MetricsSource | undefined;
function telemetrySource(): MetricsSource {
  return (telemetry ??= createTelemetryMetricsSource({
    aggregates: createFirestoreTelemetryAggregates(getDb()),
    onEvidence: (e) => logger.warn('telemetry: a few installs reported more than their share; capped or weighted (possible poisoning)', { ...e }),
  }));
}

/** The handler: `fn.run({ scheduleTime, jobName })` in tests, Cloud Scheduler in production. */
export async function runEvaluation(event: Pick<ScheduledEvent, 'scheduleTime'>): Promise<TickReport> {
  return evaluateAll(await productionEvaluateDeps(), event.scheduleTime);
}
