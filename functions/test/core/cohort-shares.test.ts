import { promotedShare, sharesFromCanaries, shareOf } from '../../src/core/cohort-shares';
import type { Canary } from '../../src/core/canary';
import { sampleCanary } from '../adapters/firestore/sample-canary';

const T0 = Date.UTC(2026, 10, 26, 12);

function web(release: string, channel: Canary['channel'], overrides: Partial<Canary> = {}, rollout: Partial<Canary['rollout']> = {}): Canary {
  const base = sampleCanary();
  return sampleCanary({
    id: `web__${release}__${channel}`,
    release,
    channel,
    target: { hostingSite: 'acme' },
    ...overrides,
    rollout: { ...base.rollout, channel, rolloutPercent: channel === 'alpha' ? 10 : channel === 'beta' ? 25 : 100, ...rollout },
  });
}

describe('shares from canary states', () => {
  test('a running canary gets its stage percentage: alpha 10 %, beta 25 %', () => {
    expect(sharesFromCanaries([web('v3', 'alpha'), web('v2', 'beta'), web('v1', 'stable')], 'acme')).toEqual({
      alpha: { release: 'v3', percent: 10 },
      beta: { release: 'v2', percent: 25 },
      stableRelease: 'v1',
    });
  });

  test('paused is share 0 (testers only); rollback requested, rolled back or a cohort share of 0 is no channel at all', () => {
    expect(shareOf(web('v3', 'alpha', { status: 'paused' }))).toEqual({ release: 'v3', percent: 0 });
    expect(shareOf(web('v3', 'alpha', {}, { paused: true }))).toEqual({ release: 'v3', percent: 0 });
    for (const status of ['rollback_requested', 'rolling_back', 'rolled_back', 'rollback_failed', 'completed', 'invalid'] as const) {
      expect(shareOf(web('v3', 'alpha', { status }))).toBeUndefined();
    }
    expect(shareOf(web('v3', 'alpha', { status: 'rolled_back' }, { frozen: true }))).toBeUndefined();
    expect(shareOf(web('v3', 'alpha', { cohort: { share: 0, changedAt: T0 } }))).toBeUndefined();
    expect(sharesFromCanaries([web('v3', 'alpha', { status: 'rolling_back' })], 'acme')).toEqual({});
  });

  test('a rollback held back (dry-run, kill switch, breaker: paused and frozen, share never set) is served as a pause, testers only, not as a rollback', () => {
    const held = web('v3', 'alpha', { status: 'paused' }, { frozen: true });
    expect(shareOf(held)).toEqual({ release: 'v3', percent: 0 });
    expect(sharesFromCanaries([held], 'acme')).toEqual({ alpha: { release: 'v3', percent: 0 } });
    // Frozen but running (a person resumed it without unfreezing): no automatic progress, nobody by bucket.
    expect(shareOf(web('v3', 'alpha', {}, { frozen: true }))).toEqual({ release: 'v3', percent: 0 });
    // Once the rollback's own step set the share to 0, nobody at all, frozen or not.
    expect(shareOf(web('v3', 'alpha', { status: 'paused', cohort: { share: 0, changedAt: T0 } }, { frozen: true }))).toBeUndefined();
  });

  test('a promotion moves the share with the canary: promoted to beta, its channel is beta at 25 %', () => {
    const promoted = web('v3', 'alpha', {}, { channel: 'beta', rolloutPercent: 25 });
    expect(sharesFromCanaries([promoted], 'acme')).toEqual({ beta: { release: 'v3', percent: 25 } });
  });

  test('a promotion writes the new stage\'s share with what the router served before; desktop and mobile have none', () => {
    expect(promotedShare(web('v3', 'alpha'), { channel: 'beta', rolloutPercent: 25 }, T0)).toEqual({ share: 25, changedAt: T0, previousShare: 10 });
    expect(promotedShare(web('v3', 'beta'), { channel: 'stable', rolloutPercent: 100 }, T0)).toEqual({ share: 100, changedAt: T0, previousShare: 25 });
    expect(promotedShare(web('v3', 'alpha', { cohort: { share: 5, changedAt: 0 } }), { channel: 'beta', rolloutPercent: 25 }, T0)?.previousShare).toBe(5);
    expect(promotedShare({ ...web('v3', 'alpha'), platform: 'desktop' }, { channel: 'beta', rolloutPercent: 25 }, T0)).toBeUndefined();
    const promoted = web('v3', 'alpha', { cohort: { share: 25, changedAt: T0, previousShare: 10 } }, { channel: 'beta', rolloutPercent: 25 });
    expect(sharesFromCanaries([promoted], 'acme')).toEqual({ beta: { release: 'v3', percent: 25 } });
  });

  test('the newest canary of a channel wins; other sites and platforms are ignored', () => {
    const older = web('v3', 'alpha', { createdAt: T0 });
    const newer = web('v4', 'alpha', { createdAt: T0 + 1000 });
    const elsewhere = web('v9', 'alpha', { createdAt: T0 + 5000, target: { hostingSite: 'other' } });
    const desktop = { ...web('v8', 'alpha', { createdAt: T0 + 5000 }), platform: 'desktop' as const };
    expect(sharesFromCanaries([newer, elsewhere, older, desktop], 'acme').alpha).toEqual({ release: 'v4', percent: 10 });
  });

  test('the live release is named only while a stable canary runs on it', () => {
    expect(sharesFromCanaries([web('v1', 'stable', { status: 'rolling_back' }, { frozen: true })], 'acme').stableRelease).toBeUndefined();
    expect(sharesFromCanaries([web('v1', 'stable', { status: 'paused' })], 'acme').stableRelease).toBe('v1');
  });
});
