import type { playdeveloperreporting_v1beta1 } from 'googleapis/build/src/apis/playdeveloperreporting';

export type ReportingClient = playdeveloperreporting_v1beta1.Playdeveloperreporting;

export interface ReportingClientOptions {
  /** A google-auth-library client with the playdeveloperreporting scope (production: GoogleAuth). */
  auth: unknown;
  /** https://playdeveloperreporting.googleapis.com/ by default; tests point it at a fake. */
  rootUrl?: string;
  timeoutMs?: number;
}

/**
 * The Play Developer Reporting API client, created on first use. There is no
 * `@googleapis/playdeveloperreporting` package, and the whole `googleapis` costs ~1.3 s to load:
 * this deep path loads that one API (~100 ms), and only in the function that reads vitals.
 */
export function lazyReportingClient(options: ReportingClientOptions): () => ReportingClient {
  let client: ReportingClient | undefined;
  return () => {
    if (!client) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const api = require('googleapis/build/src/apis/playdeveloperreporting') as typeof import('googleapis/build/src/apis/playdeveloperreporting');
      client = api.playdeveloperreporting({
        version: 'v1beta1',
        auth: options.auth as playdeveloperreporting_v1beta1.Options['auth'],
        timeout: options.timeoutMs ?? 20_000,
        // Node's own fetch: gaxios would otherwise import node-fetch (ESM) on first request.
        fetchImplementation: fetch,
        ...(options.rootUrl ? { rootUrl: options.rootUrl } : {}),
      });
    }
    return client;
  };
}
