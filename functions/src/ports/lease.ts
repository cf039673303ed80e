import { CanaryConflict } from './canary-store';

/**
 * A time-bounded lease on a named job (the scheduled evaluation), so that a run slower than the
 * schedule interval makes the next run skip instead of overlapping it (S2).
 *
 * Terms are numbered: acquiring creates term n+1 with create(), so of two runs racing for the same
 * expired term exactly one wins. Whether a term has expired is judged on the store's clock (the
 * time the term was written and the time it is read), never on the caller's, so an instance whose
 * clock runs ahead cannot declare a live term dead and make a second holder (C3). Every write made
 * under a lease carries its `Fence`, and the store refuses it once the term ended, expired or a
 * later term exists.
 */
export type LeaseAcquired = {
  acquired: true;
  term: number;
  expiresAt: number;
  /** Carried by every write made under this term. Absent only from test doubles that fence nothing. */
  fence?: Fence;
};
export type LeaseRefused = { acquired: false; heldBy: string; term: number; expiresAt: number };

/**
 * Proof of holding one term of a lease. Stores check it in the same transaction as the write it
 * guards: the write lands only while this term is still the current, unexpired, unreleased one.
 */
export type Fence =
  | { lease: 'job'; name: string; term: number }
  | { lease: 'rollback'; canaryId: string; generation: number; term: number };

export interface Lease {
  /** `now` is recorded as the caller's view (acquiredAt); expiry is judged on the store's clock. */
  acquire(name: string, holder: string, ttlMs: number, now: number): Promise<LeaseAcquired | LeaseRefused>;
  /** Ends the term early (a finished run); a no-op when the term is no longer this holder's. */
  release(name: string, term: number, holder: string, now: number): Promise<void>;
}


/**
 * A write made under a lease term that is no longer the current one (taken over, expired or
 * released): nothing of it was written. The holder stops; `why` says which term took over.
 */
export class FencedOut extends Error {
  constructor(
    readonly fence: Fence,
    readonly why: string,
    /** What the refused write was, e.g. `step hosting_release` or `audit rollback_completed`. */
    readonly write: string,
  ) {
    super(`${write} refused: ${why}`);
    this.name = 'FencedOut';
  }
}

/** True for any refusal of a write because its lease term no longer holds, from any store. */
export function isFencedOut(err: unknown): err is FencedOut | CanaryConflict {
  return err instanceof FencedOut || (err instanceof CanaryConflict && err.reason === 'fenced');
}
