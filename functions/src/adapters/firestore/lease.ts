import type { Firestore } from 'firebase-admin/firestore';
import type { Lease, LeaseAcquired, LeaseRefused } from '../../ports/lease';
import { isAlreadyExists } from './errors';
import { jobTermId, serverExpiry, termIsLive } from './fence';
import { runTransaction } from './transaction';

interface TermDoc {
  term: number;
  holder: string;
  /** The holder's clock when it took the term: a record, not a judge. */
  acquiredAt: number;
  /** The holder's estimate of the end; the store judges by create time + ttlMs (fence.ts). */
  expiresAt: number;
  ttlMs: number;
  releasedAt?: number;
}

/**
 * The Lease port on Firestore: `leases/{name}/terms/{n}`. A term is taken by create() of the next
 * number (ALREADY_EXISTS means another run took it); it is free again once released or expired,
 * and expiry is judged by the server (the term's create time + its ttl against the read time), so
 * a caller's clock never decides that another's term is over. Old terms stay as a small history
 * of runs (bounded by a TTL policy on `expireAt` if wanted).
 */
export function createFirestoreLease(db: Firestore): Lease {
  const terms = (name: string) => db.collection('leases').doc(name).collection('terms');

  return {
    async acquire(name, holder, ttlMs, now): Promise<LeaseAcquired | LeaseRefused> {
      // query-shape: leaseTermsNewest
      const latest = await terms(name).orderBy('term', 'desc').limit(1).get();
      const snap = latest.empty ? undefined : latest.docs[0];
      const current = snap?.data() as TermDoc | undefined;
      if (snap && current && termIsLive(snap, now)) {
        return { acquired: false, heldBy: current.holder, term: current.term, expiresAt: serverExpiry(snap) };
      }
      const term = (current?.term ?? 0) + 1;
      const doc: TermDoc = { term, holder, acquiredAt: now, expiresAt: now + ttlMs, ttlMs };
      try {
        const written = await terms(name).doc(jobTermId(term)).create({ ...doc, expireAt: new Date(now + ttlMs + 7 * 86_400_000) });
        return { acquired: true, term, expiresAt: written.writeTime.toMillis() + ttlMs, fence: { lease: 'job', name, term } };
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
        const winner = (await terms(name).doc(jobTermId(term)).get()).data() as TermDoc | undefined;
        return { acquired: false, heldBy: winner?.holder ?? 'another run', term, expiresAt: winner?.expiresAt ?? now + ttlMs };
      }
    },

    async release(name, term, holder, now) {
      const ref = terms(name).doc(jobTermId(term));
      // A transaction: a take-over between the check and the write must not be marked released.
      await runTransaction(db, async (tx) => {
        const [snap, next] = await Promise.all([tx.get(ref), tx.get(terms(name).doc(jobTermId(term + 1)))]);
        const data = snap.data() as TermDoc | undefined;
        // Only the holder ends its own term, and a term taken over or expired is never touched.
        if (!data || data.holder !== holder || next.exists || !termIsLive(snap, now)) return;
        tx.update(ref, { releasedAt: now });
      });
    },
  };
}
