import { Timestamp, type DocumentReference, type DocumentSnapshot, type Firestore, type Transaction } from 'firebase-admin/firestore';
import { FencedOut, type Fence } from '../../ports/lease';
import type { RollbackStepName } from '../../ports/platform';
import type {
  AcquireResult,
  RollbackAttempt,
  RollbackKey,
  RollbackLedger,
  RollbackPlan,
  StepRecord,
} from '../../ports/rollback-ledger';
import { attemptId, fenceBroken, serverExpiry, termIsLive } from './fence';
import { runTransaction } from './transaction';

/** gRPC ALREADY_EXISTS: the create() lost a race (api-reference §3). */
const ALREADY_EXISTS = 6;

function isAlreadyExists(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === ALREADY_EXISTS;
}

/** create() that answers false instead of throwing when the document exists. */
async function createOnce(ref: DocumentReference, data: Record<string, unknown>): Promise<boolean> {
  try {
    await ref.create(data);
    return true;
  } catch (err) {
    if (isAlreadyExists(err)) return false;
    throw err;
  }
}

/** Firestore drops `undefined` fields only with ignoreUndefinedProperties; strip them here. */
function defined<T extends object>(value: T): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

/** Breaker slots are only read within their hour; a TTL policy on `expireAt` may drop them a week later. */
function expiry(hour: string): Timestamp {
  const start = Date.parse(`${hour}:00:00Z`);
  return Timestamp.fromMillis((Number.isFinite(start) ? start : Date.now()) + 7 * 24 * 3600_000);
}

/**
 * The rollback ledger in Firestore:
 *   canaries/{id}/rollbacks/{gen}                 the plan (create() once)
 *   canaries/{id}/rollbacks/{gen}/attempts/{n}    leases (create() per attempt)
 *   canaries/{id}/rollbacks/{gen}/steps/{step}    one record per step, so parallel steps never share a document
 *   rollback_breaker/{hour}-{n}                   circuit-breaker slots (create() per slot, n < limit)
 *   rollback_breaker/{hour}                       where the free slots start (a hint, not a guard)
 * Without a fence, create() alone is the guard. With one (every write of a lease holder), each
 * write is a transaction that first reads the holder's attempt and the next one (fenceBroken): a
 * take-over that commits first makes the write fail with FencedOut, never land beside it.
 */
export function createFirestoreRollbackLedger(db: Firestore): RollbackLedger {
  const rollbackDoc = (key: RollbackKey) => db.doc(`canaries/${key.canaryId}/rollbacks/${key.generation}`);
  const attemptDoc = (key: RollbackKey, n: number) => rollbackDoc(key).collection('attempts').doc(attemptId(n));
  const fenceOf = (key: RollbackKey, attempt: number): Fence => ({ lease: 'rollback', canaryId: key.canaryId, generation: key.generation, term: attempt });

  /**
   * create() of `ref` under the fence: false when it exists, FencedOut when the term no longer holds.
   * `also` are blind writes made in the same unit (the breaker's hint).
   */
  async function fencedCreate(fence: Fence, what: string, ref: DocumentReference, data: Record<string, unknown>, also?: (tx: Transaction) => void): Promise<boolean> {
    return runTransaction(db, async (tx) => {
      const [broken, existing] = await Promise.all([fenceBroken(db, tx, fence), tx.get(ref)]);
      if (broken) throw new FencedOut(fence, broken, what);
      if (existing.exists) return false;
      tx.create(ref, data);
      also?.(tx);
      return true;
    });
  }

  async function latestAttempt(key: RollbackKey): Promise<DocumentSnapshot | null> {
    const snap = await rollbackDoc(key).collection('attempts').orderBy('attempt', 'desc').limit(1).get();
    return snap.empty ? null : snap.docs[0];
  }

  return {
    async acquire(key, holder, now, leaseMs): Promise<AcquireResult> {
      // Most rollbacks are taken once: try attempt 1 straight away and look further only if it exists.
      const first: RollbackAttempt = { attempt: 1, holder, startedAt: now, leaseUntil: now + leaseMs, leaseMs };
      if (await createOnce(attemptDoc(key, 1), { ...first, ttlMs: leaseMs })) return { ok: true, attempt: first, fence: fenceOf(key, 1) };
      const latest = await latestAttempt(key);
      const current = latest?.data() as RollbackAttempt | undefined;
      // Expiry on the store's clock: a caller whose clock runs ahead cannot end a live attempt (C3).
      if (latest && current && termIsLive(latest, now)) return { ok: false, current: { ...current, leaseUntil: serverExpiry(latest) } };
      const attempt: RollbackAttempt = { attempt: (current?.attempt ?? 0) + 1, holder, startedAt: now, leaseUntil: now + leaseMs, leaseMs };
      if (await createOnce(attemptDoc(key, attempt.attempt), { ...attempt, ttlMs: leaseMs })) return { ok: true, attempt, fence: fenceOf(key, attempt.attempt) };
      const winner = (await attemptDoc(key, attempt.attempt).get()).data() as RollbackAttempt | undefined;
      return { ok: false, current: winner ?? attempt };
    },

    async release(key, attempt, now, stoppedBecause) {
      await attemptDoc(key, attempt).update({ endedAt: now, ...(stoppedBecause ? { stoppedBecause } : {}) });
    },

    async createPlan(key, plan, fence) {
      return fence ? fencedCreate(fence, 'rollback plan', rollbackDoc(key), defined(plan)) : createOnce(rollbackDoc(key), defined(plan));
    },

    async getPlan(key) {
      const snap = await rollbackDoc(key).get();
      return snap.exists ? (snap.data() as RollbackPlan) : null;
    },

    async getSteps(key) {
      const snap = await rollbackDoc(key).collection('steps').get();
      const out: Partial<Record<RollbackStepName, StepRecord>> = {};
      for (const doc of snap.docs) out[doc.id as RollbackStepName] = doc.data() as StepRecord;
      return out;
    },

    async putStep(key, step, record, fence) {
      const ref = rollbackDoc(key).collection('steps').doc(step);
      if (!fence) {
        await ref.set(defined(record));
        return;
      }
      await runTransaction(db, async (tx) => {
        const broken = await fenceBroken(db, tx, fence);
        if (broken) throw new FencedOut(fence, broken, `step ${step} (${record.status})`);
        tx.set(ref, defined(record));
      });
    },

    async takeBreakerSlot(hour, limit, owner, fence) {
      // The hour's hint says where the free slots start; it only saves reads: create() of the slot
      // is the guard, so a stale hint costs a lost race (next number), never an extra slot.
      const hint = db.doc(`rollback_breaker/${hour}`);
      const start = Number((await hint.get()).get('next') ?? 0);
      for (let n = Number.isInteger(start) && start > 0 ? start : 0; n < limit; n++) {
        const ref = db.doc(`rollback_breaker/${hour}-${n}`);
        const slot = { owner, hour, n, expireAt: expiry(hour) };
        if (fence) {
          // The hint moves in the same unit as the slot, so a fenced-out holder writes neither.
          if (await fencedCreate(fence, `breaker slot ${ref.id}`, ref, slot, (tx) => tx.set(hint, { hour, next: n + 1 }, { merge: true }))) return ref.id;
        } else if (await createOnce(ref, slot)) {
          await hint.set({ hour, next: n + 1 }, { merge: true }).catch(() => undefined);
          return ref.id;
        }
        // A retried attempt of the same rollback finds the slot it took before crashing.
        if ((await ref.get()).get('owner') === owner) return ref.id;
      }
      return null;
    },
  };
}
