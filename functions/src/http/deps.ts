import type { AuditLog, CanaryStore, Clock, ConfigStore, GitHubFacts, IdempotencyStore, IncidentStore, NotificationOutbox, RollbackActuators } from '../ports';
import type { AuditTrailSource } from '../ports/audit-seal';
import type { RolloutState } from '../core/canary';
import type { Channel, Platform } from '../core/types';
import type { Authenticator } from './auth';
import type { LogSink } from './log';
import type { RateLimitOptions } from './rate-limit';

/**
 * What the Express app needs, passed in by whoever builds it (the deployed function, the local
 * runner, a test). Each route group may add its own fields here.
 */
export interface ApiDeps {
  canaries: CanaryStore;
  audit: AuditLog;
  clock: Clock;

  // --- guardian, audit, canaries, auth (issue 4). Optional so other route groups' tests can omit them.
  /** Checks the Authorization header. Absent: every request is refused with 401 (fail closed). */
  authenticate?: Authenticator;
  /** GitHub reads for the guardian and the bug count of the canary gates. */
  github?: GitHubFacts;
  /** `config/guardian` (the guardian policy); absent: the shipped defaults. */
  config?: ConfigStore;
  /** owner/name used when a request names no repository (DEFAULT_REPOSITORY). */
  defaultRepository?: string;
  /** The starting rollout position of a newly registered canary. */
  initialRollout?: (platform: Platform, channel: Channel, now: number) => RolloutState;
  /** The rollback steps, for readiness checks (registration, POST /canaries/{id}/readiness); absent: not checked. */
  rollbackActuators?: () => Promise<RollbackActuators>;
  /** Incident reports (GET /incidents[/{id}]); absent: those routes answer 503. */
  incidents?: IncidentStore;
  /** Per-caller request budget (H10). */
  rateLimit?: RateLimitOptions;
  /**
   * The Idempotency-Key records of the mutating routes. Absent: a request carrying the header is
   * refused with 503 (never run without the guarantee it asked for).
   */
  idempotency?: IdempotencyStore;
  // --- the status page (issue 16). Absent: those routes answer 503.
  /** Every digest and entry of the audit trail, for GET /audit/seal ("verified up to ..."). */
  auditTrail?: AuditTrailSource;
  /** Dead-lettered notifications, for GET /notifications/dead. */
  outbox?: Pick<NotificationOutbox, 'deadLetters'>;
  /** Where the one structured record per request goes; firebase-functions/logger by default. */
  log?: LogSink;
}
