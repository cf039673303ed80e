import { defaultPolicy } from '../../src/config/default-policy';
import { applyPolicyOverride } from '../../src/config/policy-overrides';
import type { Policy } from '../../src/config/policy-schema';
import { evaluateTick, initialRolloutState, lookbackWindows } from '../../src/core/tick';
import { MINUTE, T0, decisions, play, repeat, side, windowsOf, type Pair } from './scenario-kit';

const healthy = (n = 1000): Pair => ({ canary: side(n, Math.round(n * 0.01)), baseline: side(n * 9, Math.round(n * 9 * 0.01)) });

function override(o: unknown): Policy {
  const r = applyPolicyOverride(defaultPolicy, o);
  if (!r.ok) throw new Error(r.error);
  return r.policy;
}

describe('evaluateTick: error rate', () => {
  it('does not roll back a 20-requests-a-minute canary because 2 requests failed', () => {
    const pairs = [{ canary: side(20, 2), baseline: side(180, 2) }, ...repeat(10, { canary: side(20, 0), baseline: side(180, 2) })];
    const steps = play(pairs);
    expect(steps[0]!.evaluation.metrics.error_rate.status).not.toBe('red');
    expect(decisions(steps)).not.toContain('rollback');
    expect(decisions(steps)).not.toContain('pause');
  });

  it.each([
    ['2 of 20 in the first window', [{ canary: side(20, 2), baseline: side(180, 1) }]],
    ['3 of 20 in the first window', [{ canary: side(20, 3), baseline: side(180, 1) }]],
  ])('calls %s inconclusive, not red', (_label, pairs) => {
    const [step] = play(pairs as Pair[]);
    expect(step!.evaluation.metrics.error_rate.status).toBe('inconclusive');
    expect(step!.evaluation.decision).toBe('continue');
  });

  it('rolls back a clear regression within three windows of its onset, with the audit wording', () => {
    const pairs = [...repeat(20, healthy()), ...repeat(10, { canary: side(1000, 200), baseline: side(9000, 90) })];
    const steps = play(pairs);
    const at = decisions(steps).indexOf('rollback');
    expect(at).toBeGreaterThanOrEqual(20);
    expect(at).toBeLessThanOrEqual(22);
    const rollback = steps[at]!;
    expect(rollback.evaluation.verdict).toBe('red');
    expect(rollback.evaluation.reasons).toContain('Error rate 20% (threshold 5%)');
    expect(rollback.effects).toEqual([{ kind: 'rollback', reasons: rollback.evaluation.reasons, onsetAt: T0 + 20 * MINUTE }]);
  });

  it('judges a healthy canary green and says nothing is wrong', () => {
    const steps = play(repeat(5, healthy()));
    const last = steps.at(-1)!.evaluation;
    expect(last.verdict).toBe('green');
    expect(last.decision).toBe('continue');
    expect(last.reasons).toEqual([]);
    expect(last.metrics.error_rate).toMatchObject({ threshold: 0.05, status: 'green' });
    expect(last.metrics.error_rate.canary).toBeCloseTo(0.01, 5);
  });

  it('reads a window with requests and no errors as zero errors (S4), not as missing data', () => {
    const steps = play(repeat(3, { canary: side(1000, 0), baseline: side(9000, 0) }));
    expect(steps.at(-1)!.evaluation.metrics.error_rate).toMatchObject({ canary: 0, status: 'green' });
    expect(steps.at(-1)!.state.streaks.noData).toBe(0);
  });
});

describe('evaluateTick: shared incidents', () => {
  it('pauses and says so when canary and baseline fail together, and never rolls back', () => {
    const outage: Pair = { canary: side(1000, 150), baseline: side(9000, 1350) };
    const steps = play([...repeat(10, healthy()), ...repeat(10, outage)]);
    expect(decisions(steps)).not.toContain('rollback');
    const during = steps[12]!.evaluation;
    expect(during.decision).toBe('pause');
    expect(during.sharedIncident).toBe(true);
    expect(during.reasons[0]).toMatch(/^Shared incident: error rate 15% on the canary, 15% on the baseline \(threshold 5%\)/);
    expect(steps[12]!.effects).toEqual([]);
    expect(steps[10]!.effects.map((e) => e.kind)).toEqual(['pause']);
  });

  it('still rolls back a canary that is clearly worse than a baseline that also crossed', () => {
    const steps = play([...repeat(10, healthy()), ...repeat(5, { canary: side(1000, 400), baseline: side(9000, 540) })]);
    expect(decisions(steps)).toContain('rollback');
  });
});

