import { describeShares } from '../../src/cli/local/cohort-mount';
import { sharesFromCanaries } from '../../src/core/cohort-shares';
import type { Canary } from '../../src/core/canary';
import { sampleCanary } from '../adapters/firestore/sample-canary';

const SCENARIO = { channel: 'alpha', release: 'v29.1.0' } as const;

function alpha(overrides: Partial<Canary>, rollout: Partial<Canary['rollout']> = {}): Canary {
  const base = sampleCanary();
  return sampleCanary({ id: 'web__v29.1.0__alpha', release: 'v29.1.0', channel: 'alpha', target: { hostingSite: 'demo-site' }, ...overrides, rollout: { ...base.rollout, channel: 'alpha', rolloutPercent: 10, ...rollout } });
}

const line = (canary: Canary) => describeShares(sharesFromCanaries([canary], 'demo-site'), SCENARIO);

describe('the runner\'s line about the cohort router\'s share', () => {
  test('running: the stage\'s share; paused: 0 % for opted-in testers', () => {
    expect(line(alpha({ status: 'running' }))).toBe('alpha 10 % (v29.1.0); stable the rest');
    expect(line(alpha({ status: 'paused' }, { paused: true }))).toBe('alpha 0 % (v29.1.0: paused, opted-in testers only); stable the rest');
  });

  test('--dry-run: a rollback recorded, not sent, leaves the canary paused and frozen, and the line stays "paused, opted-in testers only", never "nobody is sent"', () => {
    const held = line(alpha({ status: 'paused', pauseReason: 'dry-run: rollback to v29.0.0 recorded, nothing sent; waiting for a human' }, { frozen: true }));
    expect(held).toBe('alpha 0 % (v29.1.0: paused, opted-in testers only); stable the rest');
    expect(held).not.toContain('nobody');
  });

  test('a rollback that ran (its cohort_share step set the share to 0): nobody is sent to the release', () => {
    expect(line(alpha({ status: 'rolled_back', cohort: { share: 0, changedAt: 1, previousShare: 10 } }, { frozen: true }))).toBe('alpha 0 % (nobody is sent to v29.1.0); stable the rest');
    expect(line(alpha({ status: 'rolling_back', cohort: { share: 0, changedAt: 1, previousShare: 10 } }, { frozen: true }))).toContain('nobody is sent to v29.1.0');
  });
});
