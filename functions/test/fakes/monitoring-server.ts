import { OAuth2Client } from 'google-auth-library';
import { FakeHttpServer, type FakeReply, type RecordedRequest } from './http-fake';

/** A series as Cloud Monitoring returns it after aggregation (recorded shape; int64 as strings). */
export interface FakeSeries {
  metric: { type: string; labels?: Record<string, string> };
  resource?: { type: string; labels?: Record<string, string> };
  metricKind?: string;
  valueType?: string;
  points: { interval: { startTime?: string; endTime: string }; value: Record<string, unknown> }[];
}

/** A count point for the window ending at `endMs` (int64Value is a string on the wire). */
export function countPoint(endMs: number, value: number, windowMs = 60_000): FakeSeries['points'][number] {
  return {
    interval: { startTime: new Date(endMs - windowMs).toISOString(), endTime: new Date(endMs).toISOString() },
    value: { int64Value: String(value) },
  };
}

/** A distribution point with the given bucket options and counts. */
export function distributionPoint(endMs: number, bucketOptions: Record<string, unknown>, bucketCounts: number[], windowMs = 60_000): FakeSeries['points'][number] {
  const count = bucketCounts.reduce((a, b) => a + b, 0);
  return {
    interval: { startTime: new Date(endMs - windowMs).toISOString(), endTime: new Date(endMs).toISOString() },
    value: { distributionValue: { count: String(count), mean: 0, bucketOptions, bucketCounts: bucketCounts.map(String) } },
  };
}

/** Does the series satisfy every `path = "value"` clause of a Monitoring filter? */
function matches(series: FakeSeries, filter: string): boolean {
  for (const clause of filter.split(/\s+AND\s+/)) {
    const m = /^\s*([\w.]+)\s*=\s*"([^"]*)"\s*$/.exec(clause);
    if (!m) continue;
    const [, path, value] = m;
    const [scope, kind, ...rest] = path.split('.');
    const key = rest.join('.');
    let actual: string | undefined;
    if (path === 'metric.type') actual = series.metric.type;
    else if (path === 'resource.type') actual = series.resource?.type;
    else if (scope === 'metric' && kind === 'labels') actual = series.metric.labels?.[key];
    else if (scope === 'resource' && kind === 'labels') actual = series.resource?.labels?.[key];
    if (actual !== value) return false;
  }
  return true;
}

/**
 * A fake Cloud Monitoring v3 REST endpoint (GET /v3/projects/P/timeSeries) for the real
 * MetricServiceClient in fallback mode. Serves the stored series matching the filter, pages them
 * `seriesPerPage` at a time, and plays scripted failures first (503, 403, hangs).
 */
export class FakeMonitoringServer {
  readonly http = new FakeHttpServer();
  series: FakeSeries[] = [];
  seriesPerPage = 1000;
  /** Replies used, one per call, before the stored data is served. */
  readonly failures: FakeReply[] = [];
  /** A per-request override (e.g. fail one metric type only); undefined falls through to the data. */
  override: ((req: RecordedRequest) => FakeReply | undefined) | undefined;

  constructor() {
    this.http.on('GET', /^\/v3\/projects\/[^/]+\/timeSeries$/, (req) => this.answer(req));
  }

  async start(): Promise<void> {
    await this.http.start();
  }

  stop(): Promise<void> {
    return this.http.stop();
  }

  /** Options for MetricServiceClient (REST fallback to this server, a fake token). */
  clientOptions(): Record<string, unknown> {
    const url = new URL(this.http.url);
    // Native fetch: gaxios otherwise import()s node-fetch, which Jest's VM refuses without
    // --experimental-vm-modules ("A dynamic import callback was invoked without ...").
    const authClient = new OAuth2Client({ transporterOptions: { fetchImplementation: fetch } });
    authClient.setCredentials({ access_token: 'fake', expiry_date: Date.now() + 3600e3 });
    return { fallback: true, apiEndpoint: url.hostname, port: Number(url.port), protocol: 'http', authClient };
  }

  /** The listTimeSeries calls received. */
  get calls(): RecordedRequest[] {
    return this.http.calls('GET', /\/timeSeries$/);
  }

  private answer(req: RecordedRequest): FakeReply {
    const failure = this.failures.shift() ?? this.override?.(req);
    if (failure) return failure;
    const filter = req.query.get('filter') ?? '';
    if (!/metric\.type\s*=/.test(filter)) return { status: 400, body: { error: { code: 400, message: 'filter must name a metric type', status: 'INVALID_ARGUMENT' } } };
    const matching = this.series.filter((s) => matches(s, filter));
    const offset = Number(req.query.get('pageToken') || 0);
    const page = matching.slice(offset, offset + this.seriesPerPage);
    const next = offset + this.seriesPerPage < matching.length ? String(offset + this.seriesPerPage) : '';
    return { body: { timeSeries: page, nextPageToken: next } };
  }
}
