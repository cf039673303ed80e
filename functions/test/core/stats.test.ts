import { binomialLowerTail, binomialUpperTail } from '../../src/core/stats';
import { countCertainlyAtOrAbove, countPossiblyAbove, quantile, quantileUpperBound } from '../../src/core/histogram';

function bruteUpper(k: number, n: number, p: number): number {
  let sum = 0;
  for (let i = k; i <= n; i++) {
    let logC = 0;
    for (let j = 1; j <= i; j++) logC += Math.log((n - i + j) / j);
    sum += Math.exp(logC + i * Math.log(p) + (n - i) * Math.log(1 - p));
  }
  return sum;
}

describe('exact binomial tails', () => {
  it.each([
    [2, 20, 0.05],
    [0, 20, 0.05],
    [21, 20, 0.05],
    [15, 100, 0.05],
    [3, 300, 0.005],
    [60, 1000, 0.05],
    [900, 1000, 0.95],
  ])('P(X >= %i) for Binomial(%i, %f) matches the sum of the pmf', (k, n, p) => {
    expect(binomialUpperTail(k, n, p)).toBeCloseTo(bruteUpper(k, n, p), 9);
    expect(binomialLowerTail(k - 1, n, p)).toBeCloseTo(1 - bruteUpper(k, n, p), 9);
  });

  it('says 2 failures in 20 requests are unremarkable at a 5% threshold and 20 of 100 are not', () => {
    expect(binomialUpperTail(2, 20, 0.05)).toBeGreaterThan(0.2);
    expect(binomialUpperTail(20, 100, 0.05)).toBeLessThan(1e-5);
  });

  it('keeps tiny tails accurate instead of rounding them to zero', () => {
    const p = binomialUpperTail(100, 1000, 0.01);
    expect(p / bruteUpper(100, 1000, 0.01)).toBeCloseTo(1, 6);
  });
});

describe('histograms', () => {
  const h = { bounds: [100, 200, 300, 400], counts: [50, 30, 10, 6, 4] };

  it('reads counts conservatively at bucket edges', () => {
    expect(countCertainlyAtOrAbove(h, 300)).toBe(10);
    expect(countCertainlyAtOrAbove(h, 250)).toBe(10);
    expect(countPossiblyAbove(h, 250)).toBe(20);
    expect(countPossiblyAbove(h, 400)).toBe(4);
  });

  it('interpolates the p95 for display and bounds it from above with confidence', () => {
    expect(quantile(h, 0.95)).toBeCloseTo(300 + (100 * 5) / 6, 5);
    expect(quantileUpperBound(h, 0.95, 0.05)).toBeNull();
    const big = { bounds: h.bounds, counts: h.counts.map((c) => c * 100) };
    expect(quantileUpperBound(big, 0.95, 0.05)).toBe(400);
  });
});
