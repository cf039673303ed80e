import fc from 'fast-check';
import { allowedRate } from '../../src/core/allowance';
import { side, play, type Pair } from './scenario-kit';

const yellowAlpha = 0.01;

describe('the rate a canary may reach before its release is blamed', () => {
  it('stays at the threshold when one baseline error in 20 requests reads as 5% but proves nothing', () => {
    expect(allowedRate(0.005, { n: 20, k: 1 }, [{ n: 40, k: 1 }, { n: 300, k: 1 }], yellowAlpha)).toBe(0.005);
  });

  it('rises to the baseline rate when this window shows the baseline failing', () => {
    expect(allowedRate(0.005, { n: 5000, k: 100 }, [], yellowAlpha)).toBeCloseTo(0.02, 10);
  });

  it('rises to the highest failing rate when only a longer recent stretch shows the baseline failing', () => {
    // 3 errors in 300 is not proof at 0.5%; 40 in 4,500 over the recent windows is.
    const allowed = allowedRate(0.005, { n: 300, k: 3 }, [{ n: 600, k: 5 }, { n: 4500, k: 40 }], yellowAlpha);
    expect(allowed).toBeCloseTo(Math.max(3 / 300, 40 / 4500), 10);
  });

  it('never falls below the threshold, whatever the baseline shows', () => {
    const counts = fc.option(
      fc.integer({ min: 0, max: 10_000 }).chain((n) => fc.record({ n: fc.constant(n), k: fc.integer({ min: 0, max: n }) })),
      { nil: null },
    );
    fc.assert(
      fc.property(fc.double({ min: 0.0001, max: 0.5, noNaN: true }), counts, fc.array(counts, { maxLength: 5 }), (t, w, recent) => {
        expect(allowedRate(t, w, recent, yellowAlpha)).toBeGreaterThanOrEqual(t);
      }),
      { numRuns: 300 },
    );
  });
});

describe('a low-traffic stable canary with a healthy baseline', () => {
  it('is rolled back at twice its error threshold although its baseline has an error every 14 minutes', () => {
    // 20 requests a minute on each side, threshold 0.5%: the canary fails 1 request in 100 (1%), the
    // baseline 1 in 280 (0.36%). Each baseline error used to read as a 5% baseline and took away
    // more evidence than the canary's own errors added, so this regression was never caught.
    const pairs: Pair[] = Array.from({ length: 2000 }, (_, i) => ({
      canary: side(20, i % 5 === 4 ? 1 : 0),
      baseline: side(20, i % 14 === 13 ? 1 : 0),
    }));
    const steps = play(pairs, { platform: 'web', channel: 'stable' });
    expect(steps.at(-1)!.evaluation.decision).toBe('rollback');
    expect(steps.length).toBeLessThan(1000);
  });

  it('is not rolled back at 70% of its threshold over a day of the same baseline', () => {
    const pairs: Pair[] = Array.from({ length: 1440 }, (_, i) => ({
      canary: side(20, i % 14 === 6 ? 1 : 0),
      baseline: side(20, i % 14 === 13 ? 1 : 0),
    }));
    const steps = play(pairs, { platform: 'web', channel: 'stable' });
    expect(steps.map((s) => s.evaluation.decision)).not.toContain('rollback');
    expect(steps.map((s) => s.evaluation.verdict)).not.toContain('red');
  });
});
