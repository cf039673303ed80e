import { lazyReportingClient } from '../../../src/adapters/play-vitals/client';
import { createPlayVitalsMetricsSource } from '../../../src/adapters/play-vitals/source';
import { evaluateAll } from '../../../src/app/evaluate';
import type { Canary } from '../../../src/core/canary';
import { FakePlayReporting } from '../../fakes/play-reporting-server';
import { fakeGoogleAuth } from '../rollback/harness';
import { canaryFixture } from './canary-fixture';
import { harness, type Harness } from './harness';

const H = 3_600_000;
const T0 = Date.parse('2026-01-07T10:00:00Z');
const PKG = 'com.acme.app';

/**
 * Hour-long windows next to a minute-long tick: the evaluator reads Play vitals every minute, judges
 * each hour once Play has finished it, counts missing data in hours, and rolls back a regression.
 */
describe('evaluating mobile canaries on Play vitals hourly windows', () => {
  const fake = new FakePlayReporting();
  let h: Harness;
  beforeAll(() => fake.server.start());
  afterAll(() => fake.server.stop());
  beforeEach(() => {
    fake.server.requests.length = 0;
    fake.rows.crashRateMetricSet = [];
    fake.rows.anrRateMetricSet = [];
    fake.freshness.crashRateMetricSet = T0;
    fake.freshness.anrRateMetricSet = T0;
    h = harness({ now: T0 + 30 * 60_000 });
    h.deps.metrics = createPlayVitalsMetricsSource({ client: lazyReportingClient({ auth: fakeGoogleAuth(), rootUrl: `${fake.server.url}/` }), lookbackHours: 6 });
  });

  const mobile = (id: string, code: string): Canary =>
    canaryFixture({ id, platform: 'mobile', createdAt: T0 + 30 * 60_000, target: { playPackage: PKG, versionCodes: [code], previousVersionCodes: ['20'] } });
  /** One hour of Play data: the baseline (code 20) healthy, each canary code at its crash rate. */
  function publishHour(hour: number, crashRates: Record<string, number>) {
    fake.rows.crashRateMetricSet.push({ hour, versionCode: '20', rate: 0.004, users: 20_000 });
    fake.rows.anrRateMetricSet.push({ hour, versionCode: '20', rate: 0.002, users: 20_000 });
    for (const [code, rate] of Object.entries(crashRates)) {
      fake.rows.crashRateMetricSet.push({ hour, versionCode: code, rate, users: 2_000 });
      fake.rows.anrRateMetricSet.push({ hour, versionCode: code, rate: 0.002, users: 2_000 });
    }
    fake.freshness.crashRateMetricSet = hour + H;
    fake.freshness.anrRateMetricSet = hour + H;
  }
  async function tick(at: number) {
    h.clock.t = at;
    return evaluateAll(h.deps, new Date(at).toISOString());
  }
  async function get(id: string): Promise<Canary> {
    const read = await h.canaries.get(id);
    if (!read?.ok) throw new Error(`canary ${id} unreadable`);
    return read.canary;
  }

  test('rolls back a regressing canary after two red hours and lets a healthy one continue', async () => {
    await h.canaries.createIfAbsent(mobile('mobile__v3__alpha', '30'));
    await h.canaries.createIfAbsent(mobile('mobile__v4__alpha', '40'));
    // Minute ticks while Play has not finished the canary's first hour: pending, never "no data".
    for (let m = 31; m <= 59; m += 4) await tick(T0 + m * 60_000);
    for (const id of ['mobile__v3__alpha', 'mobile__v4__alpha']) {
      const c = await get(id);
      expect(c.status).toBe('running');
      expect(c.rollout.streaks.noData).toBe(0);
    }
    publishHour(T0, { '30': 0.08, '40': 0.003 });
    for (let m = 60; m <= 119; m += 10) await tick(T0 + m * 60_000 + 30_000);
    expect((await get('mobile__v3__alpha')).rollout.streaks.red).toBe(1);
    expect((await get('mobile__v3__alpha')).status).toBe('paused');
    publishHour(T0 + H, { '30': 0.09, '40': 0.004 });
    await tick(T0 + 2 * H + 5 * 60_000);

    const bad = await get('mobile__v3__alpha');
    expect(bad.status).toBe('rollback_requested');
    expect(bad.rollbackRequest?.reason).toMatch(/Crash rate/);
    // The regression began in the first judged hour: time to detect is measured from there.
    expect(bad.rollbackRequest?.onsetAt).toBe(T0);
    const good = await get('mobile__v4__alpha');
    expect(good.status).toBe('running');
    expect(good.lastEvaluation).toMatchObject({ verdict: 'green', decision: 'continue', windowStart: T0 + H });
    expect(good.lastEvaluation?.metrics.crash_rate).toMatchObject({ status: 'green', canary: 0.004, baseline: 0.004 });
  });

  test('judges each hour once however many minute ticks read it', async () => {
    await h.canaries.createIfAbsent(mobile('mobile__v4__alpha', '40'));
    publishHour(T0, { '40': 0.003 });
    for (let m = 61; m <= 118; m += 3) await tick(T0 + m * 60_000);
    const c = await get('mobile__v4__alpha');
    expect(c.rollout.streaks.green).toBe(1);
    expect(c.rollout.lastWindowStart).toBe(T0);
  });

  test('pauses after five Play hours without data for the canary, not after five minute ticks', async () => {
    await h.canaries.createIfAbsent(mobile('mobile__v5__alpha', '50'));
    for (let k = 0; k < 4; k++) {
      publishHour(T0 + k * H, {});
      for (let m = 0; m < 60; m += 15) await tick(T0 + (k + 1) * H + m * 60_000);
    }
    let c = await get('mobile__v5__alpha');
    expect(c.status).toBe('running');
    expect(c.rollout.streaks.noData).toBe(4);
    publishHour(T0 + 4 * H, {});
    await tick(T0 + 5 * H + 60_000);
    c = await get('mobile__v5__alpha');
    expect(c.status).toBe('paused');
    expect(c.rollout.pauseReasons?.[0]).toMatch(/No canary data for 5 windows/);
  });
});
