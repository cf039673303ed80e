import type { DocumentReference, DocumentSnapshot, Firestore, Transaction } from 'firebase-admin/firestore';
import type { Fence } from '../../ports/lease';

/** Doc ids sort like their numbers, so the newest term is also the last id. */
export const jobTermId = (term: number) => String(term).padStart(12, '0');
export const attemptId = (attempt: number) => String(attempt).padStart(4, '0');

/** Where term n of a fenced lease is stored: `leases/{name}/terms/{n}` or a rollback's `attempts/{n}`. */
export function termRef(db: Firestore, fence: Fence, term = fence.term): DocumentReference {
  return fence.lease === 'job'
    ? db.collection('leases').doc(fence.name).collection('terms').doc(jobTermId(term))
    : db.doc(`canaries/${fence.canaryId}/rollbacks/${fence.generation}/attempts/${attemptId(term)}`);
}

/**
 * The store's own view of a term's end: the server time the term was created plus its
 * time-to-live. The caller's clock plays no part, so an instance whose clock runs ahead cannot
 * see a live term as expired (C3). Terms written before `ttlMs` was stored fall back to the
 * expiry their writer computed.
 */
export function serverExpiry(snap: DocumentSnapshot): number {
  const ttl = snap.get('ttlMs') as unknown;
  const created = snap.createTime?.toMillis();
  if (typeof ttl === 'number' && created !== undefined) return created + ttl;
  const stored = (snap.get('expiresAt') ?? snap.get('leaseUntil')) as unknown;
  return typeof stored === 'number' ? stored : 0;
}

/** The server's "now" for a read: its read time (the in-process test server may omit it). */
export function serverNow(snap: DocumentSnapshot, fallback: number): number {
  return snap.readTime?.toMillis() ?? fallback;
}

/** True while the term is neither released nor expired, judged on the server's clock. */
export function termIsLive(snap: DocumentSnapshot, fallbackNow: number): boolean {
  if (!snap.exists) return false;
  if (snap.get('releasedAt') != null || snap.get('endedAt') != null) return false;
  return serverNow(snap, fallbackNow) < serverExpiry(snap);
}

/**
 * Checks, inside the caller's transaction, that the fence's term is still the current one: its
 * document is live and no later term exists. Reading both in the transaction means a take-over
 * that commits first makes this transaction fail or retry and see it; never both succeed.
 * Returns why the fence no longer holds, or null.
 */
export async function fenceBroken(db: Firestore, tx: Transaction, fence: Fence): Promise<string | null> {
  const [mine, next] = await Promise.all([tx.get(termRef(db, fence)), tx.get(termRef(db, fence, fence.term + 1))]);
  const what = fence.lease === 'job' ? `lease ${fence.name}` : `rollback ${fence.canaryId}/${fence.generation}`;
  if (next.exists) return `${what}: term ${fence.term} was taken over by term ${fence.term + 1}`;
  if (!mine.exists) return `${what}: term ${fence.term} does not exist`;
  if (!termIsLive(mine, Date.now())) return `${what}: term ${fence.term} has ended or expired`;
  return null;
}
