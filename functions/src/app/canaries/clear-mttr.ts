import type { AuditLog, CanaryStore, Clock, IncidentStore } from '../../ports';
import { isCanaryConflict } from '../../ports';

export interface ClearMttrDeps {
  canaries: CanaryStore;
  audit: AuditLog;
  clock: Clock;
  incidents?: IncidentStore;
}

export type ClearMttrOutcome =
  | { status: 'cleared'; incidentId: string; clearedAt: number }
  | { status: 'not_found' }
  | { status: 'conflict'; reason: string };

/**
 * A person accepts an MTTR miss: the flag on the canary closes (a versioned write, so a clear is
 * never computed from a read another writer overtook), the incident report records who cleared it
 * (so the stable completion no longer counts it), and the audit trail says who and why. Promotions
 * on that platform's channel resume with the next tick.
 */
export async function clearMttrFlag(deps: ClearMttrDeps, id: string, reason: string, actor: string): Promise<ClearMttrOutcome> {
  for (let attempt = 0; ; attempt++) {
    const read = await deps.canaries.get(id);
    if (!read) return { status: 'not_found' };
    if (!read.ok) return { status: 'conflict', reason: `canary document is invalid: ${read.error}` };
    const flag = read.canary.mttrMissed;
    if (!flag?.open) return { status: 'conflict', reason: flag ? `the MTTR flag was cleared already by ${flag.clearedBy ?? 'someone'}` : 'this canary has no MTTR flag' };
    const clearedAt = deps.clock.now();
    // The clear and its entry are one unit: never a cleared flag without who cleared it and why.
    const entry = {
      ts: clearedAt,
      action: 'mttr_flag_cleared',
      actorUid: actor,
      targetId: read.canary.release,
      meta: {
        canaryId: id,
        platform: read.canary.platform,
        channel: read.canary.rollout.channel,
        incident_id: flag.incidentId,
        mttr_minutes: flag.minutes,
        mttr_target_minutes: flag.targetMinutes,
        reason,
      },
    };
    try {
      await deps.canaries.update(
        id,
        { 'mttrMissed.open': false, 'mttrMissed.clearedAt': clearedAt, 'mttrMissed.clearedBy': actor, 'mttrMissed.clearReason': reason },
        { ifVersion: read.version, by: 'person', audit: [{ entry, idempotencyKey: `mttr_flag_cleared:${flag.incidentId}` }] },
      );
    } catch (err) {
      if (isCanaryConflict(err) && err.reason === 'changed' && attempt < 4) continue;
      throw err;
    }
    await deps.incidents?.change(flag.incidentId, (r) => (r.mttr.clearedAt !== undefined ? null : { mttr: { ...r.mttr, clearedAt, clearedBy: actor } }));
    return { status: 'cleared', incidentId: flag.incidentId, clearedAt };
  }
}
