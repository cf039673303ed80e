import type { AuditLog, CanaryStore, Clock } from '../ports';

/**
 * What the Express app needs, passed in by whoever builds it (the deployed function, the local
 * runner, a test). Each route group may add its own fields here.
 */
export interface ApiDeps {
  canaries: CanaryStore;
  audit: AuditLog;
  clock: Clock;
}
