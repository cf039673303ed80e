import type { Policy } from '../config/policy-schema';
import { bakedMs, bakeOf, bakeShortfall } from './bake';
import type { Canary } from './canary';
import { missingGates, stagesFor } from './stages';
import type { RolloutStep } from './types';

/** Where a canary goes next and what that waits for, as the status page shows it. */
export interface PromotionOutlook {
  /** The next rollout position; null when there is none (last stage of the last channel, or no automatic decision). */
  next: RolloutStep | null;
  /** `complete`: the last stage ends the rollout rather than moving it. */
  kind: 'promote' | 'complete' | 'none';
  /** Earliest time the bake can be met if nothing pauses it, ms; null when nothing is scheduled. */
  earliestAt: number | null;
  /** Everything still missing, in words ("3 h 20 min of bake time", "load test passed"); empty: due at the next clear window. */
  waitingFor: string[];
}

function duration(ms: number): string {
  const minutes = Math.max(0, Math.ceil(ms / 60_000));
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h > 0 ? `${h} h${m > 0 ? ` ${m} min` : ''}` : `${m} min`;
}

/**
 * The same conditions the rollout state machine checks before a promotion (core/rollout.ts
 * promoteIfBaked), read without deciding anything: bake time (paused time not counted), the bake's
 * pooled evidence, the channel's exit gates when the promotion leaves the channel. A canary that
 * no automatic decision will move (paused, frozen, rolling back, done) says why instead.
 */
export function promotionOutlook(policy: Policy, canary: Canary, now: number): PromotionOutlook {
  const state = canary.rollout;
  const none = (why: string): PromotionOutlook => ({ next: null, kind: 'none', earliestAt: null, waitingFor: [why] });
  if (canary.status !== 'running' && canary.status !== 'paused') return none(`no promotion while ${canary.status.replace(/_/g, ' ')}`);
  if (state.frozen) return none('the release was rolled back: frozen');
  if (state.completed) return none('rollout complete');
  const stages = stagesFor(policy, canary.platform, state.channel);
  const stage = stages[state.stageIndex] ?? stages[stages.length - 1]!;
  const bake = bakeOf(state);
  const waitingFor: string[] = [];
  if (state.paused || canary.status === 'paused') waitingFor.push(`resume (paused${canary.pauseReason ? `: ${canary.pauseReason}` : ''})`);
  const left = stage.bakeMs - bakedMs(bake, now);
  if (left > 0) waitingFor.push(`${duration(left)} of bake time`);
  waitingFor.push(...bakeShortfall(policy, canary.platform, state.channel, bake));
  const nextStage = stages[state.stageIndex + 1];
  const earliestAt = now + Math.max(0, left);
  if (nextStage) return { next: { channel: state.channel, rolloutPercent: nextStage.percent }, kind: 'promote', earliestAt, waitingFor };
  const ch = policy.channels[state.channel];
  waitingFor.push(...missingGates(ch, canary.gates));
  if (ch.next === null) return { next: null, kind: 'complete', earliestAt, waitingFor };
  const first = stagesFor(policy, canary.platform, ch.next)[0]!;
  return { next: { channel: ch.next, rolloutPercent: first.percent }, kind: 'promote', earliestAt, waitingFor };
}
