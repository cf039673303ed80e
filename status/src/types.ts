/** The API's answers, as far as the page reads them (functions/src/http/routes/). */

export interface MetricResult {
  canary: number | null;
  baseline: number | null;
  threshold: number;
  status: string;
  bound?: number | null;
  windows?: number;
}

export interface EvaluationRecord {
  scheduleTime: number;
  at: number;
  windowStart: number | null;
  verdict: string;
  decision: string;
  reasons: string[];
  effects: string[];
  channel: string;
  rolloutPercent: number;
  dryRun: boolean;
  superseded?: string;
  sharedIncident?: boolean;
  metrics: Record<string, MetricResult>;
}

export interface CanaryView {
  id: string;
  status: string;
  error?: string;
  platform?: string;
  release?: string;
  previousRelease?: string | null;
  channel?: string;
  dryRun?: boolean;
  rollout?: { channel: string; stageIndex: number; rolloutPercent: number; stageStartedAt: number };
  lastEvaluation?: (Omit<EvaluationRecord, 'scheduleTime' | 'effects' | 'channel' | 'rolloutPercent' | 'dryRun'>) | null;
  pauseReason?: string | null;
  noData?: { since: number; streak: number; lastError?: string } | null;
  rollbackRequest?: { requestedAt: number; requestedBy: string; reason: string; trigger: string } | null;
  rollback?: { generation: number; target: string | null; startedAt?: number; finishedAt?: number; steps?: Record<string, string>; error?: string } | null;
  incident?: { onsetAt?: number; decidedAt?: number; restoredAt?: number; recoveredAt?: number } | null;
  readiness?: { ready: boolean; checkedAt: number; missing: string[]; failed: string[]; unproven: string[] } | null;
  promotion?: { next: { channel: string; rolloutPercent: number } | null; kind: string; earliestAt: number | null; waitingFor: string[] };
  incidentId?: string | null;
  updatedAt?: number;
}

export interface AuditEntry {
  id: string;
  ts: number;
  action: string;
  actorUid: string;
  targetId: string;
  meta: Record<string, unknown>;
}

export interface SealState {
  ok: boolean;
  verifiedUpTo: string | null;
  sealed: number;
  pending: number;
  problemCount: number;
  problems: { kind: string; entryId?: string; seq?: number }[];
  checkedAt: number;
}

export interface IncidentReport {
  id: string;
  outcome: string;
  trigger: string;
  requestedBy: string;
  reason: string;
  rollbackTo: string | null;
  timeline: Record<string, { at: number | null; source: string }>;
  durations: Record<string, number | null>;
  mttr: { targetMinutes: number | null; minutes: number | null; met: boolean | null };
  decision: { at: number; verdict: string; reasons: string[]; metrics: { metric: string; status: string; canary: number | null; baseline: number | null; threshold: number }[]; confidence: { red: number; yellow: number; green: number } } | null;
  affectedUsers: number | null;
  rolloutPercent: number;
  steps: { step: string; status: string; detail: string | null; error: string | null; tries: number }[];
  links: { label: string; url: string }[];
  githubIssue: { number: number; url: string } | null;
}

export interface DeadLetter {
  id: string;
  kind: string;
  title: string;
  canaryId: string | null;
  at: number;
  attempts: number;
  lastError: string | null;
}
