import { lazyReportingClient } from '../../../src/adapters/play-vitals/client';
import { createPlayVitalsMetricsSource } from '../../../src/adapters/play-vitals/source';
import type { MetricsRange } from '../../../src/ports/metrics';
import { FakePlayReporting } from '../../fakes/play-reporting-server';
import { fakeGoogleAuth } from '../../app/rollback/harness';
import { canaryFixture } from '../../app/evaluate/canary-fixture';

const H = 3_600_000;
const FRESH = Date.parse('2026-01-05T12:00:00Z');
const range: MetricsRange = { end: FRESH + 5 * H, windowMs: 60_000, windows: 30 };
const PKG = 'com.acme.app';
const mobile = (extra: Partial<Parameters<typeof canaryFixture>[0]> = {}) =>
  canaryFixture({ id: 'mobile__v3__stable', platform: 'mobile', target: { playPackage: PKG, versionCodes: ['30'] }, ...extra });

describe('Play vitals metrics source (googleapis playdeveloperreporting v1beta1, fake server)', () => {
  const fake = new FakePlayReporting();
  let client: ReturnType<typeof lazyReportingClient>;
  beforeAll(async () => {
    await fake.server.start();
    client = lazyReportingClient({ auth: fakeGoogleAuth(), rootUrl: `${fake.server.url}/` });
  });
  afterAll(() => fake.server.stop());
  beforeEach(() => {
    fake.server.requests.length = 0;
    fake.failures = null;
    fake.freshness.crashRateMetricSet = FRESH;
    fake.freshness.anrRateMetricSet = FRESH;
    fake.rows.crashRateMetricSet = [];
    fake.rows.anrRateMetricSet = [];
  });
  const source = (extra = {}) => createPlayVitalsMetricsSource({ client, lookbackHours: 4, ...extra });

  test('turns hourly rates per version code into users and crashed users, canary against the previous code', async () => {
    fake.rows.crashRateMetricSet = [
      { hour: FRESH - 2 * H, versionCode: '30', rate: 0.05, users: 1000 },
      { hour: FRESH - 2 * H, versionCode: '20', rate: 0.004, users: 9000 },
      { hour: FRESH - 2 * H, versionCode: '10', rate: 0.5, users: 100 },
      { hour: FRESH - H, versionCode: '30', rate: 0.0123, users: 2000 },
    ];
    fake.rows.anrRateMetricSet = [{ hour: FRESH - H, versionCode: '30', rate: 0.01, users: 2000 }];
    const result = (await source().fetch([mobile()], range)).get('mobile__v3__stable')!;
    if (!result.ok) throw new Error(result.error);
    expect(result.completeUntil).toBe(FRESH);
    expect(result.metrics).toEqual(['crash_rate', 'error_rate']);
    expect(result.windows.map((w) => [w.start, w.durationMs])).toEqual([4, 3, 2, 1].map((k) => [FRESH - k * H, H]));
    expect(result.windows[2]).toEqual({
      start: FRESH - 2 * H,
      durationMs: H,
      canary: { requests: 0, errors: 0, sessions: 1000, crashes: 50 },
      baseline: { requests: 0, errors: 0, sessions: 9000, crashes: 36 },
    });
    expect(result.windows[3].canary).toEqual({ requests: 2000, errors: 20, sessions: 2000, crashes: 25 });
    expect(result.windows[0].canary).toBeNull();
    expect(fake.server.requests[0].headers.authorization).toBe('Bearer test-token');
  });

  test('asks Play for HOURLY UTC rows by versionCode, ending at the newest complete hour', async () => {
    await source().fetch([mobile()], range);
    const [crash] = fake.queries().filter((q) => q.path.endsWith('crashRateMetricSet:query'));
    expect(crash.body).toMatchObject({
      timelineSpec: {
        aggregationPeriod: 'HOURLY',
        startTime: { year: 2026, month: 1, day: 5, hours: 8, timeZone: { id: 'UTC' } },
        endTime: { year: 2026, month: 1, day: 5, hours: 12, timeZone: { id: 'UTC' } },
      },
      dimensions: ['versionCode'],
      metrics: ['crashRate', 'distinctUsers'],
    });
  });

  test("reads the user-perceived crash and ANR rates instead when configured, with distinctUsers as the denominator", async () => {
    fake.rows.crashRateMetricSet = [{ hour: FRESH - H, versionCode: '30', rate: 0.02, users: 500 }];
    fake.rows.anrRateMetricSet = [{ hour: FRESH - H, versionCode: '30', rate: 0.004, users: 500 }];
    const result = (await source({ crashMetric: 'userPerceivedCrashRate' }).fetch([mobile()], range)).get('mobile__v3__stable')!;
    if (!result.ok) throw new Error(result.error);
    const metrics = Object.fromEntries(fake.queries().map((q) => [q.path.split('/').at(-1), (q.body as { metrics: string[] }).metrics]));
    expect(metrics).toEqual({ 'crashRateMetricSet:query': ['userPerceivedCrashRate', 'distinctUsers'], 'anrRateMetricSet:query': ['userPerceivedAnrRate', 'distinctUsers'] });
    expect(result.windows.at(-1)!.canary).toEqual({ requests: 500, errors: 2, sessions: 500, crashes: 10 });
  });

  test('never judges an hour Play has not finished, whatever the evaluation range asks', async () => {
    fake.freshness.anrRateMetricSet = FRESH - H;
    fake.rows.crashRateMetricSet = [{ hour: FRESH - H, versionCode: '30', rate: 0.5, users: 100 }];
    const result = (await source().fetch([mobile()], range)).get('mobile__v3__stable')!;
    if (!result.ok) throw new Error(result.error);
    expect(result.completeUntil).toBe(FRESH - H);
    expect(Math.max(...result.windows.map((w) => w.start + w.durationMs))).toBe(FRESH - H);
  });

  test('uses the previous version codes the canary names, in place of the highest lower code', async () => {
    fake.rows.crashRateMetricSet = [
      { hour: FRESH - H, versionCode: '29', rate: 0.5, users: 100 },
      { hour: FRESH - H, versionCode: '20', rate: 0.001, users: 5000 },
      { hour: FRESH - H, versionCode: '30', rate: 0.001, users: 500 },
    ];
    const c = mobile({ target: { playPackage: PKG, versionCodes: ['30'], previousVersionCodes: ['20'] } });
    const result = (await source({ anr: false }).fetch([c], range)).get(c.id)!;
    if (!result.ok) throw new Error(result.error);
    expect(result.metrics).toEqual(['crash_rate']);
    expect(result.windows.at(-1)!.baseline).toEqual({ requests: 0, errors: 0, sessions: 5000, crashes: 5 });
  });

  test('reads Play again only when a new hour is complete (two metadata reads per tick otherwise)', async () => {
    const s = source();
    await s.fetch([mobile()], range);
    expect(fake.queries()).toHaveLength(2);
    await s.fetch([mobile()], range);
    expect(fake.queries()).toHaveLength(2);
    fake.freshness.crashRateMetricSet = FRESH + H;
    fake.freshness.anrRateMetricSet = FRESH + H;
    await s.fetch([mobile()], range);
    expect(fake.queries()).toHaveLength(4);
  });

  test('follows pages until Play stops sending a token', async () => {
    fake.rows.crashRateMetricSet = [1, 2, 3, 4].map((k) => ({ hour: FRESH - k * H, versionCode: '30', rate: 0.01, users: 100 }));
    const result = (await source({ pageSize: 1, anr: false }).fetch([mobile()], range)).get('mobile__v3__stable')!;
    if (!result.ok) throw new Error(result.error);
    expect(result.windows.filter((w) => w.canary !== null)).toHaveLength(4);
    expect(fake.queries()).toHaveLength(4);
  });

  test('a Play outage is retryable data trouble, a 403 is a misconfiguration; neither is a verdict', async () => {
    fake.failures = { status: 503, count: 50 };
    const down = (await source().fetch([mobile()], range)).get('mobile__v3__stable');
    expect(down).toMatchObject({ ok: false, retryable: true });
    fake.failures = { status: 403, count: 2 };
    const denied = (await source().fetch([mobile()], range)).get('mobile__v3__stable');
    expect(denied).toMatchObject({ ok: false, retryable: false });
  });

  test('rates outside [0, 1] and unparsable rows are dropped, not judged', async () => {
    fake.rows.crashRateMetricSet = [
      { hour: FRESH - H, versionCode: '30', rate: 2.5, users: 100 },
      { hour: FRESH - 2 * H, versionCode: '30', rate: Number.NaN, users: 100 },
    ];
    const result = (await source({ anr: false }).fetch([mobile()], range)).get('mobile__v3__stable')!;
    if (!result.ok) throw new Error(result.error);
    expect(result.windows.every((w) => w.canary === null)).toBe(true);
  });

  test('a canary without package or version codes, or a restored population, is told why and not queried', async () => {
    const none = mobile({ id: 'a', target: {} });
    const restored = mobile({ id: 'mobile__v3__stable#restored' });
    const out = await source().fetch([none, restored], range);
    expect(out.get('a')).toMatchObject({ ok: false, retryable: false, error: expect.stringContaining('playPackage') });
    expect(out.get(restored.id)).toMatchObject({ ok: false, error: expect.stringContaining('cannot take a build back') });
    expect(fake.server.requests).toHaveLength(0);
  });
});
