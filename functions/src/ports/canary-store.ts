import type { Canary, CanaryStatus, EvaluationSummary } from '../core/canary';
import type { MetricName, Platform, WindowSample } from '../core/types';
import type { PendingAuditEntry } from './audit';
import type { RequestCompletion } from './idempotency';
import type { Fence } from './lease';

/**
 * A stored canary, or the report of a document that failed its schema (never silently repaired).
 * `version` names the stored revision that was read (Firestore's update time): a write computed
 * from this read passes it as `ifVersion`, and fails if another writer got there first.
 */
export type CanaryRead = { ok: true; canary: Canary; version: string } | { ok: false; id: string; error: string; version?: string };

/** Why a guarded canary write was refused; nothing of it was written. */
export type CanaryConflictReason =
  /** The document is no longer the version the write was computed from. */
  | 'changed'
  /** The write would take the canary out of a rollback (or unfreeze it): only the rollback itself or a person may. */
  | 'rollback_holds'
  /** The lease term the write was made under ended, expired, or was taken over. */
  | 'fenced'
  /** The tick's decision document exists: another run decided this canary for this schedule time. */
  | 'already_decided'
  /** The canary document does not exist. */
  | 'missing'
  /**
   * An audit entry of this write already exists (same idempotency key): the same request was
   * already carried out, with its state change, so nothing is written again.
   */
  | 'duplicate'
  /** The request's Idempotency-Key claim was taken over by a retry: this run of it writes nothing. */
  | 'claim_lost';

/** The one error a guarded write raises when it was refused; anything else is the store failing. */
export class CanaryConflict extends Error {
  constructor(
    readonly canaryId: string,
    readonly reason: CanaryConflictReason,
    message: string,
    /** The status found, when the document was read. */
    readonly currentStatus?: string,
  ) {
    super(message);
    this.name = 'CanaryConflict';
  }
}

export function isCanaryConflict(err: unknown): err is CanaryConflict {
  return err instanceof CanaryConflict;
}

/**
 * Conditions checked atomically with a canary write (one transaction): the write lands only if
 * every one holds, and otherwise fails with CanaryConflict.
 */
export interface CanaryWriteOptions {
  /** The version the patch was computed from (CanaryRead.version). */
  ifVersion?: string;
  /** The lease term the writer holds. */
  fence?: Fence;
  /**
   * Who writes. A canary that a rollback holds (rollback_requested, rolling_back, rolled_back) or
   * froze is moved out of that only by the rollback itself ('rollback') or a person ('person');
   * any other writer (tick, gates, guardian, promotion) is refused with 'rollback_holds'.
   */
  by?: 'rollback' | 'person';
  /** create() of the tick's decision document in the same unit: both land or neither ('already_decided'). */
  evaluation?: { key: string; record: EvaluationRecord };
  /**
   * The audit entries of this change, written in the same unit: never a change without its entry,
   * never an entry for a change that did not land. An entry whose key is already stored refuses the
   * whole write ('duplicate'): its request was already carried out.
   */
  audit?: PendingAuditEntry[];
  /** The HTTP request this change is made for: its Idempotency-Key is completed in the same unit ('claim_lost'). */
  completes?: RequestCompletion;
}

/** What a landed write stored beside the change. */
export interface CanaryWriteResult {
  /** The ids of the audit entries written, in the order given. */
  auditIds: string[];
}

export interface CanaryListQuery {
  status?: CanaryStatus | CanaryStatus[];
  platform?: Platform;
  /** Only canaries whose recovery the evaluator still watches (status rolled_back). */
  recoveryWatch?: true;
  /** Only canaries with an open MTTR flag (any status and platform). */
  mttrMissed?: true;
  limit?: number;
}

/**
 * Canary documents. Writes of a status and its effects are claimed first (create() of a claim
 * document), so two overlapping invocations can never both act.
 */
export interface CanaryStore {
  get(id: string): Promise<CanaryRead | null>;
  list(query: CanaryListQuery): Promise<CanaryRead[]>;
  /**
   * Creates the canary unless one with its id exists; returns the stored one either way. `audit`
   * entries are written in the same unit as the creation, and only with it (an entry already stored
   * under its key is left as it is).
   */
  createIfAbsent(canary: Canary, options?: { audit?: PendingAuditEntry[] }): Promise<{ created: boolean; canary: CanaryRead }>;
  /**
   * Merges the given fields (dot paths allowed for nested maps) and bumps updatedAt, in one
   * transaction with the checks of `options`; a refused write throws CanaryConflict. Without
   * options the rollback guard still applies: no write takes a canary out of a rollback silently.
   */
  update(id: string, patch: Record<string, unknown>, options?: CanaryWriteOptions): Promise<CanaryWriteResult>;
  /**
   * Quarantines a document that failed its schema: status 'invalid' with the message. With
   * `ifVersion`, only if the document is still the broken one that was read (a repaired document
   * is left alone); otherwise a no-op.
   */
  markInvalid(id: string, error: string, options?: { ifVersion?: string }): Promise<void>;
  /**
   * create() of `canaries/{id}/claims/{key}`: true for the one caller that created it, false for
   * every other (ALREADY_EXISTS). Keys: `tick-<scheduleTime>`, `rollback-<generation>`, ...
   */
  claim(id: string, key: string, data: Record<string, unknown>): Promise<boolean>;
  /**
   * create() of `canaries/{id}/evaluations/{key}`: the decision document of one tick. Keyed by the
   * schedule time, so it is also the tick's claim: false when another run already decided it.
   */
  recordEvaluation(id: string, key: string, record: EvaluationRecord): Promise<boolean>;
  /** Newest first; with `before`, only those whose scheduleTime is earlier (the next page). Without `counts`. */
  listEvaluations(id: string, limit: number, before?: number): Promise<EvaluationRecord[]>;
}

/** One tick's decision, as kept in the evaluation history (bounded by a TTL on `expireAt`). */
export interface EvaluationRecord extends EvaluationSummary {
  /** The schedule time the tick ran for (X-CloudScheduler-ScheduleTime), ms. */
  scheduleTime: number;
  /** Channel and stage the canary was in when judged. */
  channel: string;
  rolloutPercent: number;
  /** Effects the decision led to, e.g. ['promote'] or ['rollback']. */
  effects: string[];
  dryRun: boolean;
  /** When the document may be deleted by the TTL policy, ms. */
  expireAt: number;
  /**
   * Set when the tick was given up for this canary: the document changed while the tick waited
   * (a rollback, a request, another writer) or the run lost its lease. Nothing it decided was
   * written or carried out; the next tick judges the canary afresh.
   */
  superseded?: string;
  /**
   * The raw counts of the windows this tick judged for the first time, and the metrics the source
   * fed: what the backtest replays under another policy (rates and verdicts cannot be re-judged).
   * Bounded (app/evaluate/judged-counts.ts); absent in records written before it existed.
   */
  counts?: JudgedCounts;
}

/** The windows one tick judged, as the metrics source gave them. */
export interface JudgedCounts {
  windows: WindowSample[];
  /** The metrics the source fed for this canary, when it said (Play vitals feeds no latency). */
  metrics?: MetricName[];
}

/** Raw configuration documents (`config/{name}`); the caller validates them with its own schema. */
export interface ConfigStore {
  get(name: string): Promise<unknown | null>;
}
