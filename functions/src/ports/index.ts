/**
 * The small interfaces the use cases in app/ need. Adapters implement them; only index.ts, cli/ and
 * the test setup choose which adapter is plugged in. Vendor types never cross these files.
 */
export * from './audit';
export * from './clock';
export * from './canary-store';
export * from './metrics';
export * from './platform';
export * from './github-facts';
export * from './rollback-ledger';
export * from './idempotency';
export * from './incidents';
export * from './notifier';
export * from './telemetry';
export * from './notification-outbox';
export * from './lease';
export * from './shell-source';
export * from './evaluation-history';
