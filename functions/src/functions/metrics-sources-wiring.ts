import * as logger from 'firebase-functions/logger';
import { createCompositeMetricsSource, type SourceRegistry } from '../app/metrics/composite-source';
import { defaultMetricsSources, parseMetricsSources, type MetricsSourcesConfig } from '../config/metrics-sources';
import type { ConfigStore, MetricsSource } from '../ports';

// Kept per instance: the last config/metrics_sources that validated, and the sources built from it.
let lastGood: MetricsSourcesConfig = defaultMetricsSources;
let play: { key: string; source: MetricsSource } | undefined;

/** config/metrics_sources, validated; a bad document is logged and the last good one kept. */
export async function readMetricsSources(config: ConfigStore): Promise<MetricsSourcesConfig> {
  const raw = await config.get('metrics_sources').catch((err: unknown) => {
    logger.warn('config/metrics_sources could not be read; keeping the last good one', { error: String((err as Error)?.message ?? err) });
    return undefined;
  });
  if (raw === undefined) return lastGood;
  if (raw === null) return (lastGood = defaultMetricsSources);
  const parsed = parseMetricsSources(raw);
  if (parsed.ok) lastGood = parsed.config;
  else logger.error('config/metrics_sources is invalid; keeping the last good one', { error: parsed.error });
  return lastGood;
}

/**
 * Auth and endpoint of the Play Developer Reporting API. PLAY_REPORTING_EMULATOR_HOST (host:port)
 * points it at a local fake with a dummy token (tests, the local runner); production uses the
 * default credentials, which need "View app information" in the Play Console.
 */
async function reportingClientOptions(): Promise<{ auth: unknown; rootUrl?: string }> {
  const host = process.env.PLAY_REPORTING_EMULATOR_HOST;
  const { GoogleAuth, OAuth2Client } = await import('google-auth-library');
  if (!host) return { auth: new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/playdeveloperreporting'] }) };
  const auth = new OAuth2Client({ transporterOptions: { fetchImplementation: fetch } });
  auth.setCredentials({ access_token: 'emulator', expiry_date: Date.now() + 3600e3 });
  return { auth, rootUrl: `http://${host}/` };
}

/**
 * The evaluation's MetricsSource: the composite over Cloud Monitoring, telemetry and Play vitals as
 * config/metrics_sources assigns them. Each source is built when a canary first needs it, so a
 * project that uses only one of them never loads the others' clients.
 */
export function productionMetricsSource(config: () => ConfigStore, sources: { monitoring: () => MetricsSource; telemetry: () => MetricsSource }): MetricsSource {
  let current: MetricsSourcesConfig = lastGood;
  let playOptions: Promise<{ auth: unknown; rootUrl?: string }> | undefined;
  const playVitals = (): MetricsSource => {
    const key = JSON.stringify(current.playVitals) + (process.env.PLAY_REPORTING_EMULATOR_HOST ?? '');
    if (play?.key !== key) {
      const settings = current.playVitals;
      let built: MetricsSource | undefined;
      // The auth library is imported on first use; the source itself is built once the options are ready.
      const source: MetricsSource = {
        async fetch(canaries, range) {
          if (!built) {
            const opts = await (playOptions ??= reportingClientOptions());
            const [{ createPlayVitalsMetricsSource }, { lazyReportingClient }] = await Promise.all([import('../adapters/play-vitals/source'), import('../adapters/play-vitals/client')]);
            built = createPlayVitalsMetricsSource({ client: lazyReportingClient(opts), ...settings });
          }
          return built.fetch(canaries, range);
        },
      };
      play = { key, source };
    }
    return play.source;
  };
  const registry: SourceRegistry = { monitoring: sources.monitoring, telemetry: sources.telemetry, play_vitals: playVitals };
  return createCompositeMetricsSource({
    sources: registry,
    config: async () => (current = await readMetricsSources(config())),
  });
}
