import type { Scenario } from '../../src/config/scenario-schema';
import { brokenSide, createCanaryBreak } from '../../src/cli/local/canary-break';
import { createPopulation, type TickReports } from '../../src/cli/local/population';
import { FakeHttpServer } from '../fakes/http-fake';

// Two windows: the canary healthy then failing at 20 %; the previous release at 1 %.
const scenario: Scenario = {
  name: 'break test',
  platform: 'web',
  channel: 'alpha',
  release: 'v2',
  previousRelease: 'v1',
  start: '2026-01-05T10:00:00Z',
  windowSeconds: 60,
  windows: [
    { canary: { requests: 200, errors: 2 }, baseline: { requests: 1000, errors: 10 } },
    { canary: { requests: 200, errors: 40 }, baseline: { requests: 1000, errors: 10 } },
  ],
} as Scenario;

const ofRelease = (r: TickReports, release: string) => r.releases.find((x) => x.release === release)!;

describe('the simulated installs of the canary follow the demo page\'s "Break the canary"', () => {
  const ingest = new FakeHttpServer();
  let url = '';

  beforeAll(async () => {
    ingest.on('POST', '/v1/telemetry', { status: 202, body: { accepted: 1, dropped: 0, sampleRate: 1 } });
    url = `${await ingest.start()}/v1/telemetry`;
  });
  afterAll(() => ingest.stop());

  it('breaks once, at the scenario\'s worst canary rate, and says the previous release\'s pooled rate', () => {
    const told: string[] = [];
    const canaryBreak = createCanaryBreak(scenario, false, () => told.push('broken'));
    expect(canaryBreak.failRate).toBeCloseTo(0.2, 9);
    expect(canaryBreak.baseRate).toBeCloseTo(0.01, 9);
    expect(canaryBreak.broken()).toBe(false);
    expect(canaryBreak.breakNow()).toBe(true);
    expect(canaryBreak.breakNow()).toBe(false);
    expect(canaryBreak.broken()).toBe(true);
    expect(told).toEqual(['broken']);
  });

  it('raises a side\'s errors to the rate and never lowers them, keeping successes and 4xx within the requests', () => {
    expect(brokenSide({ requests: 100, errors: 1, successes: 99, clientErrors: 5 }, 0.2)).toEqual({ requests: 100, errors: 20, successes: 80, clientErrors: 5 });
    expect(brokenSide({ requests: 100, errors: 30 }, 0.2)).toEqual({ requests: 100, errors: 30 });
    expect(brokenSide({ requests: 10, errors: 0, clientErrors: 10 }, 0.5)).toEqual({ requests: 10, errors: 5, clientErrors: 5 });
  });

  it('with --wait-for-break, plays the previous release\'s rates on the canary until the break, repeats the windows, then fails at the break\'s rate', async () => {
    const canaryBreak = createCanaryBreak(scenario, true);
    const population = createPopulation({ scenario, ingestUrl: url, key: 'k', installs: 60, canaryInstallsRun: async () => 'v2', canaryBreak });
    const start = Date.parse('2026-01-05T10:00:00Z');
    // Three windows of a two-window scenario: the second would have failed at 20 %, the repeat too.
    for (let w = 0; w < 3; w++) {
      const r = await population.playWindow(start + w * 60_000);
      expect(r.accepted).toBe(r.posted);
      expect(ofRelease(r, 'v2')).toMatchObject({ requests: 200, errors: 2 });
      expect(ofRelease(r, 'v1')).toMatchObject({ requests: 1000, errors: 10 });
    }
    expect(population.exhausted()).toBe(false);
    canaryBreak.breakNow();
    const broken = await population.playWindow(start + 3 * 60_000);
    expect(ofRelease(broken, 'v2')).toMatchObject({ requests: 200, errors: 40 });
    expect(ofRelease(broken, 'v1')).toMatchObject({ requests: 1000, errors: 10 });
  });

  it('without --wait-for-break, plays the scenario and raises its windows to the break\'s rate once broken', async () => {
    const canaryBreak = createCanaryBreak(scenario, false);
    const population = createPopulation({ scenario, ingestUrl: url, key: 'k', installs: 60, canaryInstallsRun: async () => 'v2', canaryBreak });
    canaryBreak.breakNow();
    const first = await population.playWindow(Date.parse('2026-01-05T10:00:00Z'));
    expect(ofRelease(first, 'v2')).toMatchObject({ requests: 200, errors: 40 });
    await population.playWindow(Date.parse('2026-01-05T10:01:00Z'));
    expect(population.exhausted()).toBe(true);
  });
});
