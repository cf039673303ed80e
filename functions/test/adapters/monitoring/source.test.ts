import { defaultMetricTemplates } from '../../../src/config/metric-templates';
import { createMonitoringMetricsSource } from '../../../src/adapters/monitoring/source';
import type { MetricsRange } from '../../../src/ports/metrics';
import { countPoint, distributionPoint, FakeMonitoringServer, type FakeSeries } from '../../fakes/monitoring-server';
import { canaryFixture } from '../../app/evaluate/canary-fixture';

const END = Date.parse('2026-01-05T10:00:00Z');
const range: MetricsRange = { end: END, windowMs: 60_000, windows: 3 };
const w = (i: number) => END - (range.windows - 1 - i) * 60_000; // end time of window i

function requestSeries(revision: string, klass: string, values: number[]): FakeSeries {
  return {
    metric: { type: 'run.googleapis.com/request_count', labels: { response_code_class: klass } },
    resource: { type: 'cloud_run_revision', labels: { revision_name: revision } },
    metricKind: 'DELTA',
    valueType: 'INT64',
    // newest first, as Monitoring returns points
    points: values.map((v, i) => countPoint(w(i), v)).reverse(),
  };
}

describe('Cloud Monitoring metrics source (real client, fake server)', () => {
  const fake = new FakeMonitoringServer();
  beforeAll(() => fake.start());
  afterAll(() => fake.stop());
  beforeEach(() => {
    fake.series = [];
    fake.failures.length = 0;
    fake.seriesPerPage = 1000;
    fake.override = undefined;
    fake.http.requests.length = 0;
  });

  const source = (extra: Record<string, unknown> = {}) =>
    createMonitoringMetricsSource({
      projectId: 'demo-p',
      templates: defaultMetricTemplates,
      clientOptions: fake.clientOptions(),
      timeoutMs: 500,
      backoffMs: 1,
      ...extra,
    });

  it('turns counts by response class into requests and errors for canary and baseline', async () => {
    fake.series = [
      requestSeries('api-v29-1-0', '2xx', [90, 95, 80]),
      requestSeries('api-v29-1-0', '5xx', [10, 5, 20]),
      requestSeries('api-v29-1-0', '4xx', [1, 1, 1]),
      requestSeries('api-v29-0-0', '2xx', [900, 950, 990]),
      requestSeries('api-v29-0-0', '5xx', [1, 0, 2]),
    ];
    const result = await source().fetch([canaryFixture()], range);
    const m = result.get('web__v29.1.0__alpha')!;
    expect(m.ok).toBe(true);
    if (!m.ok) return;
    expect(m.windows.map((x) => x.start)).toEqual([END - 180_000, END - 120_000, END - 60_000]);
    expect(m.windows.map((x) => x.canary && [x.canary.requests, x.canary.errors])).toEqual([[101, 10], [101, 5], [101, 20]]);
    expect(m.windows.map((x) => x.baseline && [x.baseline.requests, x.baseline.errors])).toEqual([[901, 1], [950, 0], [992, 2]]);
  });

  it('sends one grouped, aligned query per template with enums as integers', async () => {
    await source().fetch([canaryFixture()], range);
    expect(fake.calls).toHaveLength(2);
    const q = fake.calls.find((c) => c.query.get('filter')!.includes('request_count'))!.query;
    expect(q.get('filter')).toBe('metric.type = "run.googleapis.com/request_count" AND resource.type = "cloud_run_revision"');
    expect(q.get('aggregation.alignmentPeriod')).toBe('60s');
    expect(q.get('aggregation.perSeriesAligner')).toBe('1');
    expect(q.get('aggregation.crossSeriesReducer')).toBe('4');
    expect(q.getAll('aggregation.groupByFields').sort()).toEqual(['metric.labels.response_code_class', 'resource.labels.revision_name']);
    expect(q.get('interval.startTime')).toBe(new Date(END - 180_000).toISOString());
    expect(q.get('interval.endTime')).toBe(new Date(END).toISOString());
  });

  it('makes as many calls for fifty canaries as for one', async () => {
    const many = Array.from({ length: 50 }, (_, i) => canaryFixture({ id: `web-${i}`, release: `v1.${i}.0` }));
    await source().fetch(many.slice(0, 1), range);
    const one = fake.calls.length;
    fake.http.requests.length = 0;
    const result = await source().fetch(many, range);
    expect(fake.calls.length).toBe(one);
    expect(result.size).toBe(50);
  });

  it('counts zero errors when the request series exists and the 5xx series is empty (S4)', async () => {
    fake.series = [requestSeries('api-v29-1-0', '2xx', [50, 60, 70])];
    const m = (await source().fetch([canaryFixture()], range)).get('web__v29.1.0__alpha')!;
    expect(m.ok && m.windows.map((x) => x.canary)).toEqual([
      { requests: 50, errors: 0 },
      { requests: 60, errors: 0 },
      { requests: 70, errors: 0 },
    ]);
  });

  it('reports empty results as windows with no data, not as zero traffic', async () => {
    const m = (await source().fetch([canaryFixture()], range)).get('web__v29.1.0__alpha')!;
    expect(m.ok).toBe(true);
    expect(m.ok && m.windows.every((x) => x.canary === null && x.baseline === null)).toBe(true);
  });

  it('converts explicit and exponential bucket distributions into millisecond histograms', async () => {
    fake.series = [
      {
        metric: { type: 'run.googleapis.com/request_latencies' },
        resource: { type: 'cloud_run_revision', labels: { revision_name: 'api-v29-1-0' } },
        valueType: 'DISTRIBUTION',
        points: [distributionPoint(w(2), { exponentialBuckets: { numFiniteBuckets: 3, growthFactor: 2, scale: 10 } }, [1, 2, 3])],
      },
      {
        metric: { type: 'run.googleapis.com/request_latencies' },
        resource: { type: 'cloud_run_revision', labels: { revision_name: 'api-v29-0-0' } },
        valueType: 'DISTRIBUTION',
        points: [distributionPoint(w(2), { explicitBuckets: { bounds: [50, 100, 200] } }, [4, 3, 2, 1])],
      },
    ];
    const m = (await source().fetch([canaryFixture()], range)).get('web__v29.1.0__alpha')!;
    if (!m.ok) throw new Error(m.error);
    // exponential: bounds scale * growth^i for i = 0..N; trailing zero buckets are padded
    expect(m.windows[2].canary?.latencyMs).toEqual({ bounds: [10, 20, 40, 80], counts: [1, 2, 3, 0, 0] });
    expect(m.windows[2].baseline?.latencyMs).toEqual({ bounds: [50, 100, 200], counts: [4, 3, 2, 1] });
  });

  it('follows nextPageToken until the last page', async () => {
    fake.seriesPerPage = 2;
    fake.series = [
      requestSeries('api-v29-1-0', '2xx', [1, 1, 1]),
      requestSeries('api-v29-1-0', '5xx', [1, 1, 1]),
      requestSeries('api-v29-1-0', '3xx', [1, 1, 1]),
      requestSeries('api-v29-1-0', '4xx', [1, 1, 1]),
      requestSeries('api-v29-0-0', '2xx', [7, 7, 7]),
    ];
    const m = (await source().fetch([canaryFixture()], range)).get('web__v29.1.0__alpha')!;
    expect(fake.calls.filter((c) => c.query.get('filter')!.includes('request_count'))).toHaveLength(3);
    expect(m.ok && m.windows[0].canary).toEqual({ requests: 4, errors: 1, clientErrors: 1 });
    expect(m.ok && m.windows[0].baseline).toEqual({ requests: 7, errors: 0 });
  });

  it('reads client crashes and sessions from custom metrics by release label', async () => {
    const event = (release: string, name: string, value: number): FakeSeries => ({
      metric: { type: 'custom.googleapis.com/canary/client_events', labels: { release, event: name, platform: 'mobile' } },
      resource: { type: 'global' },
      points: [countPoint(w(1), value)],
    });
    fake.series = [event('v29.1.0', 'session', 200), event('v29.1.0', 'crash', 3), event('v29.1.0', 'request', 1000), event('v29.0.0', 'session', 5000)];
    const canary = canaryFixture({ id: 'm1', platform: 'mobile' });
    const m = (await source().fetch([canary], range)).get('m1')!;
    expect(m.ok && m.windows[1].canary).toEqual({ requests: 1000, errors: 0, sessions: 200, crashes: 3 });
    expect(m.ok && m.windows[1].baseline).toEqual({ requests: 0, errors: 0, sessions: 5000 });
    expect(m.ok && m.windows[0].canary).toBeNull();
  });

  it('retries a transient 503 once and then succeeds', async () => {
    fake.failures.push({ status: 503, body: { error: { code: 503, message: 'unavailable' } } });
    fake.series = [requestSeries('api-v29-1-0', '2xx', [5, 5, 5])];
    const m = (await source({ templates: { ingestionLagSeconds: 180, platforms: { web: defaultMetricTemplates.platforms.web!.slice(0, 1) } } }).fetch([canaryFixture()], range)).get('web__v29.1.0__alpha')!;
    expect(fake.calls).toHaveLength(2);
    expect(m.ok).toBe(true);
  });

  it('gives retryable no-data after a bounded number of 503s (S5)', async () => {
    for (let i = 0; i < 10; i++) fake.failures.push({ status: 503, body: { error: { code: 503, message: 'unavailable' } } });
    const m = (await source({ attempts: 3 }).fetch([canaryFixture()], range)).get('web__v29.1.0__alpha')!;
    expect(m).toEqual({ ok: false, retryable: true, error: expect.stringContaining('monitoring query') });
    expect(fake.calls).toHaveLength(6); // 3 attempts for each of the 2 templates, then no data
  });

  it('gives retryable no-data when Monitoring does not answer in time', async () => {
    fake.failures.push({ hang: true }, { hang: true }, { hang: true }, { hang: true });
    const started = Date.now();
    const m = (await source({ timeoutMs: 200 }).fetch([canaryFixture()], range)).get('web__v29.1.0__alpha')!;
    expect(m.ok).toBe(false);
    expect(!m.ok && m.retryable).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it.each([
    [403, 'PERMISSION_DENIED'],
    [404, 'NOT_FOUND'],
  ])('does not retry a %s misconfiguration: one request, not retryable (S6)', async (status, name) => {
    fake.failures.push({ status, body: { error: { code: status, message: `${name}: no access`, status: name } } });
    const m = (await source({ templates: { ingestionLagSeconds: 180, platforms: { web: defaultMetricTemplates.platforms.web!.slice(0, 1) } } }).fetch([canaryFixture()], range)).get('web__v29.1.0__alpha')!;
    expect(fake.calls).toHaveLength(1);
    expect(m).toEqual({ ok: false, retryable: false, error: expect.stringContaining(name) });
  });

  it('keeps a failing platform from taking the other platforms down', async () => {
    fake.override = (req) =>
      (req.query.get('filter') ?? '').includes('run.googleapis.com') ? { status: 403, body: { error: { code: 403, message: 'denied' } } } : undefined;
    const result = await source().fetch([canaryFixture({ id: 'w' }), canaryFixture({ id: 'd', platform: 'desktop' })], range);
    expect(result.get('w')?.ok).toBe(false);
    expect(result.get('d')?.ok).toBe(true);
  });

  it('drops negative and malformed values instead of counting them', async () => {
    fake.series = [
      {
        metric: { type: 'run.googleapis.com/request_count', labels: { response_code_class: '2xx' } },
        resource: { type: 'cloud_run_revision', labels: { revision_name: 'api-v29-1-0' } },
        points: [
          { interval: { endTime: new Date(w(0)).toISOString() }, value: { int64Value: '-5' } },
          { interval: { endTime: new Date(w(1)).toISOString() }, value: { doubleValue: 'NaN' } },
          countPoint(w(2), 9),
          countPoint(END + 60_000, 1000), // outside the range (ingestion lag): ignored
        ],
      },
    ];
    const m = (await source().fetch([canaryFixture()], range)).get('web__v29.1.0__alpha')!;
    expect(m.ok && m.windows.map((x) => x.canary)).toEqual([null, null, { requests: 9, errors: 0 }]);
  });

  it('on a warm instance reads only the newest windows again and serves the older ones from its cache', async () => {
    const src = source();
    const long: MetricsRange = { end: END, windowMs: 60_000, windows: 10 };
    const ends = Array.from({ length: 12 }, (_, i) => END + 60_000 - i * 60_000);
    fake.series = [
      {
        metric: { type: 'run.googleapis.com/request_count', labels: { response_code_class: '2xx' } },
        resource: { type: 'cloud_run_revision', labels: { revision_name: 'api-v29-1-0' } },
        points: ends.map((e) => countPoint(e, 10)),
      },
    ];
    await src.fetch([canaryFixture()], long);
    // A point for the newest window arrives late (ingestion), and the next tick moves on by one window.
    fake.series[0]!.points = ends.map((e) => countPoint(e, e === END ? 99 : 10));
    fake.http.requests.length = 0;
    const next = { ...long, end: END + 60_000 };
    const m = (await src.fetch([canaryFixture()], next)).get('web__v29.1.0__alpha')!;
    const q = fake.calls[0]!.query;
    expect(q.get('interval.startTime')).toBe(new Date(END + 60_000 - 2 * 60_000).toISOString());
    if (!m.ok) throw new Error(m.error);
    expect(m.windows).toHaveLength(10);
    expect(m.windows.map((w) => w.canary?.requests)).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 99, 10]);
    // A canary the instance has not seen makes the next read cover the whole lookback again.
    fake.http.requests.length = 0;
    await src.fetch([canaryFixture(), canaryFixture({ id: 'new', release: 'v30.0.0' })], next);
    expect(fake.calls[0]!.query.get('interval.startTime')).toBe(new Date(END + 60_000 - 10 * 60_000).toISOString());
  });
});
