import * as logger from 'firebase-functions/logger';
import { createFirestoreConfigStore, getDb } from '../adapters/firestore';
import { createFirestoreNotificationOutbox } from '../adapters/firestore/notification-outbox';
import { createNotifierRegistry } from '../adapters/notifier-registry';
import { DEFAULT_LEASE_MS, type NotifyDeps } from '../app/notify/deps';
import type { ConfigMemo } from '../app/notify/config-source';
import { NOTIFICATION_SECRETS, STATUS_PAGE_URL, type NotificationSecretName } from '../config/params';
import { systemClock } from '../ports';

const memo: ConfigMemo = {};

function secret(name: string): string {
  const param = NOTIFICATION_SECRETS[name as NotificationSecretName];
  if (!param) throw new Error(`no secret named ${name} is declared`);
  return param.value();
}

/** The notification collaborators of the deployed functions, built inside a handler. */
export function productionNotifyDeps(): NotifyDeps {
  const db = getDb();
  return {
    outbox: createFirestoreNotificationOutbox(db),
    config: createFirestoreConfigStore(db),
    configMemo: memo,
    notifier: createNotifierRegistry({ db, secret }),
    clock: systemClock,
    logger,
    statusPageUrl: STATUS_PAGE_URL.value(),
    leaseMs: DEFAULT_LEASE_MS,
  };
}
