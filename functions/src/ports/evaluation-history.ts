import type { GateStatus } from '../core/canary';
import type { Platform } from '../core/types';
import type { EvaluationRecord } from './canary-store';

/** What the backtest needs of a canary besides its decisions. */
export interface HistoryCanary {
  platform: Platform;
  release: string;
  createdAt: number;
  /** The gates as they stand now (their history is not kept). */
  gates: GateStatus;
}

/** One canary's stored decisions over the period asked for. */
export interface StoredCanaryHistory {
  id: string;
  /** Null when the canary document is gone or fails its schema; `error` says which. */
  canary: HistoryCanary | null;
  error?: string;
  /** Oldest first: the decision documents whose schedule time is at or after `since`, with their counts. */
  records: EvaluationRecord[];
  /** Decision documents that failed their schema and were left out. */
  unreadable: number;
}

/**
 * The evaluation history as the backtest reads it (a CLI, not a deployed function): every canary
 * with a decision since `since`, or only the one named. One query per canary updated since then.
 */
export interface EvaluationHistory {
  list(query: { since: number; canaryId?: string }): Promise<StoredCanaryHistory[]>;
}
