import fc from 'fast-check';
import { defaultPolicy } from '../../src/config/default-policy';
import { ALTERNATIVES } from '../../src/core/sequential';
import { stagesFor } from '../../src/core/stages';
import { evaluateTick, initialRolloutState } from '../../src/core/tick';
import { CHANNELS, PLATFORMS, type SideCounts, type Verdict, type WindowSample } from '../../src/core/types';
import { BOUNDS, MINUTE, T0, latency, play, type Pair } from './scenario-kit';

const RANK: Record<Verdict, number> = { green: 0, inconclusive: 1, yellow: 2, red: 3 };

const sideArb = (maxRequests: number) =>
  fc
    .record({
      requests: fc.integer({ min: 0, max: maxRequests }),
      errorShare: fc.double({ min: 0, max: 1, noNaN: true }),
      sessionShare: fc.double({ min: 0, max: 1, noNaN: true }),
      crashShare: fc.double({ min: 0, max: 1, noNaN: true }),
      slow: fc.constantFrom(1, 1.1, 1.5, 2, 3),
    })
    .map(({ requests, errorShare, sessionShare, crashShare, slow }): SideCounts => {
      const sessions = Math.round(requests * sessionShare);
      return {
        requests,
        errors: Math.floor(requests * errorShare * 0.3),
        sessions,
        crashes: Math.floor(sessions * crashShare * 0.1),
        latencyMs: latency(requests, slow),
      };
    });

const context = fc.record({ platform: fc.constantFrom(...PLATFORMS), channel: fc.constantFrom(...CHANNELS) });

/** The verdict of the newest window, with the older ones as already-judged history. */
function newestVerdict(pairs: Pair[], platform: (typeof PLATFORMS)[number], channel: (typeof CHANNELS)[number]) {
  const windows: WindowSample[] = pairs.map((p, i) => ({ start: T0 + i * MINUTE, durationMs: MINUTE, ...p }));
  const state = { ...initialRolloutState(defaultPolicy, platform, channel, T0), lastWindowStart: windows.length > 1 ? windows.at(-2)!.start : null };
  return evaluateTick({ policy: defaultPolicy, platform, state, windows, gates: {}, now: windows.at(-1)!.start + MINUTE }).evaluation;
}

