import type { Policy } from '../config/policy-schema';
import type { Channel, Platform } from './types';

/**
 * MTTR (the source document's "mttr: 30 min" for beta, "15 min" for stable, and "MTTR < 15 min"
 * for stable completion): each incident's time to recover is compared with its channel's target.
 * A miss flags the rolled-back canary; until a person clears it, no canary on that platform's
 * channel is promoted (or completes) there. Pure: the app reads flags and incidents and passes them in.
 */

/** An uncleared MTTR miss on a platform's channel (the flag on the rolled-back canary). */
export interface MttrFlag {
  canaryId: string;
  incidentId: string;
  platform: Platform;
  channel: Channel;
  /** Measured MTTR in minutes; null when recovery was never confirmed. */
  minutes: number | null;
  targetMinutes: number;
}

/** An incident during a rollout, as its report has it. */
export interface RolloutIncident {
  id: string;
  /** Minutes from onset (else the decision) to recovery; null while not recovered. */
  minutes: number | null;
  /** Null: no target, or not recovered yet. */
  met: boolean | null;
  /** A person cleared its MTTR miss: accepted, no longer holds anything. */
  cleared: boolean;
}

/** What may hold a promotion besides the metrics and the gates; read by the app, judged here. */
export interface PromotionHolds {
  /** Open MTTR flags on the canary's platform (any channel: only its current channel's count). */
  mttrFlags?: MttrFlag[];
  /** Incidents on the canary's platform and final channel since the canary was registered. */
  rolloutIncidents?: RolloutIncident[];
}

const shown = (m: number | null) => (m === null ? 'not recovered' : `${Math.round(m * 10) / 10} min`);

/**
 * Why a promotion out of (or a completion on) `channel` must wait, in words; empty when nothing
 * holds it. `completing`: the step would complete the rollout, where the channel's MTTR target
 * also applies to every incident of this rollout not cleared by a person.
 */
export function mttrWaits(policy: Policy, platform: Platform, channel: Channel, completing: boolean, holds: PromotionHolds | undefined): string[] {
  if (!holds) return [];
  const flags = (holds.mttrFlags ?? []).filter((f) => f.platform === platform && f.channel === channel);
  const out = flags.map((f) => `MTTR target missed on incident ${f.incidentId} (${shown(f.minutes)}, target ${f.targetMinutes} min): a person must clear it`);
  const target = policy.channels[channel].mttrMinutes;
  if (completing && target !== null) {
    const flagged = new Set(flags.map((f) => f.incidentId));
    const open = (holds.rolloutIncidents ?? []).filter((i) => !i.cleared && i.met !== true && !flagged.has(i.id));
    for (const i of open) out.push(`MTTR < ${target} min over this rollout's incidents: ${i.id} ${i.minutes === null ? 'not recovered yet' : `took ${shown(i.minutes)}`}`);
  }
  return out;
}

/** An incident as the rolling MTTR reads it. */
export interface MttrSample {
  platform: string;
  channel: string;
  decidedAt: number;
  minutes: number | null;
  targetMinutes: number | null;
  met: boolean | null;
}

export interface RollingMttr {
  platform: string;
  channel: string;
  targetMinutes: number | null;
  incidents: number;
  recovered: number;
  /** Mean and worst minutes over the recovered incidents; null when none recovered. */
  meanMinutes: number | null;
  maxMinutes: number | null;
  met: number;
  missed: number;
  /** The mean is within the channel's target (null: no target, or nothing recovered). */
  withinTarget: boolean | null;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/**
 * Per platform and channel, the MTTR of the incidents decided in [from, to], against the target
 * the newest of them was judged by (the target in force when it happened, as its report says).
 */
export function rollingMttr(samples: readonly MttrSample[], from: number, to: number): RollingMttr[] {
  const groups = new Map<string, MttrSample[]>();
  for (const s of samples) {
    if (s.decidedAt < from || s.decidedAt > to) continue;
    const key = `${s.platform}\u0000${s.channel}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, list]) => {
      const { platform, channel } = list[0]!;
      const targetMinutes = list.reduce((a, b) => (b.decidedAt > a.decidedAt ? b : a)).targetMinutes;
      const minutes = list.flatMap((s) => (s.minutes === null ? [] : [s.minutes]));
      const mean = minutes.length ? round1(minutes.reduce((a, b) => a + b, 0) / minutes.length) : null;
      return {
        platform,
        channel,
        targetMinutes,
        incidents: list.length,
        recovered: minutes.length,
        meanMinutes: mean,
        maxMinutes: minutes.length ? Math.max(...minutes) : null,
        met: list.filter((s) => s.met === true).length,
        missed: list.filter((s) => s.met === false).length,
        withinTarget: targetMinutes === null || mean === null ? null : mean <= targetMinutes,
      };
    });
}
