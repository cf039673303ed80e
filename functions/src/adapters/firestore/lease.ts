import type { Firestore } from 'firebase-admin/firestore';
import type { Lease, LeaseAcquired, LeaseRefused } from '../../ports/lease';

const ALREADY_EXISTS = 6;

/** Doc ids sort like their numbers, so the newest term is also the last id. */
const termId = (term: number) => String(term).padStart(12, '0');

interface TermDoc {
  term: number;
  holder: string;
  acquiredAt: number;
  expiresAt: number;
  releasedAt?: number;
}

/**
 * The Lease port on Firestore: `leases/{name}/terms/{n}`. A term is taken by create() of the next
 * number (ALREADY_EXISTS means another run took it); it is free again once expired or released.
 * Old terms stay as a small history of runs (bounded by a TTL policy on `expireAt` if wanted).
 */
export function createFirestoreLease(db: Firestore): Lease {
  const terms = (name: string) => db.collection('leases').doc(name).collection('terms');

  return {
    async acquire(name, holder, ttlMs, now): Promise<LeaseAcquired | LeaseRefused> {
      // query-shape: leaseTermsNewest
      const latest = await terms(name).orderBy('term', 'desc').limit(1).get();
      const current = latest.empty ? undefined : (latest.docs[0].data() as TermDoc);
      if (current && current.releasedAt === undefined && current.expiresAt > now) {
        return { acquired: false, heldBy: current.holder, term: current.term, expiresAt: current.expiresAt };
      }
      const term = (current?.term ?? 0) + 1;
      const doc: TermDoc = { term, holder, acquiredAt: now, expiresAt: now + ttlMs };
      try {
        await terms(name).doc(termId(term)).create({ ...doc, expireAt: new Date(now + ttlMs + 7 * 86_400_000) });
        return { acquired: true, term, expiresAt: doc.expiresAt };
      } catch (error) {
        if ((error as { code?: unknown }).code !== ALREADY_EXISTS) throw error;
        const winner = (await terms(name).doc(termId(term)).get()).data() as TermDoc | undefined;
        return { acquired: false, heldBy: winner?.holder ?? 'another run', term, expiresAt: winner?.expiresAt ?? now + ttlMs };
      }
    },

    async release(name, term, holder, now) {
      const ref = terms(name).doc(termId(term));
      const snap = await ref.get();
      const data = snap.data() as TermDoc | undefined;
      // Only the holder ends its own term, and a term taken over after expiry is never touched.
      if (!data || data.holder !== holder || data.releasedAt !== undefined || data.expiresAt <= now) return;
      await ref.update({ releasedAt: now });
    },
  };
}
