import type { Ingest } from '../app/telemetry/ingest';
import type { Clock, IngestKey } from '../ports';
import type { LogSink } from './log';
import type { RateLimitOptions } from './rate-limit';

/** What the telemetry ingest app needs, passed in by the deployed function, the local runner or a test. */
export interface TelemetryHttpDeps {
  /** The key, or null when unknown or revoked (cached per instance). */
  keys: (key: string) => Promise<IngestKey | null>;
  ingest: Ingest;
  /** Resolves for a valid Firebase App Check token, throws otherwise (production: getAppCheck().verifyToken). */
  verifyAppCheck: (token: string) => Promise<unknown>;
  clock: Clock;
  /** The in-memory pre-filter per install on one instance (the cross-instance budget is in the store). */
  installRateLimit?: RateLimitOptions;
  log?: LogSink;
}