describe('evaluator properties', () => {
  it('never judges a window greener when the canary has more errors', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ canary: sideArb(3000), baseline: sideArb(20000) }), { minLength: 1, maxLength: 8 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        context,
        (pairs, more, { platform, channel }) => {
          const last = pairs.at(-1)!;
          const extra = Math.ceil((last.canary.requests - last.canary.errors) * more);
          const worse = [...pairs.slice(0, -1), { ...last, canary: { ...last.canary, errors: last.canary.errors + extra } }];
          const a = newestVerdict(pairs, platform, channel);
          const b = newestVerdict(worse, platform, channel);
          expect(RANK[b.verdict]).toBeGreaterThanOrEqual(RANK[a.verdict]);
          expect(RANK[b.metrics.error_rate.status]).toBeGreaterThanOrEqual(RANK[a.metrics.error_rate.status]);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('never rolls back a canary identical to its baseline', () => {
    fc.assert(
      fc.property(fc.array(sideArb(5000), { minLength: 1, maxLength: 25 }), context, (sides, { platform, channel }) => {
        const steps = play(sides.map((s) => ({ canary: s, baseline: s })), { platform, channel });
        expect(steps.map((s) => s.evaluation.decision)).not.toContain('rollback');
        expect(steps.map((s) => s.evaluation.verdict)).not.toContain('red');
      }),
      { numRuns: 100 },
    );
  });

  it('never calls an identical canary red when the recent p95 of both lies in the open top bucket', () => {
    // Found by the property above: the newest window's baseline quantile had no upper bound and was
    // read as 0, so an identical canary looked slower than its baseline.
    const sides = [
      { requests: 1405, errors: 0, latencyMs: latency(1405) },
      { requests: 419, errors: 0, latencyMs: latency(419) },
      { requests: 213, errors: 0, latencyMs: latency(213, 2) },
    ];
    for (const channel of CHANNELS) {
      const steps = play(sides.map((s) => ({ canary: s, baseline: s })), { platform: 'web', channel });
      expect(steps.map((s) => s.evaluation.metrics.p95_latency.status)).not.toContain('red');
      expect(steps.map((s) => s.evaluation.verdict)).not.toContain('red');
    }
  });

  const nasty = fc.oneof(
    fc.constantFrom(NaN, Infinity, -Infinity, -1, -1000, 0.5, 1e308),
    fc.double({ noNaN: false }).filter((x) => !Number.isInteger(x) || x < 0),
  );
  const invalidSide = fc
    .record({
      requests: fc.oneof(nasty, fc.integer({ min: 0, max: 100 })),
      errors: fc.oneof(nasty, fc.integer({ min: 0, max: 10_000 })),
      successes: fc.option(fc.oneof(nasty, fc.integer({ min: 0, max: 10_000 })), { nil: undefined }),
      sessions: fc.option(fc.oneof(nasty, fc.integer({ min: 0, max: 100 })), { nil: undefined }),
      crashes: fc.option(fc.oneof(nasty, fc.integer({ min: 0, max: 10_000 })), { nil: undefined }),
      latencyMs: fc.option(
        fc.record({ bounds: fc.constant(BOUNDS), counts: fc.array(fc.oneof(nasty, fc.nat(1000)), { minLength: BOUNDS.length + 1, maxLength: BOUNDS.length + 1 }) }),
        { nil: undefined },
      ),
    })
    // Keep only sides that are invalid for the rate they would feed: a bad request/error pair.
    .filter((s) => !(Number.isInteger(s.requests) && Number.isInteger(s.errors) && (s.requests as number) >= 0 && (s.errors as number) >= 0 && (s.errors as number) <= (s.requests as number)));

  it('never turns invalid numbers into red or a rollback (S7)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ canary: invalidSide, baseline: fc.oneof(invalidSide, sideArb(5000), fc.constant(null)) }), { minLength: 1, maxLength: 12 }),
        context,
        (pairs, { platform, channel }) => {
          const steps = play(pairs as Pair[], { platform, channel });
          expect(steps.map((s) => s.evaluation.verdict)).not.toContain('red');
          expect(steps.map((s) => s.evaluation.verdict)).not.toContain('green');
          expect(steps.map((s) => s.evaluation.decision)).not.toContain('rollback');
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('evaluator properties over a bake', () => {
  const threshold = (channel: (typeof CHANNELS)[number]) => defaultPolicy.channels[channel].red.errorRate;

  it('never rolls back, nor pauses, a canary that stays at or below 70% of its thresholds, whatever its traffic, gaps or baseline', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.record({ n: fc.integer({ min: 1, max: 5000 }), share: fc.double({ min: 0, max: 0.7, noNaN: true }), baseErrors: fc.double({ min: 0, max: 0.3, noNaN: true }) }), { freq: 8 }), { minLength: 1, maxLength: 200 }),
        context,
        (spec, { platform, channel }) => {
          const t = threshold(channel);
          const crash = defaultPolicy.channels[channel].red.crashRate;
          const pairs: Pair[] = spec.map((w) => {
            if (!w) return { canary: null, baseline: null };
            const sessions = Math.ceil(w.n / 4);
            const canary: SideCounts = { requests: w.n, errors: Math.floor(w.n * t * w.share), sessions, crashes: Math.floor(sessions * crash * w.share), latencyMs: latency(w.n) };
            const b = w.n * 9;
            const baseline: SideCounts = { requests: b, errors: Math.floor(b * w.baseErrors), sessions: b / 4, crashes: 0, latencyMs: latency(b) };
            return { canary, baseline };
          });
          const steps = play(pairs, { platform, channel, untilEnd: true });
          expect(steps.map((s) => s.evaluation.decision)).not.toContain('rollback');
          expect(steps.map((s) => s.evaluation.verdict)).not.toContain('red');
          expect(steps.filter((s) => s.effects.some((e) => e.kind === 'pause') && s.evaluation.verdict !== 'inconclusive')).toEqual([]);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('rolls back a canary at twice its error threshold once its trials carry the evidence the bake-wide level asks for, however long it was healthy before', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 120 }),
        fc.array(fc.integer({ min: 20, max: 3000 }), { minLength: 1, maxLength: 40 }),
        context,
        (healthyWindows, traffic, { platform, channel }) => {
          const policy = defaultPolicy;
          const t = threshold(channel);
          const stages = stagesFor(policy, platform, channel);
          const looks = stages[0]!.bakeMs / MINUTE;
          // ln(W / alpha) for the mixture, plus ln(6) for spreading it over six alternatives.
          const level = Math.log(looks / policy.evaluation.sequentialRollbackAlpha) + Math.log(ALTERNATIVES.length);
          const klPerTrial = 2 * t * Math.log(2) + (1 - 2 * t) * Math.log((1 - 2 * t) / (1 - t));
          const pair = (n: number, rate: number): Pair => ({
            // Rounded up only when failing: a healthy minute of 20 requests must not carry 1 error (5 %).
            canary: { requests: n, errors: (rate > t ? Math.ceil : Math.floor)(n * rate), latencyMs: latency(n) },
            baseline: { requests: n * 9, errors: Math.floor(n * 9 * t * 0.2), latencyMs: latency(n * 9) },
          });
          const pairs: Pair[] = Array.from({ length: healthyWindows }, (_, i) => pair(traffic[i % traffic.length]!, t * 0.5));
          let carried = 0;
          for (let i = 0; carried < level + 1; i++) {
            const n = traffic[i % traffic.length]!;
            pairs.push(pair(n, 2 * t));
            carried += n * klPerTrial;
          }
          pairs.push(pair(traffic[0]!, 2 * t)); // the confirming window (redWindowsToRollback: 2)
          const steps = play(pairs, { platform, channel, policy });
          expect(steps.at(-1)!.evaluation.decision).toBe('rollback');
          expect(steps.slice(0, healthyWindows).map((s) => s.evaluation.decision)).not.toContain('rollback');
        },
      ),
      { numRuns: 20 },
    );
  });
});

