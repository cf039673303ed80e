import type { Canary, CanaryStatus, EvaluationSummary } from '../core/canary';
import type { Platform } from '../core/types';

/** A stored canary, or the report of a document that failed its schema (never silently repaired). */
export type CanaryRead = { ok: true; canary: Canary } | { ok: false; id: string; error: string };

export interface CanaryListQuery {
  status?: CanaryStatus | CanaryStatus[];
  platform?: Platform;
  /** Only canaries whose recovery the evaluator still watches (status rolled_back). */
  recoveryWatch?: true;
  limit?: number;
}

/**
 * Canary documents. Writes of a status and its effects are claimed first (create() of a claim
 * document), so two overlapping invocations can never both act.
 */
export interface CanaryStore {
  get(id: string): Promise<CanaryRead | null>;
  list(query: CanaryListQuery): Promise<CanaryRead[]>;
  /** Creates the canary unless one with its id exists; returns the stored one either way. */
  createIfAbsent(canary: Canary): Promise<{ created: boolean; canary: CanaryRead }>;
  /** Merges the given fields (dot paths allowed for nested maps) and bumps updatedAt. */
  update(id: string, patch: Record<string, unknown>): Promise<void>;
  /** Quarantines a document that failed its schema: status 'invalid' with the message. */
  markInvalid(id: string, error: string): Promise<void>;
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
  /** Newest first. */
  listEvaluations(id: string, limit: number): Promise<EvaluationRecord[]>;
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
}

/** Raw configuration documents (`config/{name}`); the caller validates them with its own schema. */
export interface ConfigStore {
  get(name: string): Promise<unknown | null>;
}
