/**
 * The records behind the Idempotency-Key header (IETF HTTPAPI draft "The Idempotency-Key HTTP
 * Header Field"): one per (caller, key), claimed before the request runs, completed with the
 * answer it got. A second request with the key gets that answer again, never a second effect.
 */

/** The answer stored for replay. */
export interface StoredAnswer {
  status: number;
  /** The JSON body as sent, as text (stored verbatim, replayed byte for byte). */
  body: string;
  headers: Record<string, string>;
}

/**
 * The Idempotency-Key claim of the request on whose behalf a state change is written, and the answer
 * that change means. The store completes the key with `answer` in the change's own unit, and only
 * while `claim` is still the key's current claim: a request whose change landed is answered again,
 * never run again, even if its instance dies before it answers; a request whose claim was taken over
 * (it ran past the stale time) writes nothing.
 */
export interface RequestCompletion {
  /** The key as given to begin(). */
  key: string;
  claim: string;
  answer: StoredAnswer;
}

/** Who may run a request: the one claim that won, or why not. */
export type IdempotencyBegin =
  /** This request owns the key (first use, or took over a stale claim): run it, then complete or release. */
  | { kind: 'run'; claim: string; tookOver: boolean }
  /** The key already answered this same request: send that answer again. */
  | { kind: 'replay'; answer: StoredAnswer }
  /** The key was used for a different request (another body, method or path): 422, nothing done. */
  | { kind: 'mismatch' }
  /** The first request with the key is still running: 409, try again later. */
  | { kind: 'in_flight'; retryAfterSeconds: number };

export interface IdempotencyStore {
  /**
   * Claims `key` for a request with this fingerprint (create(): one winner). A claim left in
   * flight longer than `staleAfterMs` (its request died) is taken over by the next request with
   * the same fingerprint, judged on the store's clock.
   */
  begin(key: string, fingerprint: string, info: { actor: string; route: string }): Promise<IdempotencyBegin>;
  /** Stores the answer; only the current claim may (a claim taken over after it went stale may not). */
  complete(key: string, claim: string, answer: StoredAnswer): Promise<boolean>;
  /** Forgets an in-flight claim whose request failed (5xx): a retry with the key runs afresh. */
  release(key: string, claim: string): Promise<void>;
}