describe('evaluator properties over a bake, for any margin', () => {
  it('rolls back a canary whose error or crash rate stays above its threshold by any margin of the mixture, once its trials carry the evidence the bake-wide level asks for', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1.5, 2, 3, 5),
        fc.constantFrom('error_rate' as const, 'crash_rate' as const),
        fc.integer({ min: 0, max: 60 }),
        fc.array(fc.integer({ min: 100, max: 3000 }), { minLength: 1, maxLength: 20 }),
        context,
        (margin, metric, healthyWindows, traffic, { platform, channel }) => {
          fc.pre(metric === 'error_rate' || platform !== 'web');
          const policy = defaultPolicy;
          const red = policy.channels[channel].red;
          const t = metric === 'error_rate' ? red.errorRate : red.crashRate;
          const looks = stagesFor(policy, platform, channel)[0]!.bakeMs / MINUTE;
          const level = Math.log(looks / policy.evaluation.sequentialRollbackAlpha) + Math.log(ALTERNATIVES.length);
          // The evidence one trial carries for the mixture's alternative at this margin (its rate at the threshold's multiple).
          const a = margin * t;
          const klPerTrial = a * Math.log(a / t) + (1 - a) * Math.log((1 - a) / (1 - t));
          const pair = (n: number, rate: number): Pair => {
            const failing = (r: number) => (r > t ? Math.ceil : Math.floor)(n * r);
            const healthyErrors = Math.floor(n * red.errorRate * 0.2);
            return {
              canary: { requests: n, errors: metric === 'error_rate' ? failing(rate) : healthyErrors, sessions: n, crashes: metric === 'crash_rate' ? failing(rate) : 0, latencyMs: latency(n) },
              baseline: { requests: n * 9, errors: Math.floor(n * 9 * red.errorRate * 0.2), sessions: n * 9, crashes: Math.floor(n * 9 * red.crashRate * 0.2), latencyMs: latency(n * 9) },
            };
          };
          const pairs: Pair[] = Array.from({ length: healthyWindows }, (_, i) => pair(traffic[i % traffic.length]!, t * 0.5));
          let carried = 0;
          for (let i = 0; carried < level + 1; i++) {
            const n = traffic[i % traffic.length]!;
            pairs.push(pair(n, a));
            carried += n * klPerTrial;
          }
          pairs.push(pair(traffic[0]!, a)); // the confirming window (redWindowsToRollback: 2)
          const steps = play(pairs, { platform, channel, policy });
          expect(steps.at(-1)!.evaluation.decision).toBe('rollback');
          expect(steps.at(-1)!.evaluation.reasons.join(' ')).toMatch(metric === 'error_rate' ? /^Error rate/ : /Crash rate/);
          expect(steps.slice(0, healthyWindows).map((s) => s.evaluation.decision)).not.toContain('rollback');
        },
      ),
      { numRuns: 25 },
    );
  });
});
