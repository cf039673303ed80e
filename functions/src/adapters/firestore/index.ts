/** The Firestore adapters: each factory takes the Firestore instance to use (see db.ts). */
export { getDb, useDb } from './db';
export { createFirestoreCanaryStore } from './canary-store';
export { createFirestoreAuditLog, AUDIT_COLLECTION } from './audit-log';
export { createFirestoreConfigStore } from './config-store';
export { createFirestoreAuditSealStore, DIGEST_COLLECTION } from './audit-seal-store';
export { createFirestoreIdempotencyStore, IDEMPOTENCY_COLLECTION } from './idempotency-store';
export { createFirestoreTelemetryStore } from './telemetry-store';
export { createFirestoreTelemetryAggregates } from './telemetry-aggregates';
export { createFirestoreIngestKeyStore } from './ingest-keys';
export { createFirestoreIncidentStore } from './incident-store';
export { createFirestoreEvaluationHistory } from './evaluation-history';
