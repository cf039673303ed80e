/**
 * A time-bounded lease on a named job (the scheduled evaluation), so that a run slower than the
 * schedule interval makes the next run skip instead of overlapping it (S2).
 *
 * Terms are numbered: acquiring creates term n+1 with create(), so of two runs racing for the same
 * expired term exactly one wins; no transaction is involved. The holder of term n stops being a
 * holder when the term expires; callers choose a time-to-live of at least the function's timeout,
 * so a live run never outlives its own term and two live holders never exist.
 */
export type LeaseAcquired = { acquired: true; term: number; expiresAt: number };
export type LeaseRefused = { acquired: false; heldBy: string; term: number; expiresAt: number };

export interface Lease {
  acquire(name: string, holder: string, ttlMs: number, now: number): Promise<LeaseAcquired | LeaseRefused>;
  /** Ends the term early (a finished run); a no-op when the term is no longer this holder's. */
  release(name: string, term: number, holder: string, now: number): Promise<void>;
}
