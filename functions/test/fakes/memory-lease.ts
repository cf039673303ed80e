import type { Fence, Lease, LeaseAcquired, LeaseRefused } from '../../src/ports/lease';

interface Term {
  term: number;
  holder: string;
  expiresAt: number;
  releasedAt?: number;
}

/**
 * An in-memory lease with the Firestore one's rules (numbered terms, expiry, holder-only release).
 * Its clock is the store's: expiry is judged on `storeClock` when given (as Firestore judges it on
 * its own time), on the caller's `now` otherwise. `holds(fence)` is what MemoryCanaryStore asks
 * before a fenced write.
 */
export class MemoryLease implements Lease {
  readonly terms: Term[] = [];
  constructor(private readonly storeClock?: () => number) {}

  private nowOr(callerNow: number): number {
    return this.storeClock ? this.storeClock() : callerNow;
  }

  async acquire(name: string, holder: string, ttlMs: number, now: number): Promise<LeaseAcquired | LeaseRefused> {
    const at = this.nowOr(now);
    const cur = this.terms.at(-1);
    if (cur && cur.releasedAt === undefined && cur.expiresAt > at) return { acquired: false, heldBy: cur.holder, term: cur.term, expiresAt: cur.expiresAt };
    const term: Term = { term: (cur?.term ?? 0) + 1, holder, expiresAt: at + ttlMs };
    this.terms.push(term);
    return { acquired: true, term: term.term, expiresAt: term.expiresAt, fence: { lease: 'job', name, term: term.term } };
  }

  async release(_name: string, term: number, holder: string, now: number): Promise<void> {
    const t = this.terms.find((x) => x.term === term);
    if (t && t.holder === holder && t.releasedAt === undefined && t.expiresAt > this.nowOr(now) && this.terms.at(-1) === t) t.releasedAt = now;
  }

  /** The fence's term is the newest and not released; expired too, when the lease has a store clock. */
  holds(fence: Fence): boolean {
    const t = this.terms.at(-1);
    const live = t !== undefined && t.releasedAt === undefined && (!this.storeClock || t.expiresAt > this.storeClock());
    return fence.lease === 'job' && live && t.term === fence.term;
  }
}
