import { FieldValue, type DocumentReference, type Firestore } from 'firebase-admin/firestore';
import * as logger from 'firebase-functions/logger';
import type { NotificationEvent } from '../../core/notification';
import { isFinalOutboxStatus, type NotificationOutbox, type OutboxItem } from '../../ports/notification-outbox';
import { isAlreadyExists } from './errors';
import { outboxDocSchema } from './outbox-schema';
import { buildQuery } from './queries';
import { formatSchemaError } from './schema-error';
import { withoutUndefined } from './values';

export const OUTBOX_COLLECTION = 'notification_outbox';
const BUCKETS_COLLECTION = 'notification_buckets';
/** Sent items are kept a month for the status page, then Firestore's TTL policy removes them. */
const SENT_TTL_MS = 30 * 86_400_000;
/** A new item is the sweeper's only if its trigger has not delivered it by then (a lost event). */
export const TRIGGER_GRACE_MS = 2 * 60_000;
/** An attempt number is looked at this many times past the stored count before giving up for now. */
const MAX_TAKEOVERS = 3;

interface AttemptDoc {
  attempt: number;
  holder: string;
  startedAt: number;
  leaseUntil: number;
  endedAt?: number;
}

/** The outbox document written beside its audit entry (same batch) or alone (a digest). */
export function outboxDoc(event: NotificationEvent, dueAt: number): Record<string, unknown> {
  return withoutUndefined({ event, status: 'pending', attempts: 0, nextAttemptAt: dueAt, destinations: {}, createdAt: FieldValue.serverTimestamp(), updatedAt: dueAt });
}

/**
 * The NotificationOutbox port on Firestore: `notification_outbox/{id}` (id = the audit entry's id),
 * its attempts in `attempts/{n}` (create() of attempt n claims it, with a lease), and one
 * `notification_buckets/{key}` per coalescing bucket. No transactions: create() is the claim.
 */
export function createFirestoreNotificationOutbox(db: Firestore): NotificationOutbox {
  const items = db.collection(OUTBOX_COLLECTION);
  const attemptDoc = (id: string, n: number) => items.doc(id).collection('attempts').doc(String(n).padStart(4, '0'));

  const parse = (id: string, data: unknown): OutboxItem | null => {
    const parsed = outboxDocSchema.safeParse(data);
    if (parsed.success) return { id, ...parsed.data };
    logger.error('notification outbox item fails its schema; left alone', { id, error: formatSchemaError(parsed.error) });
    return null;
  };

  const createOnce = async (ref: DocumentReference, data: Record<string, unknown>) => {
    try {
      await ref.create(data);
      return true;
    } catch (error) {
      if (isAlreadyExists(error)) return false;
      throw error;
    }
  };

  return {
    async get(id) {
      const snap = await items.doc(id).get();
      return snap.exists ? parse(id, snap.data()) : null;
    },

    async claim(id, holder, now, leaseMs) {
      const snap = await items.doc(id).get();
      const item = snap.exists ? parse(id, snap.data()) : null;
      if (!item) return { ok: false, reason: 'missing' };
      if (isFinalOutboxStatus(item.status)) return { ok: false, reason: 'final' };
      // Attempt n+1 after the n recorded; an attempt that crashed (lease over, never ended) is
      // passed over, a live one means another invocation is sending right now.
      for (let n = item.attempts + 1; n <= item.attempts + MAX_TAKEOVERS; n++) {
        if (await createOnce(attemptDoc(id, n), { attempt: n, holder, startedAt: now, leaseUntil: now + leaseMs })) {
          // Someone may have finished attempt n-1 between our read and our claim: look again.
          const fresh = parse(id, (await items.doc(id).get()).data());
          if (!fresh || isFinalOutboxStatus(fresh.status) || fresh.attempts >= n) {
            await attemptDoc(id, n).update({ endedAt: now, abandoned: true });
            return { ok: false, reason: 'final' };
          }
          return { ok: true, attempt: n };
        }
        const other = (await attemptDoc(id, n).get()).data() as AttemptDoc | undefined;
        if (other && other.endedAt === undefined && other.leaseUntil > now) return { ok: false, reason: 'busy' };
        if (other?.endedAt !== undefined) return { ok: false, reason: 'busy' };
      }
      return { ok: false, reason: 'busy' };
    },

    async finish(id, attempt, outcome, now) {
      const final = isFinalOutboxStatus(outcome.status);
      await items.doc(id).update(
        withoutUndefined({
          status: outcome.status,
          attempts: attempt,
          nextAttemptAt: outcome.nextAttemptAt ?? now,
          destinations: outcome.destinations,
          lastError: outcome.lastError ?? FieldValue.delete(),
          digestId: outcome.digestId,
          updatedAt: now,
          ...(final && outcome.status !== 'dead' ? { expireAt: new Date(now + SENT_TTL_MS) } : {}),
        }),
      );
      await attemptDoc(id, attempt).update({ endedAt: now });
    },

    async due(now, limit) {
      const snap = await buildQuery(items, 'outboxDue', { equal: { status: ['pending', 'retry'] }, range: [{ op: '<=', value: now }], limit }).get();
      return snap.docs.map((d) => d.id);
    },

    async deadLetters(limit) {
      const snap = await buildQuery(items, 'outboxByStatusNewest', { equal: { status: 'dead' }, limit }).get();
      return snap.docs.map((d) => parse(d.id, d.data())).filter((x): x is OutboxItem => x !== null);
    },

    async add(event, dueAt) {
      return createOnce(items.doc(event.id), outboxDoc(event, dueAt));
    },

    async held(digestId) {
      const snap = await buildQuery(items, 'outboxHeldFor', { equal: { digestId } }).get();
      return snap.docs
        .map((d) => parse(d.id, d.data()))
        .filter((x): x is OutboxItem => x !== null)
        .sort((a, b) => a.event.at - b.event.at);
    },

    async claimBucket(key, now) {
      return createOnce(db.collection(BUCKETS_COLLECTION).doc(key.replace(/\//g, '_')), { at: now, expireAt: new Date(now + 7 * 86_400_000) });
    },
  };
}
