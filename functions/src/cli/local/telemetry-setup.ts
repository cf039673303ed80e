import type { Firestore } from 'firebase-admin/firestore';
import { createFirestoreIngestKeyStore } from '../../adapters/firestore';
import { newIngestKey } from '../../app/telemetry/keys';
import { parseMetricsSources, sourceOf } from '../../config/metrics-sources';
import { PLATFORMS, type Platform } from '../../core/types';
import type { MetricsSource } from '../../ports';

/**
 * The local key's sampleRate for releases that are not a live canary: the previous release's
 * installs report from a quarter of them, as a large baseline would be sampled in production to
 * bound cost (rates are unaffected). It keeps a story of hundreds of installs within a minute.
 */
export const LOCAL_SAMPLE_RATE = 0.25;

/**
 * A publishable ingest key for the local run, stored as `npm run telemetry:key -- create` stores
 * one: every platform, the runner's own origins (the demo page posts from there), no App Check.
 */
export async function createLocalIngestKey(db: Firestore, origins: string[], now: number): Promise<string> {
  const { key, id } = newIngestKey();
  const created = await createFirestoreIngestKeyStore(db).create({
    id,
    app: 'local runner',
    platforms: [...PLATFORMS],
    origins,
    appCheck: false,
    revoked: false,
    createdAt: now,
    sampleRate: LOCAL_SAMPLE_RATE,
  });
  if (!created) throw new Error('ingest key id collision; run again');
  return key;
}

/**
 * Makes config/metrics_sources assign telemetry to the story's platform when the project has no
 * such document (the local runner's Firestore usually starts empty). An existing document is the
 * operator's and is left alone: the note says when it sends the story's metrics elsewhere.
 */
export async function assignTelemetry(db: Firestore, platform: Platform): Promise<string> {
  const ref = db.doc('config/metrics_sources');
  try {
    await ref.create({ platforms: { [platform]: { default: 'telemetry' } } });
    return `config/metrics_sources: ${platform} metrics come from telemetry (the simulated installs' reports)`;
  } catch (err) {
    if ((err as { code?: number }).code !== 6) throw err;
  }
  const parsed = parseMetricsSources((await ref.get()).data());
  if (!parsed.ok) return `config/metrics_sources is invalid (${parsed.error}); the evaluation keeps its default (Cloud Monitoring, not reachable locally)`;
  const source = sourceOf(parsed.config.platforms[platform], 'error_rate');
  return source === 'telemetry'
    ? `config/metrics_sources (existing): ${platform} metrics come from telemetry`
    : `config/metrics_sources (existing) reads ${platform} error rates from ${source}, not from the simulated installs' telemetry`;
}

/** Cloud Monitoring is not reachable from a laptop: a metric assigned to it has no data locally (never a verdict). */
export const monitoringUnavailable: MetricsSource = {
  fetch: async (canaries) =>
    new Map(canaries.map((c) => [c.id, { ok: false, error: 'Cloud Monitoring is not read by the local runner: assign telemetry in config/metrics_sources', retryable: false }])),
};
