import type { Canary, MttrMissed } from '../../core/canary';
import type { AuditLog, CanaryStore, Clock, IncidentReport, IncidentStore } from '../../ports';
import { isCanaryConflict } from '../../ports';
import type { Fence } from '../../ports/lease';
import { incidentId, mttrOf } from './build-report';

const minutes = (from: number | null, to: number | null) => (from !== null && to !== null ? Math.round(((to - from) / 60_000) * 10) / 10 : null);

/** The report's recovery: the timeline's `recovered` point, the durations to it, MTTR against the target. */
export function recoveryChange(report: IncidentReport, recoveredAt: number): Partial<IncidentReport> | null {
  if (report.timeline.recovered.at !== null) return null;
  const start = report.timeline.onset.at ?? report.timeline.decided.at;
  const restored = report.timeline.restored.at;
  return {
    timeline: { ...report.timeline, recovered: { at: recoveredAt, source: 'rollback_recovered' } },
    durations: { ...report.durations, time_to_recover_minutes: minutes(restored, recoveredAt), mttr_minutes: minutes(start, recoveredAt) },
    mttr: { ...report.mttr, ...mttrOf(report.mttr.targetMinutes, start, restored, recoveredAt) },
  };
}

/** The watch ran out without a confirmed recovery: a channel with a target missed it. */
export function unconfirmedChange(report: IncidentReport): Partial<IncidentReport> | null {
  if (report.mttr.targetMinutes === null || report.mttr.met !== null || report.timeline.recovered.at !== null) return null;
  return { mttr: { ...report.mttr, met: false } };
}

export interface MttrDeps {
  canaries: CanaryStore;
  audit: AuditLog;
  clock: Clock;
  incidents?: IncidentStore;
}

/**
 * Brings the canary's incident report up to date with the recovery watch's conclusion and, when
 * the channel's MTTR target was missed, flags the canary (versioned write: a flag is never lost to
 * a concurrent write, nor written twice) and appends one `mttr_target_missed` entry, which the
 * notifier announces. Returns the flag when one is (or already was) set.
 */
export async function settleIncidentMttr(
  deps: MttrDeps,
  canary: Canary,
  conclusion: { recoveredAt: number } | { unconfirmed: true },
  fence?: Fence,
): Promise<MttrMissed | null> {
  if (!deps.incidents) return null;
  const generation = canary.rollbackRequest?.generation ?? canary.rollback?.generation ?? 0;
  const id = incidentId(canary.id, generation);
  const result = await deps.incidents.change(id, (r) => ('recoveredAt' in conclusion ? recoveryChange(r, conclusion.recoveredAt) : unconfirmedChange(r)));
  const mttr = result?.report.mttr;
  if (!mttr || mttr.met !== false || mttr.targetMinutes === null || mttr.clearedAt !== undefined) return null;
  const flag: MttrMissed = { incidentId: id, minutes: mttr.minutes, targetMinutes: mttr.targetMinutes, flaggedAt: deps.clock.now(), open: true };
  for (let attempt = 0; ; attempt++) {
    const read = await deps.canaries.get(canary.id);
    if (!read?.ok) return null;
    // Flagged already (an overlapping tick, or cleared by a person since): the entry is written once below either way.
    if (read.canary.mttrMissed?.incidentId === id) break;
    try {
      await deps.canaries.update(canary.id, { mttrMissed: flag }, { ifVersion: read.version, ...(fence ? { fence } : {}) });
      break;
    } catch (err) {
      if (!isCanaryConflict(err) || err.reason !== 'changed' || attempt >= 4) throw err;
    }
  }
  await deps.audit.append(
    {
      ts: flag.flaggedAt,
      action: 'mttr_target_missed',
      actorUid: 'system',
      targetId: canary.release,
      meta: {
        canaryId: canary.id,
        platform: canary.platform,
        channel: canary.rollout.channel,
        incident_id: id,
        mttr_minutes: mttr.minutes,
        mttr_target_minutes: mttr.targetMinutes,
        repository: canary.target.repository,
        reason:
          mttr.minutes === null
            ? `recovery was not confirmed; the ${canary.rollout.channel} target is ${mttr.targetMinutes} min`
            : `MTTR ${mttr.minutes} min (target ${mttr.targetMinutes} min)`,
        note: `promotions on ${canary.platform} ${canary.rollout.channel} wait until a person clears it: POST /canaries/${canary.id}/mttr/clear`,
        link: `/incidents/${id}`,
      },
    },
    `mttr_target_missed:${id}`,
  );
  return flag;
}