describe('evaluateTick: missing data', () => {
  it('is never green and pauses after the configured stretch of empty windows (S3)', () => {
    const steps = play([...repeat(3, healthy()), ...repeat(8, { canary: null, baseline: null })]);
    const gap = steps.slice(3);
    expect(gap.every((s) => s.evaluation.verdict === 'inconclusive')).toBe(true);
    expect(gap.every((s) => Object.values(s.evaluation.metrics).every((m) => m.status === 'inconclusive'))).toBe(true);
    expect(decisions(gap)).toEqual(['continue', 'continue', 'continue', 'continue', 'pause', 'pause', 'pause', 'pause']);
    expect(gap[4]!.effects).toEqual([{ kind: 'pause', reasons: [expect.stringMatching(/^No canary data for 5 windows/)] }]);
    expect(decisions(steps)).not.toContain('rollback');
  });

  it('honours a configured stretch', () => {
    const policy = override({ evaluation: { pauseAfterNoDataWindows: 2 } });
    const steps = play([healthy(), ...repeat(3, { canary: null, baseline: healthy().baseline })], { policy });
    expect(decisions(steps)).toEqual(['continue', 'continue', 'pause', 'pause']);
  });

  it('counts a failed metrics read once per tick, even when the tick is retried (S5)', () => {
    const policy = defaultPolicy;
    let state = initialRolloutState(policy, 'web', 'alpha', T0);
    const effects: string[] = [];
    for (let i = 1; i <= 5; i++) {
      for (let attempt = 0; attempt < 3; attempt++) {
        const r = evaluateTick({ policy, platform: 'web', state, windows: [], gates: {}, now: T0 + i * MINUTE, dataError: 'monitoring: 503' });
        expect(r.evaluation.verdict).toBe('inconclusive');
        expect(r.evaluation.decision).not.toBe('rollback');
        state = r.state;
        effects.push(...r.effects.map((e) => e.kind));
      }
    }
    expect(state.streaks.noData).toBe(5);
    expect(effects).toEqual(['pause']);
  });

  it('lifts a no-data pause only after enough green windows', () => {
    const steps = play([...repeat(2, healthy()), ...repeat(5, { canary: null, baseline: null }), ...repeat(4, healthy())]);
    expect(decisions(steps).slice(6)).toEqual(['pause', 'pause', 'pause', 'continue', 'continue']);
    expect(steps[9]!.effects).toEqual([{ kind: 'resume' }]);
  });
});

describe('evaluateTick: invalid numbers (S7)', () => {
  const bad: [string, unknown][] = [
    ['NaN errors', { requests: 100, errors: NaN }],
    ['infinite requests', { requests: Infinity, errors: 50 }],
    ['negative requests', { requests: -100, errors: 90 }],
    ['errors above requests', { requests: 10, errors: 90 }],
    ['fractional errors', { requests: 100, errors: 50.5 }],
    ['crashes above sessions', { requests: 100, errors: 0, sessions: 1, crashes: 50 }],
    ['a string', { requests: '100', errors: 99 }],
  ];
  it.each(bad)('never turns %s into red', (_label, canary) => {
    const pairs = repeat(6, { canary: canary as never, baseline: side(900, 9) });
    for (const platform of ['web', 'mobile'] as const) {
      const steps = play(pairs, { platform });
      expect(steps.map((s) => s.evaluation.verdict)).not.toContain('red');
      expect(decisions(steps)).not.toContain('rollback');
    }
  });
});

