import type { Policy } from '../../config/policy-schema';
import { stagesFor } from '../../core/stages';
import { evaluateTick, initialRolloutState, lookbackWindows } from '../../core/tick';
import type { Channel, Platform, WindowSample } from '../../core/types';
import { seeded } from './random';
import { drawSide, type SideModel } from './sides';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Coarse latency buckets: a week of minutes with 110 buckets per side would dominate the run time. */
const BOUNDS = [50, 75, 100, 125, 150, 175, 200, 225, 250, 275, 300, 350, 400, 450, 500, 600, 800, 1000, 2000];
const BASELINE_RATIO: Record<Channel, number> = { alpha: 9, beta: 3, stable: 1 };
const T0 = Date.parse('2026-01-05T00:00:00Z');

/** One simulated canary stage: healthy throughout, or regressing from `onsetHour`. */
export interface BakeCase {
  platform: Platform;
  channel: Channel;
  stageIndex: number;
  /** Canary requests per minute (the baseline carries the channel's ratio of it). */
  rpm: number;
  /** True error and crash rates as a share of their thresholds. */
  share: number;
  /** Hour of the stage at which the error rate jumps to `regression` x the threshold; null: healthy. */
  onsetHour: number | null;
  regression: number;
  /** Minutes simulated at most. */
  maxMinutes: number;
  seed: number;
}

export interface BakeRun {
  bakeMinutes: number;
  /** Minute (1-based, end of window) of the promotion or completion; null if none. */
  promotedAt: number | null;
  rollbackAt: number | null;
  pauses: number;
  minutes: number;
}

/** The stage's bake length in minutes. */
export function bakeMinutes(policy: Policy, c: Pick<BakeCase, 'platform' | 'channel' | 'stageIndex'>): number {
  return stagesFor(policy, c.platform, c.channel)[c.stageIndex]!.bakeMs / MINUTE;
}

/**
 * Plays one stage minute by minute through evaluateTick, as the scheduled function would: the
 * state carried across ticks, a sliding history of lookbackWindows windows. Stops at the first
 * promotion, completion or rollback.
 */
export function simulateBake(policy: Policy, c: BakeCase): BakeRun {
  const rng = seeded(c.seed);
  const red = policy.channels[c.channel].red;
  const ratio = BASELINE_RATIO[c.channel];
  const app = c.platform !== 'web';
  const healthy: SideModel = { requests: c.rpm, errorRate: red.errorRate * c.share, sessions: app ? c.rpm / 4 : 0, crashRate: red.crashRate * c.share, latencyScale: 1 };
  const base: SideModel = { ...healthy, requests: c.rpm * ratio, sessions: healthy.sessions * ratio };
  const regressed: SideModel = { ...healthy, errorRate: red.errorRate * c.regression };
  const keep = lookbackWindows(policy, MINUTE);
  const stages = stagesFor(policy, c.platform, c.channel);
  let state = { ...initialRolloutState(policy, c.platform, c.channel, T0), stageIndex: c.stageIndex, rolloutPercent: stages[c.stageIndex]!.percent };
  const gates = { openP0P1Bugs: 0, securityScanPassed: true, loadTestPassed: true, crossPlatformValidated: true, guardianPassed: true, userFeedbackScore: 4.8 };
  const history: WindowSample[] = [];
  const run: BakeRun = { bakeMinutes: bakeMinutes(policy, c), promotedAt: null, rollbackAt: null, pauses: 0, minutes: 0 };
  const onset = c.onsetHour === null ? Infinity : c.onsetHour * 60;
  for (let i = 0; i < c.maxMinutes; i++) {
    const start = T0 + i * MINUTE;
    history.push({ start, durationMs: MINUTE, canary: drawSide(rng, i >= onset ? regressed : healthy, BOUNDS), baseline: drawSide(rng, base, BOUNDS) });
    if (history.length > keep) history.shift();
    const r = evaluateTick({ policy, platform: c.platform, state, windows: history, gates, now: start + MINUTE });
    state = r.state;
    run.minutes = i + 1;
    for (const e of r.effects) {
      if (e.kind === 'pause') run.pauses++;
      if (e.kind === 'rollback') run.rollbackAt = i + 1;
      if (e.kind === 'promote' || e.kind === 'complete') run.promotedAt = i + 1;
    }
    if (run.rollbackAt !== null || run.promotedAt !== null) break;
  }
  return run;
}

export { HOUR, MINUTE };
