import { defaultPolicy } from '../../src/config/default-policy';
import { stagesFor } from '../../src/core/stages';
import { evaluateTick } from '../../src/core/tick';
import { applyPolicyOverride } from '../../src/config/policy-overrides';
import type { Policy } from '../../src/config/policy-schema';
import { HOUR, T0, allGates, decisions, play, repeat, side, windowsOf, type Pair } from './scenario-kit';

function override(o: unknown): Policy {
  const r = applyPolicyOverride(defaultPolicy, o);
  if (!r.ok) throw new Error(r.error);
  return r.policy;
}

const green: Pair = { canary: side(10000, 100), baseline: side(90000, 900) };
const thin: Pair = { canary: side(3, 0), baseline: side(27, 0) };
const red: Pair = { canary: side(10000, 3000), baseline: side(90000, 900) };
const app = (errors: number): Pair => ({
  canary: side(10000, errors, { sessions: 5000, crashes: 5 }),
  baseline: side(90000, 900, { sessions: 45000, crashes: 45 }),
});

describe('rollout state machine', () => {
  it('promotes alpha to beta once, after 24 h of green windows with the gates passed', () => {
    const steps = play(repeat(30, green), { windowMs: HOUR, gates: allGates, untilEnd: true });
    const promotions = steps.flatMap((s, i) => s.effects.filter((e) => e.kind === 'promote').map((e) => ({ i, e })));
    expect(promotions).toEqual([{ i: 23, e: { kind: 'promote', from: { channel: 'alpha', rolloutPercent: 10 }, to: { channel: 'beta', rolloutPercent: 25 } } }]);
    expect(steps[23]!.evaluation.decision).toBe('promote');
    expect(steps[23]!.state).toMatchObject({ channel: 'beta', stageIndex: 0, rolloutPercent: 25, greenSince: null });
    expect(steps.slice(24).every((s) => s.evaluation.decision === 'continue')).toBe(true);
  });

  it('waits for the gates and names the missing ones', () => {
    const steps = play(repeat(26, green), { windowMs: HOUR, gates: { securityScanPassed: true } });
    expect(decisions(steps)).not.toContain('promote');
    expect(steps.at(-1)!.evaluation.reasons).toEqual(['Promotion waits for: no open P0/P1 bugs']);
    const beta = play(repeat(50, green), { windowMs: HOUR, channel: 'beta', gates: { ...allGates, userFeedbackScore: 4 } });
    expect(beta.at(-1)!.evaluation.reasons).toEqual(['Promotion waits for: user feedback > 4/5']);
  });

  it('does not restart the bake for a brief inconclusive stretch', () => {
    const pairs = [...repeat(12, green), thin, thin, ...repeat(26, green)];
    const steps = play(pairs, { windowMs: HOUR, gates: allGates, untilEnd: true });
    expect(steps[12]!.evaluation.verdict).toBe('inconclusive');
    expect(decisions(steps).indexOf('promote')).toBe(23);
  });

  it('restarts the bake after a red window, and holds its clock while paused', () => {
    const policy = override({ evaluation: { redWindowsToRollback: 2 } });
    const breach: Pair = { canary: side(10000, 700), baseline: side(90000, 900) };
    const steps = play([...repeat(12, green), breach, ...repeat(40, green)], { policy, windowMs: HOUR, gates: allGates, untilEnd: true });
    expect(steps[12]!.evaluation.verdict).toBe('red');
    expect(decisions(steps)).not.toContain('rollback');
    expect(steps[12]!.state.bake).toMatchObject({ since: T0 + 13 * HOUR, pooled: {} });
    // Red ends at hour 13; paused for hours 13-15 (2 windows end paused), so 24 h baked at hour 39.
    expect(decisions(steps).indexOf('promote')).toBe(38);
  });

  it('waits past the bake time while the pooled evidence does not show the rate below its threshold', () => {
    const close: Pair = { canary: side(40, 2), baseline: side(360, 4) };
    const steps = play(repeat(30, close), { windowMs: HOUR, gates: allGates, untilEnd: true });
    expect(decisions(steps)).not.toContain('promote');
    expect(decisions(steps)).not.toContain('rollback');
    expect(steps.at(-1)!.evaluation.reasons[0]).toMatch(/^Bake time met; the evidence still lacks: 1,200 of 2,000 canary requests, error rate 5% not yet shown below 5%/);
  });

  it('walks mobile stable through 10, 25, 50 and 100% on the day schedule, then completes', () => {
    const steps = play(repeat(24 + 24 + 48 + 168 + 5, app(10)), { windowMs: HOUR, platform: 'mobile', channel: 'stable', gates: allGates, untilEnd: true });
    const moves = steps.flatMap((s, i) => s.effects.filter((e) => e.kind === 'promote' || e.kind === 'complete').map((e) => ({ hour: i + 1, e })));
    expect(moves).toEqual([
      { hour: 24, e: { kind: 'promote', from: { channel: 'stable', rolloutPercent: 10 }, to: { channel: 'stable', rolloutPercent: 25 } } },
      { hour: 48, e: { kind: 'promote', from: { channel: 'stable', rolloutPercent: 25 }, to: { channel: 'stable', rolloutPercent: 50 } } },
      { hour: 96, e: { kind: 'promote', from: { channel: 'stable', rolloutPercent: 50 }, to: { channel: 'stable', rolloutPercent: 100 } } },
      { hour: 264, e: { kind: 'complete' } },
    ]);
    expect(steps.at(-1)!.state.completed).toBe(true);
    expect(stagesFor(defaultPolicy, 'mobile', 'stable').map((s) => s.percent)).toEqual([10, 25, 50, 100]);
    expect(stagesFor(defaultPolicy, 'web', 'stable').map((s) => s.percent)).toEqual([100]);
  });

  it('holds a mobile stage\'s clock while a yellow day-stage pause lasts', () => {
    const pairs = [...repeat(20, app(10)), app(80), ...repeat(30, app(10))];
    const steps = play(pairs, { windowMs: HOUR, platform: 'mobile', channel: 'stable', gates: allGates, untilEnd: true });
    expect(steps[20]!.evaluation.verdict).toBe('yellow');
    expect(decisions(steps).slice(20, 23)).toEqual(['pause', 'pause', 'pause']);
    const first = steps.findIndex((s) => s.effects.some((e) => e.kind === 'promote'));
    // Windows 20-22 end paused: 3 hours held, so the 24-hour stage ends at hour 27.
    expect(first).toBe(26);
  });

  it('rolls back once, freezes the release and never promotes it afterwards', () => {
    const steps = play([...repeat(3, green), ...repeat(5, red), ...repeat(40, green)], { windowMs: HOUR, gates: allGates, untilEnd: true });
    const kinds = steps.flatMap((s) => s.effects.map((e) => e.kind));
    expect(kinds.filter((k) => k === 'rollback')).toHaveLength(1);
    expect(kinds).not.toContain('promote');
    const after = steps.slice(decisions(steps).indexOf('rollback') + 1);
    expect(after.every((s) => s.state.frozen && s.evaluation.decision === 'pause' && s.effects.length === 0)).toBe(true);
  });

  it('does not oscillate when a metric alternates between pass and fail (S9)', () => {
    const yellowish: Pair = { canary: side(1000, 0, { successes: 850 }), baseline: side(9000, 0) };
    const pairs = repeat(30, (i) => (i % 2 === 0 ? { canary: side(1000, 0), baseline: side(9000, 0) } : yellowish));
    const steps = play(pairs, { untilEnd: true });
    const kinds = steps.flatMap((s) => s.effects.map((e) => e.kind));
    expect(kinds).toEqual(['pause']);
    expect(decisions(steps).slice(2).every((d) => d === 'pause')).toBe(true);
  });

  it('returns the same result for a retried promotion tick and nothing new once it is recorded', () => {
    const windows = windowsOf(repeat(24, green), HOUR);
    const steps = play(repeat(23, green), { windowMs: HOUR, gates: allGates });
    const state = steps.at(-1)!.state;
    const input = { policy: defaultPolicy, platform: 'web' as const, windows, gates: allGates, now: windows[23]!.start + HOUR };
    const a = evaluateTick({ ...input, state });
    const b = evaluateTick({ ...input, state });
    expect(a).toEqual(b);
    expect(a.effects.map((e) => e.kind)).toEqual(['promote']);
    const again = evaluateTick({ ...input, state: a.state });
    expect(again.effects).toEqual([]);
  });
});
