import { defineBoolean, defineInt, defineSecret, defineString } from 'firebase-functions/params';

/**
 * Every deploy-time parameter and secret, declared once (STYLE 12). `.value()` is read only inside
 * handlers; defaults are applied by the Firebase CLI at deploy time, so code that runs outside a
 * deployment (tests, the local runner) passes values explicitly.
 */

/** JSON object {"<key name>": "<key>"}: the name becomes the audit entry's actorUid. */
export const API_KEYS = defineSecret('API_KEYS');
/** Token used for guardian reads, dispatches and release edits. */
export const GITHUB_TOKEN = defineSecret('GITHUB_TOKEN');

export const GITHUB_API_URL = defineString('GITHUB_API_URL', { default: 'https://api.github.com' });
/** owner/name used when a request names no repository (so the source document's curl works). */
export const DEFAULT_REPOSITORY = defineString('DEFAULT_REPOSITORY', { default: '' });

/** JSON: {"audience": "...", "repositories": ["owner/name"], "refs": ["refs/tags/*"], "environments": []}. */
export const OIDC_POLICY = defineString('OIDC_POLICY', { default: '' });

/** Evaluate and record, act on nothing (global; canaries have their own dryRun too). */
export const GLOBAL_DRY_RUN = defineBoolean('GLOBAL_DRY_RUN', { default: false });
/** Kill switch: false disables automatic rollbacks entirely (manual ones still run). */
export const AUTO_ROLLBACK_ENABLED = defineBoolean('AUTO_ROLLBACK_ENABLED', { default: true });
/** Circuit breaker: at most this many automatic rollbacks per project per hour. */
export const ROLLBACKS_PER_HOUR = defineInt('ROLLBACKS_PER_HOUR', { default: 3 });

export const EVALUATE_SCHEDULE = defineString('EVALUATE_SCHEDULE', { default: 'every 1 minutes' });
/** Project whose Cloud Monitoring metrics are read; empty means the functions' own project. */
export const MONITORING_PROJECT = defineString('MONITORING_PROJECT', { default: '' });

/**
 * Notification secrets, named by config/notifications (never stored there). Each is bound to the
 * delivery functions; Firebase refuses a deploy whose bound secret does not exist, so set every
 * one (a placeholder for the kinds you do not use). Add a name here to offer another destination.
 */
export const SLACK_WEBHOOK_URL = defineSecret('SLACK_WEBHOOK_URL');
export const GOOGLE_CHAT_WEBHOOK_URL = defineSecret('GOOGLE_CHAT_WEBHOOK_URL');
export const NOTIFY_WEBHOOK_SECRET = defineSecret('NOTIFY_WEBHOOK_SECRET');
export const NOTIFICATION_SECRETS = { SLACK_WEBHOOK_URL, GOOGLE_CHAT_WEBHOOK_URL, NOTIFY_WEBHOOK_SECRET } as const;
export type NotificationSecretName = keyof typeof NOTIFICATION_SECRETS;
export const NOTIFICATION_SECRET_NAMES = Object.keys(NOTIFICATION_SECRETS) as NotificationSecretName[];
/** Base URL of the status page; messages link to `<url>/canaries/<id>`. Empty: no status page link. */
export const STATUS_PAGE_URL = defineString('STATUS_PAGE_URL', { default: '' });

/** Telemetry aggregates are kept this many days (TTL on telemetry_minutes.expireAt). */
export const TELEMETRY_RETENTION_DAYS = defineInt('TELEMETRY_RETENTION_DAYS', { default: 14 });
/** Shards per release and minute in the telemetry aggregate; 0 (default): chosen per minute from contention (docs/telemetry.md). */
export const TELEMETRY_SHARDS = defineInt('TELEMETRY_SHARDS', { default: 0 });
