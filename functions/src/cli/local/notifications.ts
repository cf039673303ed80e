import type { Firestore } from 'firebase-admin/firestore';
import { createFirestoreConfigStore } from '../../adapters/firestore';
import { createFirestoreNotificationOutbox } from '../../adapters/firestore/notification-outbox';
import { createNotifierRegistry } from '../../adapters/notifier-registry';
import { DEFAULT_LEASE_MS, type NotifyDeps } from '../../app/notify/deps';
import type { Clock, ConfigStore } from '../../ports';

/**
 * The local runner's notifications when Firestore has no `config/notifications`: the outcome of
 * each rollback (completed, failed, or recorded in dry-run: one of them per rollback) to Slack.
 * Deployed, an absent document routes nothing; a document written locally is honoured as is.
 */
export const LOCAL_NOTIFICATIONS = {
  destinations: { slack: { kind: 'slack', urlSecret: 'SLACK_WEBHOOK_URL' } },
  routes: [{ to: ['slack'], events: ['rollback_completed', 'rollback_failed', 'rollback_dry_run'] }],
} as const;

function withLocalDefault(config: ConfigStore): ConfigStore {
  return { get: async (name) => (await config.get(name)) ?? (name === 'notifications' ? structuredClone(LOCAL_NOTIFICATIONS) : null) };
}

/** The deployed delivery code (outbox, routing, senders), with the Slack URL from the environment or the stand-in. */
export function localNotifyDeps(db: Firestore, clock: Clock, options: { slackUrl: string; statusPageUrl: string; env: NodeJS.ProcessEnv; print: (line: string) => void }): NotifyDeps {
  const secret = (name: string) => (name === 'SLACK_WEBHOOK_URL' ? options.slackUrl : (options.env[name] ?? ''));
  return {
    outbox: createFirestoreNotificationOutbox(db),
    config: withLocalDefault(createFirestoreConfigStore(db)),
    configMemo: {},
    notifier: createNotifierRegistry({ db, secret }),
    clock,
    logger: { info: () => undefined, warn: (m, d) => options.print(`  notifications: ${m} ${d?.destination ? String(d.destination) : ''}`), error: (m) => options.print(`  notifications: ${m}`) },
    statusPageUrl: options.statusPageUrl,
    leaseMs: DEFAULT_LEASE_MS,
  };
}
