import { createHash, randomUUID } from 'node:crypto';
import { FieldValue, Timestamp, type Firestore } from 'firebase-admin/firestore';
import type { IdempotencyBegin, IdempotencyStore, StoredAnswer } from '../../ports/idempotency';
import { isAlreadyExists } from './errors';
import { runTransaction } from './transaction';

export const IDEMPOTENCY_COLLECTION = 'idempotency_keys';

/**
 * A claim older than this is presumed dead. The api function times out after 60 s, so a request
 * still "in flight" after twice that never finished: its instance crashed or was stopped.
 */
export const STALE_AFTER_MS = 120_000;

/** Keys are kept this long (a TTL policy on `expireAt` deletes them; see docs/data-model.md). */
const KEEP_MS = 7 * 24 * 3600_000;

/** Document id: sha256 of caller and key, so any key is a valid id and callers never share one. */
export function idempotencyDocId(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The fields that turn an in-flight record into an answered one (here, or in a state change's unit). */
export function completedRequest(answer: StoredAnswer): Record<string, unknown> {
  return { state: 'done', answer: { status: answer.status, body: answer.body, headers: { ...answer.headers } }, doneAt: FieldValue.serverTimestamp() };
}

/**
 * The IdempotencyStore on Firestore: `idempotency_keys/{sha256(key)}` holding
 * `{state: 'in_flight' | 'done', fingerprint, claim, startedAt, answer?}`. The claim is a create();
 * taking over a stale claim and completing one are transactions that check the claim still
 * belongs to the writer, so two requests never both run and a late finisher never overwrites.
 */
export function createFirestoreIdempotencyStore(db: Firestore, options: { staleAfterMs?: number } = {}): IdempotencyStore {
  const staleAfterMs = options.staleAfterMs ?? STALE_AFTER_MS;
  const col = db.collection(IDEMPOTENCY_COLLECTION);

  return {
    async begin(key, fingerprint, info): Promise<IdempotencyBegin> {
      const ref = col.doc(idempotencyDocId(key));
      const claim = randomUUID();
      try {
        await ref.create({
          state: 'in_flight',
          fingerprint,
          claim,
          actor: info.actor,
          route: info.route,
          startedAt: FieldValue.serverTimestamp(),
          expireAt: Timestamp.fromMillis(Date.now() + KEEP_MS),
        });
        return { kind: 'run', claim, tookOver: false };
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
      }
      return runTransaction(db, async (tx): Promise<IdempotencyBegin> => {
        const snap = await tx.get(ref);
        // Released (deleted) between our create and this read: claim it now.
        if (!snap.exists) {
          tx.create(ref, { state: 'in_flight', fingerprint, claim, actor: info.actor, route: info.route, startedAt: FieldValue.serverTimestamp(), expireAt: Timestamp.fromMillis(Date.now() + KEEP_MS) });
          return { kind: 'run', claim, tookOver: false };
        }
        if (snap.get('fingerprint') !== fingerprint) return { kind: 'mismatch' };
        if (snap.get('state') === 'done') return { kind: 'replay', answer: snap.get('answer') as StoredAnswer };
        const started = snap.get('startedAt') as unknown;
        // Age on the server's clock (the read time), never this instance's.
        const age = started instanceof Timestamp ? snap.readTime.toMillis() - started.toMillis() : Infinity;
        if (age < staleAfterMs) return { kind: 'in_flight', retryAfterSeconds: Math.max(1, Math.ceil((staleAfterMs - age) / 1000 / 4)) };
        tx.update(ref, { claim, startedAt: FieldValue.serverTimestamp(), tookOverFrom: snap.get('claim') as string });
        return { kind: 'run', claim, tookOver: true };
      });
    },

    async complete(key, claim, answer) {
      const ref = col.doc(idempotencyDocId(key));
      return runTransaction(db, async (tx) => {
        const snap = await tx.get(ref);
        if (!snap.exists || snap.get('claim') !== claim || snap.get('state') !== 'in_flight') return false;
        tx.update(ref, completedRequest(answer));
        return true;
      });
    },

    async release(key, claim) {
      const ref = col.doc(idempotencyDocId(key));
      await runTransaction(db, async (tx) => {
        const snap = await tx.get(ref);
        if (snap.exists && snap.get('claim') === claim && snap.get('state') === 'in_flight') tx.delete(ref);
      });
    },
  };
}
