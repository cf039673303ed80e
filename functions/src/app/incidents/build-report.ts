import type { Policy } from '../../config/policy-schema';
import type { Canary, RollbackRequest } from '../../core/canary';
import { METRICS } from '../../core/types';
import type { EvaluationRecord, IncidentReport, StoredAuditEntry, TimelinePoint } from '../../ports';
import type { RollbackPlan, StepRecord } from '../../ports/rollback-ledger';

const minutes = (from: number | null, to: number | null) => (from !== null && to !== null ? Math.round(((to - from) / 60_000) * 10) / 10 : null);

/** Audit actions that show the evaluator (or the guardian) saw the problem before the decision. */
const DETECTING = new Set(['canary_pause', 'guardian_block', 'rollback_not_recovered']);

export const incidentId = (canaryId: string, generation: number) => `${canaryId}__g${generation}`;

export interface ReportInput {
  canary: Canary;
  request: RollbackRequest;
  plan: RollbackPlan | null;
  steps: Partial<Record<string, StepRecord>>;
  outcome: IncidentReport['outcome'];
  /** The canary's audit entries, any order. */
  trail: StoredAuditEntry[];
  /** Recent evaluations of the canary, newest first. */
  evaluations: EvaluationRecord[];
  policy: Policy;
  affectedUsers: number | null;
  /** https://github.com (or a GitHub Enterprise host) for links; null: no GitHub links. */
  githubWebUrl: string | null;
  repository: string | null;
  now: number;
}

/** The MTTR of an incident against its channel's target: from onset (else the decision) to recovery. */
export function mttrOf(targetMinutes: number | null, startAt: number | null, restoredAt: number | null, recoveredAt: number | null): IncidentReport['mttr'] {
  const measured = minutes(startAt, recoveredAt);
  if (targetMinutes === null) return { targetMinutes, minutes: measured, met: null };
  if (measured !== null) return { targetMinutes, minutes: measured, met: measured <= targetMinutes };
  // Not recovered yet: already missed when the restore alone took longer than the target.
  const restore = minutes(startAt, restoredAt);
  return { targetMinutes, minutes: null, met: restore !== null && restore > targetMinutes ? false : null };
}

/**
 * The post-mortem of one rollback, from what the product recorded: pure, so the same report comes
 * out of the same records whoever writes it.
 */
export function buildIncidentReport(input: ReportInput): IncidentReport {
  const { canary, request, plan, policy } = input;
  const mine = input.trail.filter((e) => e.meta.canaryId === canary.id || e.meta.canary_id === canary.id).sort((a, b) => a.ts - b.ts);
  const onsetAt = canary.incident?.onsetAt ?? request.onsetAt ?? null;
  const decidedAt = request.requestedAt;
  const firstSign = mine.find((e) => DETECTING.has(e.action) && (onsetAt === null || e.ts >= onsetAt) && e.ts <= decidedAt);
  const restoredAt = input.outcome === 'rolled_back' ? (canary.incident?.restoredAt ?? canary.rollback?.finishedAt ?? null) : null;
  const recoveredAt = canary.incident?.recoveredAt ?? null;
  const point = (at: number | null, source: string): TimelinePoint => ({ at, source });
  const timeline = {
    onset: point(onsetAt, onsetAt !== null ? 'first red window (evaluator)' : 'unknown (no red window recorded)'),
    detected: firstSign ? point(firstSign.ts, firstSign.action) : point(decidedAt, `rollback request (${request.trigger})`),
    decided: point(decidedAt, `rollback request (${request.trigger})`),
    restored: point(restoredAt, restoredAt !== null ? 'rollback_completed' : 'not restored'),
    recovered: point(recoveredAt, recoveredAt !== null ? 'rollback_recovered' : 'not yet confirmed'),
  };
  const start = onsetAt ?? decidedAt;
  const decision = input.evaluations.find((e) => e.decision === 'rollback' && e.at <= decidedAt + 60_000) ?? null;
  const ev = policy.evaluation;
  const channel = canary.rollout.channel;
  const repoUrl = input.githubWebUrl && input.repository ? `${input.githubWebUrl}/${input.repository}` : null;
  const id = incidentId(canary.id, request.generation);
  return {
    id,
    canaryId: canary.id,
    generation: request.generation,
    release: canary.release,
    platform: canary.platform,
    channel,
    outcome: input.outcome,
    trigger: request.trigger,
    requestedBy: request.requestedBy,
    reason: request.reason,
    rollbackTo: plan?.rollbackTo ?? canary.rollback?.target ?? null,
    timeline,
    durations: {
      time_to_detect_minutes: minutes(onsetAt, timeline.detected.at),
      time_to_decide_minutes: minutes(timeline.detected.at, decidedAt),
      time_to_restore_minutes: minutes(decidedAt, restoredAt),
      time_to_recover_minutes: minutes(restoredAt, recoveredAt),
      mttr_minutes: minutes(start, recoveredAt),
    },
    mttr: mttrOf(policy.channels[channel].mttrMinutes, start, restoredAt, recoveredAt),
    decision: decision
      ? {
          at: decision.at,
          verdict: decision.verdict,
          reasons: decision.reasons,
          metrics: METRICS.filter((m) => decision.metrics[m]).map((m) => ({ metric: m, ...decision.metrics[m] })),
          confidence: { red: 1 - ev.redAlpha, yellow: 1 - ev.yellowAlpha, green: 1 - ev.greenAlpha },
        }
      : null,
    affectedUsers: input.affectedUsers,
    rolloutPercent: canary.rollout.rolloutPercent,
    steps: (plan?.steps ?? Object.keys(input.steps)).map((s) => {
      const r = input.steps[s];
      return { step: s, status: r?.status ?? 'not run', detail: r?.detail ?? null, error: r?.error ?? null, tries: r?.tries ?? 0 };
    }),
    trail: mine.map((e) => ({ ts: e.ts, action: e.action, actor: e.actorUid })),
    links: [
      { label: 'report (API)', url: `/incidents/${id}` },
      { label: 'canary (API)', url: `/canaries/${canary.id}` },
      ...(repoUrl ? [{ label: 'repository', url: repoUrl }] : []),
      ...(repoUrl && canary.platform === 'desktop' ? [{ label: `release ${canary.release}`, url: `${repoUrl}/releases/tag/${encodeURIComponent(canary.release)}` }] : []),
    ],
    githubIssue: null,
    createdAt: input.now,
  };
}
