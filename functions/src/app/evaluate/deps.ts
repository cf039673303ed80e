import type { Policy } from '../../config/policy-schema';
import type { AuditLog, CanaryStore, Clock, ConfigStore, IncidentStore, MetricsSource, PlatformActuators } from '../../ports';
import type { Lease } from '../../ports/lease';

/** Structured logging, so the tick's reports land in Cloud Logging as fields (firebase-functions/logger). */
export interface EvaluateLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface EvaluateSettings {
  /** GLOBAL_DRY_RUN: evaluate and record, act on nothing. */
  globalDryRun: boolean;
  /** Length of one evaluation window (ms); 60 s matches Monitoring's finest alignment. */
  windowMs: number;
  /** Newest minutes Monitoring has not finished ingesting; never judged (S8). */
  ingestionLagMs: number;
  /** Lease time-to-live: at least the function's timeout, so a live run never loses its lease. */
  leaseTtlMs: number;
  /** Evaluation records are kept this long (TTL on expireAt). */
  historyTtlMs: number;
  /** After a rollback, how long the evaluator watches the restored population for recovery. */
  recoveryWatchMs: number;
  /** Canaries evaluated and acted on at once (Firestore round trips overlap; the CPU is not the limit). */
  concurrency: number;
}

export const defaultEvaluateSettings: EvaluateSettings = {
  globalDryRun: false,
  windowMs: 60_000,
  ingestionLagMs: 180_000,
  leaseTtlMs: 320_000,
  historyTtlMs: 30 * 86_400_000,
  recoveryWatchMs: 2 * 3_600_000,
  concurrency: 32,
};

/** Everything the scheduled evaluation touches, passed in by the function, the local runner or a test. */
export interface EvaluateDeps {
  canaries: CanaryStore;
  audit: AuditLog;
  config: ConfigStore;
  metrics: MetricsSource;
  actuators: PlatformActuators;
  lease: Lease;
  clock: Clock;
  logger: EvaluateLogger;
  settings: EvaluateSettings;
  /**
   * Incident reports: the recovery watch writes the recovered time and the MTTR verdict into them,
   * and a stable completion reads the rollout's incidents. Absent: neither happens.
   */
  incidents?: IncidentStore;
  /** The last policy that validated, kept across ticks of one instance (a bad override is not fatal). */
  policyMemo?: { policy: Policy };
}
