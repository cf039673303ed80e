import type { ChannelPolicy, Policy } from '../config/policy-schema';
import type { GateStatus } from './canary';
import type { Channel, Platform } from './types';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** One step of a channel's rollout: its traffic share and the green time it needs before the next. */
export interface Stage {
  percent: number;
  bakeMs: number;
}

/**
 * The stages of a channel. Mobile stable follows the Play staged rollout (day 1 10%, day 2 25%,
 * day 3 50%, day 5 100%): each stage lasts until the next one's day; the last one bakes for the
 * channel's bake time. Every other channel is one stage at its traffic share.
 */
export function stagesFor(policy: Policy, platform: Platform, channel: Channel): Stage[] {
  const ch = policy.channels[channel];
  if (platform !== 'mobile' || channel !== 'stable') return [{ percent: ch.trafficPercent, bakeMs: ch.bakeHours * HOUR }];
  const steps = policy.mobileStagedRollout;
  return steps.map((s, i) => {
    const next = steps[i + 1];
    return { percent: s.percent, bakeMs: next ? (next.day - s.day) * DAY : ch.bakeHours * HOUR };
  });
}

/** The exit gates of `channel` that `gates` does not meet, in words ("security scan passed"). */
export function missingGates(ch: ChannelPolicy, gates: GateStatus): string[] {
  const req = ch.exitGates;
  const missing: string[] = [];
  if (req.noOpenP0P1Bugs && (gates.openP0P1Bugs === undefined || gates.openP0P1Bugs > 0)) missing.push('no open P0/P1 bugs');
  if (req.securityScanPassed && gates.securityScanPassed !== true) missing.push('security scan passed');
  if (req.loadTestPassed && gates.loadTestPassed !== true) missing.push('load test passed');
  if (req.crossPlatformValidated && gates.crossPlatformValidated !== true) missing.push('cross-platform validation complete');
  if (req.guardianPassed && gates.guardianPassed !== true) missing.push('guardian checks passed');
  const minScore = req.minUserFeedbackScore;
  if (minScore !== null && !(typeof gates.userFeedbackScore === 'number' && gates.userFeedbackScore > minScore)) {
    missing.push(`user feedback > ${minScore}/5`);
  }
  return missing;
}
