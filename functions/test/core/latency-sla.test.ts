import { defaultPolicy } from '../../src/config/default-policy';
import { applyPolicyOverride } from '../../src/config/policy-overrides';
import type { Policy } from '../../src/config/policy-schema';
import { HOUR, allGates, decisions, play, repeat, side, type Pair } from './scenario-kit';

function withSla(ms: number | null): Policy {
  const r = applyPolicyOverride(defaultPolicy, { channels: { alpha: { latencySlaMs: ms } } });
  if (!r.ok) throw new Error(r.error);
  return r.policy;
}

// The kit's healthy service has a p95 near 250 ms at slow = 1.
const fastBaseline = (canarySlow: number): Pair => ({ canary: side(3000, 15, { slow: canarySlow }), baseline: side(27000, 135, { slow: 0.7 }) });

describe('an absolute latency limit (the SLA) per channel', () => {
  it('pauses a canary confidently above the 200 ms SLA while its baseline is below it, naming the SLA', () => {
    const steps = play(repeat(20, fastBaseline(0.95)), { policy: withSla(200) });
    expect(decisions(steps)).toContain('pause');
    expect(decisions(steps)).not.toContain('rollback');
    const paused = steps.find((s) => s.evaluation.decision === 'pause')!;
    expect(paused.evaluation.reasons.some((r) => /^P95 latency above the 200 ms SLA: [\d.]+% of the newest window.s requests at or above it, where at most 5% may be \(p95 over 10 min \d+ ms, baseline \d+ ms\)$/.test(r))).toBe(true);
    expect(paused.evaluation.metrics.p95_latency_sla).toMatchObject({ threshold: 200, status: 'yellow' });
    // +36 % over the baseline is within alpha's relative +50 %: without an SLA nothing is wrong.
    expect(decisions(play(repeat(20, fastBaseline(0.95)), { policy: withSla(null) }))).not.toContain('pause');
  });

  it('does not pause a canary no slower than a baseline that is itself above the SLA (not the release)', () => {
    const both: Pair = { canary: side(3000, 15), baseline: side(27000, 135) };
    expect(decisions(play(repeat(30, both), { policy: withSla(200) }))).not.toContain('pause');
  });

  it('makes "performance within SLA" a promotion criterion: a bake that does not show p95 below the SLA waits and says so', () => {
    const slow: Pair = { canary: side(3000, 15), baseline: side(27000, 135) };
    const waiting = play(repeat(26, slow), { policy: withSla(200), windowMs: HOUR, gates: allGates });
    expect(decisions(waiting)).not.toContain('promote');
    expect(waiting.at(-1)!.evaluation.reasons).toEqual(['Bake time met; the evidence still lacks: performance within SLA: p95 latency not yet shown below 200 ms']);
    const fast: Pair = { canary: side(3000, 15, { slow: 0.6 }), baseline: side(27000, 135, { slow: 0.6 }) };
    expect(decisions(play(repeat(26, fast), { policy: withSla(200), windowMs: HOUR, gates: allGates }))).toContain('promote');
  });

  it('ships without a default SLA, so a service whose healthy p95 is above 200 ms still promotes', () => {
    expect(Object.values(defaultPolicy.channels).map((c) => c.latencySlaMs)).toEqual([null, null, null]);
    const slow: Pair = { canary: side(3000, 15), baseline: side(27000, 135) };
    expect(decisions(play(repeat(26, slow), { windowMs: HOUR, gates: allGates }))).toContain('promote');
  });
});
