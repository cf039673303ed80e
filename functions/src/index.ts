/**
 * The deployed functions, one line each. Everything else lives in small files named for what they do.
 */
export {};
export { canaryRollbackTrigger } from './functions/canary-trigger';
export { reconcileRollbacksJob } from './functions/reconcile-rollbacks';
export { evaluateCanaries } from './functions/evaluate-canaries';
export { sealAuditJob } from './functions/seal-audit';
export { api } from './functions/api';
export { notificationOutboxTrigger } from './functions/notify-outbox';
export { notificationSweepJob } from './functions/notify-sweep';
export { telemetry } from './functions/telemetry';
export { cohortRouter } from './functions/cohort-router';
