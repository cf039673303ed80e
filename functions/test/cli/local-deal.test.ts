import { addSides, dealSide, scaleSide, seededRandom, standardLatencies } from '../../src/cli/local/deal';
import { sampleHash } from '../../src/cli/local/population';
import { latencyBucket } from '../../src/core/latency-buckets';
import type { SideCounts } from '../../src/core/types';

const side: SideCounts = {
  requests: 350,
  errors: 23,
  successes: 320,
  sessions: 40,
  crashes: 3,
  latencyMs: { bounds: [25, 50, 100, 200], counts: [4, 100, 150, 80, 10] },
};
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe("the local runner's simulated installs", () => {
  it('deal a scenario side out so that the installs add up exactly to its counts', () => {
    const minutes = dealSide(side, 21, seededRandom(1));
    expect(minutes).toHaveLength(21);
    expect(sum(minutes.map((m) => m.requests))).toBe(350);
    expect(sum(minutes.map((m) => m.errors))).toBe(23);
    expect(sum(minutes.map((m) => m.successes))).toBe(320);
    expect(sum(minutes.map((m) => m.sessions ?? 0))).toBe(40);
    expect(sum(minutes.map((m) => m.crashes ?? 0))).toBe(3);
    expect(sum(minutes.flatMap((m) => Object.values(m.latencyMs?.counts ?? {})))).toBe(344);
  });

  it('give every install about its share, never a window the spec calls invalid', () => {
    const minutes = dealSide(side, 21, seededRandom(2));
    const requests = minutes.map((m) => m.requests);
    const errors = minutes.map((m) => m.errors);
    // A regression reaches many installs: nobody carries more than one error above another.
    expect(Math.max(...requests) - Math.min(...requests)).toBeLessThanOrEqual(1);
    expect(Math.max(...errors) - Math.min(...errors)).toBeLessThanOrEqual(1);
    for (const m of minutes) {
      expect(m.errors).toBeLessThanOrEqual(m.requests);
      expect(m.successes).toBeLessThanOrEqual(m.requests - m.errors);
      expect(m.crashes ?? 0).toBeLessThanOrEqual(m.sessions ?? 0);
      expect(sum(Object.values(m.latencyMs?.counts ?? {}))).toBeLessThanOrEqual(m.requests);
      for (const bucket of Object.keys(m.latencyMs?.counts ?? {})) expect(Number(bucket)).toBeLessThanOrEqual(90);
    }
  });

  it('place a histogram of any bounds in the standard buckets at each bucket middle', () => {
    const latencies = standardLatencies({ bounds: [25, 50], counts: [1, 2, 1] });
    expect(latencies).toEqual([latencyBucket(12.5), latencyBucket(37.5), latencyBucket(37.5), latencyBucket(62.5)]);
  });

  it('report a moved-back install at the rates of the release it now runs', () => {
    const baseline: SideCounts = { requests: 3000, errors: 30, latencyMs: { bounds: [100], counts: [2000, 1000] } };
    const moved = scaleSide(baseline, 300);
    expect(moved).toMatchObject({ requests: 300, errors: 3, latencyMs: { bounds: [100], counts: [200, 100] } });
    expect(addSides(baseline, moved)).toMatchObject({ requests: 3300, errors: 33, latencyMs: { counts: [2200, 1100] } });
  });

  it('sample installs by a fixed hash of their id: the same installs report every time, about the rate asked', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `local-install-${i}`);
    const inside = ids.filter((id) => sampleHash(id) < 0.25).length;
    expect(inside / ids.length).toBeGreaterThan(0.2);
    expect(inside / ids.length).toBeLessThan(0.3);
    expect(ids.map(sampleHash)).toEqual(ids.map(sampleHash));
  });
});
