import { binomialUpperTail } from '../../src/core/stats';
import { fixedTestPower, informationLimit } from '../../src/bench/scenarios/oracle';
import { DETECTABLE_POWER, generateSuite } from '../../src/bench/scenarios/generate';
import { defaultPolicy } from '../../src/config/default-policy';

describe('the oracle the benchmarks measure against', () => {
  it('tests at its level: the critical count is the first whose tail under the threshold is below alpha', () => {
    // 100 trials at a 5% threshold: P(X >= 13) = 0.0015, P(X >= 14) = 0.00052 under Binomial(100, 0.05).
    expect(binomialUpperTail(13, 100, 0.05)).toBeGreaterThan(0.001);
    expect(binomialUpperTail(14, 100, 0.05)).toBeLessThan(0.001);
    expect(fixedTestPower(100, 0.05, 2, 0.001)).toBeCloseTo(binomialUpperTail(14, 100, 0.1), 12);
  });

  it('gains power with trials and with the size of the regression', () => {
    expect(fixedTestPower(2000, 0.05, 2, 0.001)).toBeGreaterThan(fixedTestPower(500, 0.05, 2, 0.001));
    expect(fixedTestPower(500, 0.05, 3, 0.001)).toBeGreaterThan(fixedTestPower(500, 0.05, 2, 0.001));
  });

  it('puts the information limit at the first window count whose power reaches 0.9', () => {
    for (const [rpm, t] of [[20, 0.05], [20, 0.02], [100, 0.005]] as const) {
      const limit = informationLimit(rpm, t, 2, 0.001);
      expect(fixedTestPower(Math.round(limit * rpm), t, 2, 0.001)).toBeGreaterThanOrEqual(0.9);
      if (limit > 1) expect(fixedTestPower(Math.round((limit - 1) * rpm), t, 2, 0.001)).toBeLessThan(0.9);
    }
  });

  it('marks a regression detectable exactly when its oracle power reaches the bar, and gives no power without one', () => {
    const cases = generateSuite(7, defaultPolicy);
    expect(cases.some((c) => c.detectable)).toBe(true);
    expect(cases.some((c) => c.onset !== null && !c.detectable)).toBe(true);
    for (const c of cases) {
      expect(c.detectable).toBe(c.oraclePower >= DETECTABLE_POWER);
      if (c.onset === null) expect(c.oraclePower).toBe(0);
    }
  });
});
