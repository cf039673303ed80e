import { defaultPolicy } from '../../src/config/default-policy';
import { applyPolicyOverride } from '../../src/config/policy-overrides';
import type { Policy } from '../../src/config/policy-schema';
import { compareReplays, replayHistory, type BacktestHistory } from '../../src/core/backtest';
import { side, windowsOf, type Pair } from './scenario-kit';

function policy(override: unknown): Policy {
  const r = applyPolicyOverride(defaultPolicy, override);
  if (!r.ok) throw new Error(r.error);
  return r.policy;
}
const stricter = policy({ channels: { alpha: { red: { errorRate: 0.02 } } } });
const looser = policy({ channels: { alpha: { red: { errorRate: 0.2 } } } });

/** A web alpha canary healthy for 10 windows, then its error rate climbs half a point a window. */
function rampingHistory(): BacktestHistory {
  const pairs: Pair[] = Array.from({ length: 60 }, (_, i) => {
    const rate = i < 10 ? 0.002 : Math.min(0.3, 0.002 + 0.005 * (i - 9));
    return { canary: side(1000, Math.round(1000 * rate)), baseline: side(9000, 18) };
  });
  return { platform: 'web', channel: 'alpha', stageIndex: 0, gates: {}, windows: windowsOf(pairs) };
}

describe('backtest replay (core)', () => {
  it('rolls back earlier under a stricter error-rate threshold and later under a looser one', () => {
    const h = rampingHistory();
    const inForce = replayHistory(defaultPolicy, h);
    const strict = replayHistory(stricter, h);
    const loose = replayHistory(looser, h);
    const rollbackAt = (r: typeof inForce) => r.decisions.find((d) => d.kind === 'rollback')!.window;
    expect(rollbackAt(strict)).toBeLessThan(rollbackAt(inForce));
    expect(rollbackAt(loose)).toBeGreaterThan(rollbackAt(inForce));
    // The replay stops at the rollback, as the canary did.
    expect(inForce.windowsReplayed).toBe(rollbackAt(inForce) + 1);

    const cmp = compareReplays(inForce, strict);
    expect(cmp.rollback).toMatchObject({ inForce: 1, candidate: 1 });
    expect(cmp.rollback.pairs[0]!.shift).toBe(rollbackAt(strict) - rollbackAt(inForce));
  });

  it('pairs a rollback the candidate never makes with nothing (no shift)', () => {
    const pairs: Pair[] = Array.from({ length: 40 }, (_, i) => ({ canary: side(1000, i < 5 ? 2 : 80), baseline: side(9000, 18) }));
    const h: BacktestHistory = { platform: 'web', channel: 'alpha', stageIndex: 0, gates: {}, windows: windowsOf(pairs) };
    const cmp = compareReplays(replayHistory(defaultPolicy, h), replayHistory(looser, h));
    expect(cmp.rollback.inForce).toBe(1);
    expect(cmp.rollback.candidate).toBe(0);
    expect(cmp.rollback.pairs).toEqual([expect.objectContaining({ candidate: null, shift: null })]);
  });

  it('pauses on a metrics outage (windows without data) under both policies at the same window', () => {
    const pairs: Pair[] = Array.from({ length: 40 }, (_, i) => (i >= 10 ? { canary: null, baseline: null } : { canary: side(1000, 2), baseline: side(9000, 18) }));
    const h: BacktestHistory = { platform: 'web', channel: 'alpha', stageIndex: 0, gates: {}, windows: windowsOf(pairs) };
    const cmp = compareReplays(replayHistory(defaultPolicy, h), replayHistory(stricter, h));
    expect(cmp.pause.inForce).toBeGreaterThanOrEqual(1);
    expect(cmp.pause.pairs[0]!.shift).toBe(0);
    expect(cmp.rollback.inForce + cmp.rollback.candidate).toBe(0);
  });

  it('promotes when the bake ends with the gates given, and a candidate with a shorter bake promotes earlier', () => {
    const pairs: Pair[] = Array.from({ length: 26 * 60 }, () => ({ canary: side(1000, 2), baseline: side(9000, 18) }));
    const gates = { openP0P1Bugs: 0, securityScanPassed: true, loadTestPassed: true, crossPlatformValidated: true, guardianPassed: true, userFeedbackScore: 4.5 };
    const h: BacktestHistory = { platform: 'web', channel: 'alpha', stageIndex: 0, gates, windows: windowsOf(pairs) };
    const inForce = replayHistory(defaultPolicy, h);
    const shorter = replayHistory(policy({ channels: { alpha: { bakeHours: 12 } } }), h);
    const cmp = compareReplays(inForce, shorter);
    expect(cmp.promote.inForce).toBe(1);
    expect(cmp.promote.candidate).toBeGreaterThanOrEqual(1);
    expect(cmp.promote.pairs[0]!.shift).toBeLessThan(-600);
    expect(inForce.decisions.find((d) => d.kind === 'promote')!.to).toMatchObject({ channel: 'beta' });
  });
});
