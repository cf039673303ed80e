import type { Policy } from '../../config/policy-schema';
import type { IncidentIssues, IncidentReport, IncidentStore, StoredAuditEntry } from '../../ports';
import type { RollbackKey } from '../../ports/rollback-ledger';
import type { RollbackDeps } from '../rollback/deps';
import { affectedUsers } from '../rollback/report';
import { buildIncidentReport, incidentId } from './build-report';
import { renderIncidentIssue } from './render-issue';

/** Where incident reports go; part of the rollback's collaborators. */
export interface IncidentDeps {
  store: IncidentStore;
  /** Absent where no GitHub token is configured: the report is stored, no issue is opened. */
  issues?: IncidentIssues;
  /** The policy in force (thresholds, confidence levels, MTTR targets). */
  policy: () => Promise<Policy>;
  /** Web host for links (https://github.com, or a GitHub Enterprise host). */
  githubWebUrl?: string;
  defaultRepository?: string;
}

/** affected_users as the rollback's own entry recorded it (telemetry installs where known, else the estimate). */
function recordedAffectedUsers(trail: StoredAuditEntry[], canaryId: string, generation: number): number | null {
  const entry = trail.find((e) => (e.action === 'auto_rollback' || e.action === 'manual_rollback') && e.meta.canaryId === canaryId && e.meta.generation === generation);
  const value = entry?.meta.affected_users;
  return typeof value === 'number' ? value : null;
}

/**
 * The post-mortem of a finished rollback (completed or failed): built from the stored canary, the
 * rollback plan and step records, the audit trail and the evaluation history, created once
 * (create() of `incidents/{id}`), audited, then opened as a GitHub issue in the release's
 * repository when a token is configured, exactly once: the issue is claimed (create() of
 * `incidents/{id}/claims/github_issue`) before GitHub is called, so a redelivery never opens a
 * second one; a failed call leaves the claim spent and says so in the trail for a human.
 */
export async function writeIncidentReport(deps: RollbackDeps & { incidents: IncidentDeps }, key: RollbackKey, outcome: IncidentReport['outcome']): Promise<IncidentReport | null> {
  const { incidents } = deps;
  const read = await deps.canaries.get(key.canaryId);
  const request = read?.ok ? read.canary.rollbackRequest : undefined;
  if (!read?.ok || !request) return null;
  const canary = read.canary;
  const id = incidentId(canary.id, key.generation);
  let report = await incidents.store.get(id);
  if (!report) {
    const [plan, steps, trail, evaluations, policy] = await Promise.all([
      deps.ledger.getPlan(key),
      deps.ledger.getSteps(key),
      deps.audit.list({ targetId: canary.release, limit: 500 }),
      deps.canaries.listEvaluations(canary.id, 30),
      incidents.policy(),
    ]);
    const repository = canary.target.repository ?? incidents.defaultRepository ?? null;
    const built = buildIncidentReport({
      canary,
      request,
      plan,
      steps,
      outcome,
      trail,
      evaluations,
      policy,
      affectedUsers: recordedAffectedUsers(trail, canary.id, key.generation) ?? affectedUsers(canary, deps.settings),
      githubWebUrl: incidents.githubWebUrl ?? 'https://github.com',
      repository,
      now: deps.clock.now(),
    });
    if (await incidents.store.create(built)) {
      await deps.audit.append(
        {
          ts: built.createdAt,
          action: 'incident_report',
          actorUid: 'system',
          targetId: canary.release,
          meta: { canaryId: canary.id, channel: built.channel, platform: built.platform, incident_id: id, outcome, mttr_minutes: built.durations.mttr_minutes ?? null, link: `/incidents/${id}` },
        },
        `incident_report:${id}`,
      );
    }
    report = (await incidents.store.get(id)) ?? built;
  }
  const repository = canary.target.repository ?? incidents.defaultRepository;
  if (incidents.issues && repository && !report.githubIssue && (await incidents.store.claim(id, 'github_issue'))) {
    const { title, body, labels } = renderIncidentIssue(report);
    try {
      const issue = await incidents.issues.open(repository, title, body, labels);
      report = { ...report, githubIssue: issue, links: [...report.links, { label: `GitHub issue #${issue.number}`, url: issue.url }] };
      await incidents.store.update(id, { githubIssue: issue, links: report.links });
      await deps.audit.append(
        { ts: deps.clock.now(), action: 'incident_issue_opened', actorUid: 'system', targetId: canary.release, meta: { canaryId: canary.id, incident_id: id, issue: issue.number, url: issue.url } },
        `incident_issue_opened:${id}`,
      );
    } catch (err) {
      await deps.audit.append(
        {
          ts: deps.clock.now(),
          action: 'incident_issue_failed',
          actorUid: 'system',
          targetId: canary.release,
          meta: { canaryId: canary.id, incident_id: id, repository, error: err instanceof Error ? err.message : String(err) },
        },
        `incident_issue_failed:${id}`,
      );
    }
  }
  return report;
}
