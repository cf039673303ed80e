import type { Fence } from './lease';
import type { RollbackStepName } from './platform';

/** Identifies one rollback: a canary and the generation of its rollback request. */
export interface RollbackKey {
  canaryId: string;
  generation: number;
}

/** One holder's turn at a rollback: attempt n is `create()`d, so exactly one caller gets it. */
export interface RollbackAttempt {
  attempt: number;
  holder: string;
  startedAt: number;
  /** The holder's estimate of when another caller may take over; the store judges it on its own clock (start + leaseMs). */
  leaseUntil: number;
  /** The lease's time-to-live, judged from the store's time of the attempt's creation. */
  leaseMs?: number;
  /** Set when the holder stopped on its own (finished or handed over): takeover needs no waiting. */
  endedAt?: number;
  /** Why the holder stopped, where it did not finish (e.g. fenced out by a later attempt). */
  stoppedBecause?: string;
}

export type AcquireResult =
  | { ok: true; attempt: RollbackAttempt; fence: Fence }
  | { ok: false; current: RollbackAttempt };

/** The decisions taken once, before any outside effect: what is rolled back to and which steps run. */
export interface RollbackPlan {
  rollbackTo: string;
  steps: RollbackStepName[];
  trigger: string;
  reason: string;
  requestedBy: string;
  requestedAt: number;
  plannedAt: number;
  /** The breaker slot taken (automatic rollbacks only). */
  breakerSlot?: string;
  /** `critical`: the desktop step deletes the bad release after making the target Latest. */
  severity?: 'critical';
}

export type StepStatus = 'started' | 'done' | 'already_done' | 'skipped' | 'dry_run' | 'waiting' | 'failed';

/** A step's own record (`canaries/{id}/rollbacks/{gen}/steps/{step}`), written only by the lease holder. */
export interface StepRecord {
  status: StepStatus;
  /** Calls made so far across all attempts (the retry budget counts these). */
  tries: number;
  attempt: number;
  updatedAt: number;
  detail?: string;
  error?: string;
  retryable?: boolean;
  /** Earliest time of the next try (back-off or Retry-After), ms. */
  retryAt?: number;
  httpStatus?: number;
}

/**
 * Durable records of a rollback's progress. Every exactly-once guarantee rests on `create()`
 * (attempts, plan, breaker slots); step records are plain writes, made only by the current holder.
 * The writes take the holder's `fence`: where given, the store checks in the same transaction that
 * the attempt is still the current, live one, and otherwise writes nothing and throws FencedOut, so
 * a holder whose attempt was taken over (its lease expired, another took attempt n+1) can no longer
 * record a step, a plan or a breaker slot, and so never starts another outside call (a step's
 * intent is recorded before its call).
 */
export interface RollbackLedger {
  /**
   * Takes attempt 1, or the next attempt when the current one ended or its lease expired (judged
   * on the store's clock, never the caller's). Racing callers: one gets `ok: true` and the fence
   * its writes carry, the others see the attempt that won.
   */
  acquire(key: RollbackKey, holder: string, now: number, leaseMs: number): Promise<AcquireResult>;
  /**
   * Marks the holder's attempt as ended so the next caller need not wait for the lease. `stoppedBecause`
   * is kept on the attempt's record (a holder fenced out says so there).
   */
  release(key: RollbackKey, attempt: number, now: number, stoppedBecause?: string): Promise<void>;
  /** create() of the plan: false when one already exists (then `getPlan` returns it). */
  createPlan(key: RollbackKey, plan: RollbackPlan, fence?: Fence): Promise<boolean>;
  getPlan(key: RollbackKey): Promise<RollbackPlan | null>;
  getSteps(key: RollbackKey): Promise<Partial<Record<RollbackStepName, StepRecord>>>;
  putStep(key: RollbackKey, step: RollbackStepName, record: StepRecord, fence?: Fence): Promise<void>;
  /**
   * Circuit breaker: create() of slot `{hour}-{n}` for the first free n < limit. Returns the slot id,
   * or null when all are taken. `owner` is stored so a retried attempt can find its own slot again;
   * where it cannot, it takes another: the breaker errs towards fewer rollbacks, never more.
   */
  takeBreakerSlot(hour: string, limit: number, owner: string, fence?: Fence): Promise<string | null>;
}
