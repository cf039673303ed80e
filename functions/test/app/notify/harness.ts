import { createFirestoreAuditLog, createFirestoreConfigStore } from '../../../src/adapters/firestore';
import { createFirestoreNotificationOutbox } from '../../../src/adapters/firestore/notification-outbox';
import { createNotifierRegistry } from '../../../src/adapters/notifier-registry';
import type { NotifyDeps, NotifyLogger } from '../../../src/app/notify/deps';
import type { AuditEntry } from '../../../src/ports';
import { FakeHttpServer } from '../../fakes/http-fake';
import { testFirestore } from '../../support/firestore';
import { FakeClock } from '../rollback/harness';

export const T0 = Date.UTC(2026, 10, 29, 8, 0, 0);
export const WEBHOOK_SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

/** Firestore (test server), fake Slack / Chat / webhook receivers on 127.0.0.1, a fake clock. */
export async function notifyHarness(label: string) {
  const { db, close } = testFirestore(label);
  const receivers = new FakeHttpServer();
  const base = await receivers.start();
  const clock = new FakeClock(T0);
  const secrets: Record<string, string> = {
    SLACK_WEBHOOK_URL: `${base}/slack/T0/B0/token`,
    GOOGLE_CHAT_WEBHOOK_URL: `${base}/chat/v1/spaces/S/messages?key=k&token=t`,
    NOTIFY_WEBHOOK_SECRET: WEBHOOK_SECRET,
  };
  const warnings: string[] = [];
  const logger: NotifyLogger = { info: () => undefined, warn: (m) => void warnings.push(m), error: (m) => void warnings.push(m) };
  const outbox = createFirestoreNotificationOutbox(db);
  const deps: NotifyDeps = {
    outbox,
    config: createFirestoreConfigStore(db),
    configMemo: {},
    notifier: createNotifierRegistry({ db, secret: (n) => secrets[n] ?? '', http: { now: clock.now, timeoutMs: 2000 } }),
    clock,
    logger,
    statusPageUrl: 'https://status.example.com',
    leaseMs: 90_000,
  };
  const audit = createFirestoreAuditLog(db);
  return {
    db,
    receivers,
    base,
    clock,
    deps,
    outbox,
    audit,
    warnings,
    setConfig: (doc: unknown) => db.doc('config/notifications').set(doc as Record<string, unknown>),
    append: (entry: Partial<AuditEntry> & { action: string }, key: string) =>
      audit.append({ ts: clock.now(), actorUid: 'system', targetId: '2.4.1', meta: {}, ...entry }, key),
    slackCalls: () => receivers.calls('POST', '/slack/T0/B0/token'),
    close: async () => {
      await receivers.stop();
      await close();
    },
  };
}
export type NotifyHarness = Awaited<ReturnType<typeof notifyHarness>>;

/** A rollback_completed entry as the rollback handler writes it, with the evaluator's numbers. */
export function rollbackCompleted(canaryId = 'web__2.4.1__alpha'): Partial<AuditEntry> & { action: string } {
  return {
    action: 'rollback_completed',
    meta: {
      channel: 'alpha',
      platform: 'web',
      canaryId,
      rollback_to: '2.4.0',
      reason: 'Error rate 8% (threshold 5%)',
      mttr_minutes: 3.5,
      repository: 'acme/app',
      explanation: [{ metric: 'error_rate', status: 'red', canary: 0.08, bound: 0.061, baseline: 0.004, threshold: 0.05, windows: 15 }],
    },
  };
}

export const ALL_TO_SLACK = { destinations: { ops: { kind: 'slack', urlSecret: 'SLACK_WEBHOOK_URL' } }, routes: [{ to: ['ops'] }] };