describe('evaluateTick: latency, crashes and success rate', () => {
  it('rolls back a canary whose p95 doubles against the baseline distribution', () => {
    const slow: Pair = { canary: side(1000, 10, { slow: 2 }), baseline: side(9000, 90) };
    const steps = play([...repeat(10, healthy()), ...repeat(5, slow)]);
    const last = steps.at(-1)!.evaluation;
    expect(last.decision).toBe('rollback');
    expect(last.reasons[0]).toMatch(/^P95 latency \+\d+% \(\d+ ms vs \d+ ms; threshold \+50%\)$/);
    expect(last.metrics.p95_latency.status).toBe('red');
  });

  it('keeps a canary 20% slower than the baseline on alpha (threshold +50%)', () => {
    const steps = play(repeat(15, { canary: side(1000, 10, { slow: 1.2 }), baseline: side(9000, 90) }));
    expect(decisions(steps)).not.toContain('rollback');
    expect(steps.at(-1)!.evaluation.metrics.p95_latency.status).toBe('green');
  });

  it('rolls back a desktop canary whose sessions crash, and ignores crashes on the web', () => {
    const crashing: Pair = { canary: side(1000, 10, { sessions: 500, crashes: 60 }), baseline: side(9000, 90, { sessions: 4500, crashes: 9 }) };
    const app = play([...repeat(5, { canary: side(1000, 10, { sessions: 500, crashes: 1 }), baseline: side(9000, 90, { sessions: 4500, crashes: 9 }) }), ...repeat(5, crashing)], { platform: 'desktop' });
    expect(app.at(-1)!.evaluation.reasons).toContain('Crash rate 12% (threshold 2%)');
    expect(decisions(app)).toContain('rollback');
    const web = play(repeat(10, crashing), { platform: 'web' });
    expect(decisions(web)).not.toContain('rollback');
    expect(web.at(-1)!.evaluation.metrics.crash_rate.status).toBe('inconclusive');
  });

  it('pauses a stable canary whose success rate drops below 99% ("Red: Investigate"), unless the policy says rollback', () => {
    const pairs: Pair[] = repeat(10, { canary: side(10000, 10, { successes: 9700 }), baseline: side(10000, 10) });
    const paused = play(pairs, { channel: 'stable' });
    expect(decisions(paused)).not.toContain('rollback');
    expect(paused.at(-1)!.evaluation).toMatchObject({ verdict: 'yellow', decision: 'pause' });
    expect(paused.at(-1)!.evaluation.reasons).toContain('Success rate 97% (threshold 99%): investigate');
    const strict = override({ channels: { stable: { successRate: { below: 0.99, action: 'rollback' } } } });
    expect(decisions(play(pairs, { channel: 'stable', policy: strict }))).toContain('rollback');
  });
});

describe('evaluateTick: retries and history', () => {
  it('does not count a window twice when a tick is retried with the same windows', () => {
    const windows = windowsOf(repeat(4, { canary: side(1000, 300), baseline: side(9000, 90) }));
    const policy = defaultPolicy;
    const first = evaluateTick({ policy, platform: 'web', state: initialRolloutState(policy, 'web', 'alpha', T0), windows: windows.slice(0, 1), gates: {}, now: T0 + MINUTE });
    expect(first.state.streaks.red).toBe(1);
    const retried = evaluateTick({ policy, platform: 'web', state: first.state, windows: windows.slice(0, 1), gates: {}, now: T0 + MINUTE });
    expect(retried.state).toEqual(first.state);
    expect(retried.effects).toEqual([]);
    expect(retried.evaluation.decision).toBe('pause');
  });

  it('judges several new windows in one tick after a missed run, and stops at the rollback', () => {
    const policy = defaultPolicy;
    const windows = windowsOf([...repeat(3, healthy()), ...repeat(6, { canary: side(1000, 300), baseline: side(9000, 90) })]);
    const r = evaluateTick({ policy, platform: 'web', state: initialRolloutState(policy, 'web', 'alpha', T0), windows, gates: {}, now: T0 + 9 * MINUTE });
    expect(r.effects.map((e) => e.kind)).toEqual(['pause', 'rollback']);
    expect(r.state.lastWindowStart).toBe(windows[4]!.start);
    expect(r.state.frozen).toBe(true);
  });

  it('asks for enough windows to cover the longest metric window', () => {
    expect(lookbackWindows(defaultPolicy, MINUTE)).toBe(30);
    expect(lookbackWindows(defaultPolicy, 5 * MINUTE)).toBe(6);
    expect(lookbackWindows(defaultPolicy, 3_600_000)).toBe(1);
  });
});
