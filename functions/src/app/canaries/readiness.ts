import type { Canary, ReadinessSummary } from '../../core/canary';
import { isCanaryConflict, type AuditLog, type CanaryStore, type Clock, type PendingAuditEntry, type ReadinessCheck, type RollbackActuators } from '../../ports';
import { lastKnownGood } from '../rollback/target';

/** What a readiness check found: `ready` unless some check failed; unproven checks are listed, not failures. */
export interface ReadinessReport {
  ready: boolean;
  checkedAt: number;
  /** The release the rollback would restore now (null: none known, which is itself a failure). */
  rollbackTo: string | null;
  /** The permissions and resources named by failed checks. */
  missing: string[];
  checks: ReadinessCheck[];
}

export interface ReadinessDeps {
  canaries: CanaryStore;
  actuators: RollbackActuators;
  clock: Clock;
}

/**
 * Proves, with reads only, that every step of this canary's rollback could be carried out now:
 * the known-good target exists, and each step the platform's configuration runs answers its own
 * readiness (token and permissions, previous release or version, channel, Play edit). Nothing is
 * changed anywhere; a Play edit is opened and deleted, which nobody outside sees.
 */
export async function checkReadiness(deps: ReadinessDeps, canary: Canary): Promise<ReadinessReport> {
  const target = await lastKnownGood(deps.canaries, canary);
  const rollbackTo = target.ok ? target.release : null;
  const targetCheck: ReadinessCheck = target.ok
    ? { step: 'target', check: 'known-good release', outcome: 'ok', detail: `the rollback would restore ${target.release}${target.skipped.length ? ` (skipping rolled-back ${target.skipped.join(', ')})` : ''}` }
    : { step: 'target', check: 'known-good release', outcome: 'failed', detail: target.reason, missing: 'previousRelease (a known-good release to roll back to)' };
  let steps: ReadinessCheck[][];
  try {
    steps = await Promise.all(deps.actuators.rollbackSteps(canary).map((s) => s.readiness(canary, rollbackTo)));
  } catch (err) {
    steps = [[{ step: 'target', check: 'rollback steps', outcome: 'failed', detail: err instanceof Error ? err.message : String(err) }]];
  }
  const checks = [targetCheck, ...steps.flat()];
  const missing = [...new Set(checks.flatMap((c) => (c.outcome === 'failed' && c.missing ? [c.missing] : [])))];
  return { ready: checks.every((c) => c.outcome !== 'failed'), checkedAt: deps.clock.now(), rollbackTo, missing, checks };
}

export function summaryOf(report: ReadinessReport): ReadinessSummary {
  const name = (c: ReadinessCheck) => `${c.step}: ${c.check}`;
  return {
    ready: report.ready,
    checkedAt: report.checkedAt,
    missing: report.missing,
    failed: report.checks.filter((c) => c.outcome === 'failed').map(name),
    unproven: report.checks.filter((c) => c.outcome === 'unproven').map(name),
  };
}

/** The audit entry of one check (at registration or on demand), carrying the whole report. */
export function readinessEntry(canary: Canary, report: ReadinessReport, actor: string, trigger: 'registration' | 'on_demand'): PendingAuditEntry {
  return {
    entry: {
      ts: report.checkedAt,
      action: 'rollback_readiness',
      actorUid: actor,
      targetId: canary.release,
      meta: {
        canary_id: canary.id,
        channel: canary.rollout.channel,
        platform: canary.platform,
        trigger,
        ready: report.ready,
        rollback_to: report.rollbackTo,
        missing: report.missing,
        checks: report.checks.map((c) => ({ step: c.step, check: c.check, outcome: c.outcome, detail: c.detail, ...(c.missing ? { missing: c.missing } : {}) })),
      },
    },
    idempotencyKey: `rollback_readiness:${canary.id}:${report.checkedAt}`,
  };
}

/**
 * On demand (POST /canaries/{id}/readiness): run the check, store its summary on the canary (only
 * that field: it depends on no other field) and audit it.
 */
export async function runReadinessOnDemand(
  deps: ReadinessDeps & { audit: AuditLog },
  id: string,
  actor: string,
): Promise<{ status: 'not_found' } | { status: 'invalid'; error: string } | { status: 'checked'; report: ReadinessReport }> {
  const read = await deps.canaries.get(id);
  if (!read) return { status: 'not_found' };
  if (!read.ok) return { status: 'invalid', error: read.error };
  const report = await checkReadiness(deps, read.canary);
  // The summary and its entry are one unit; the summary depends on no other field, so a write that
  // another one overtook still says the truth about its own check (no version condition).
  try {
    await deps.canaries.update(id, { readiness: summaryOf(report) }, { audit: [readinessEntry(read.canary, report, actor, 'on_demand')] });
  } catch (err) {
    if (isCanaryConflict(err) && err.reason === 'missing') return { status: 'not_found' };
    // The same check (same canary, same instant) already stored: its summary and entry are there.
    if (!isCanaryConflict(err) || err.reason !== 'duplicate') throw err;
  }
  return { status: 'checked', report };
}
