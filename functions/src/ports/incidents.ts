import type { MetricName, Verdict } from '../core/types';

/** One moment of the incident, with where it was learned (an audit action, or the canary's own clock). */
export interface TimelinePoint {
  at: number | null;
  source: string;
}

/**
 * The post-mortem of one rollback (`incidents/{id}`, id `<canaryId>__g<generation>`): what happened
 * when, what the evaluator saw at the decision and with what confidence, who was affected, what
 * each step did. Written once when the rollback finishes; recovery is added when it is confirmed.
 */
export interface IncidentReport {
  id: string;
  canaryId: string;
  generation: number;
  release: string;
  platform: string;
  channel: string;
  outcome: 'rolled_back' | 'rollback_failed';
  trigger: string;
  requestedBy: string;
  reason: string;
  rollbackTo: string | null;
  timeline: { onset: TimelinePoint; detected: TimelinePoint; decided: TimelinePoint; restored: TimelinePoint; recovered: TimelinePoint };
  /** Minutes between the points (null where a point is unknown). */
  durations: Record<string, number | null>;
  /** The channel's MTTR target and whether this incident met it (null: no target, or not recovered yet). */
  mttr: { targetMinutes: number | null; minutes: number | null; met: boolean | null; clearedAt?: number; clearedBy?: string };
  /** The evaluation that led to the decision (null for a manual rollback without one). */
  decision: {
    at: number;
    verdict: Verdict;
    reasons: string[];
    metrics: { metric: MetricName; status: Verdict; canary: number | null; baseline: number | null; threshold: number }[];
    /** Confidence levels of the policy in force: red = 1 - redAlpha, green = 1 - greenAlpha. */
    confidence: { red: number; yellow: number; green: number };
  } | null;
  affectedUsers: number | null;
  rolloutPercent: number;
  steps: { step: string; status: string; detail: string | null; error: string | null; tries: number }[];
  /** The audit entries of this canary, oldest first (action, time, actor). */
  trail: { ts: number; action: string; actor: string }[];
  links: { label: string; url: string }[];
  /** The GitHub issue this report was opened as, once opened. */
  githubIssue: { number: number; url: string } | null;
  createdAt: number;
}

export interface IncidentListQuery {
  /** Newest first; default 50, at most 200. */
  limit?: number;
  channel?: string;
  /** Only incidents whose rollback was decided at or after this time (ms). */
  since?: number;
}

/** `incidents/{id}`: created once, patched for recovery and the issue link. */
export interface IncidentStore {
  /** create(): false when the report exists already (a redelivered finish writes nothing). */
  create(report: IncidentReport): Promise<boolean>;
  get(id: string): Promise<IncidentReport | null>;
  list(query: IncidentListQuery): Promise<IncidentReport[]>;
  update(id: string, patch: Record<string, unknown>): Promise<void>;
  /**
   * Reads the report and writes `compute`'s patch of top-level fields in one transaction (null:
   * nothing to write). Null when the report does not exist; `report` is the report as written.
   */
  change(id: string, compute: (report: IncidentReport) => Partial<IncidentReport> | null): Promise<{ report: IncidentReport; changed: boolean } | null>;
  /** create() of `incidents/{id}/claims/{key}`: true for the one caller that made it. */
  claim(id: string, key: string): Promise<boolean>;
}

/** Opens a report as an issue in the release's repository (one call; the caller claims first). */
export interface IncidentIssues {
  open(repository: string, title: string, body: string, labels: string[]): Promise<{ number: number; url: string }>;
}
