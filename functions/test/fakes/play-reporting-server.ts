import { FakeHttpServer, type RecordedRequest } from './http-fake';

export interface FakeVitalsRow {
  hour: number;
  versionCode: string;
  /** A fraction of users, as the API returns it. */
  rate: number;
  users: number;
}

type SetName = 'crashRateMetricSet' | 'anrRateMetricSet';

const dt = (ms: number) => {
  const d = new Date(ms);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hours: d.getUTCHours(), timeZone: { id: 'UTC' } };
};
const fromDt = (t: { year: number; month: number; day: number; hours?: number }) => Date.UTC(t.year, t.month - 1, t.day, t.hours ?? 0);

/**
 * A fake of the Play Developer Reporting API v1beta1 vitals metric sets (crash and ANR rate):
 * `GET apps/{pkg}/{set}` answers freshnessInfo, `POST apps/{pkg}/{set}:query` answers the HOURLY
 * rows per versionCode inside the requested timeline, paged by pageSize, in the API's JSON shape.
 */
export class FakePlayReporting {
  readonly server = new FakeHttpServer();
  /** Newest complete hour end (exclusive) per set. */
  readonly freshness: Record<SetName, number> = { crashRateMetricSet: 0, anrRateMetricSet: 0 };
  readonly rows: Record<SetName, FakeVitalsRow[]> = { crashRateMetricSet: [], anrRateMetricSet: [] };
  /** The next n calls answer this status. */
  failures: { status: number; count: number } | null = null;

  constructor() {
    const set = /^\/v1beta1\/apps\/([^/]+)\/(crashRateMetricSet|anrRateMetricSet)$/;
    const query = /^\/v1beta1\/apps\/([^/]+)\/(crashRateMetricSet|anrRateMetricSet):query$/;
    this.server.on('GET', set, (req) => this.fail() ?? this.meta(req));
    this.server.on('POST', query, (req) => this.fail() ?? this.query(req));
  }

  queries(): RecordedRequest[] {
    return this.server.requests.filter((r) => r.method === 'POST');
  }

  private fail() {
    if (!this.failures || this.failures.count <= 0) return undefined;
    this.failures.count--;
    return { status: this.failures.status, body: { error: { code: this.failures.status, message: 'fake: failure', status: 'UNAVAILABLE' } } };
  }

  private meta(req: RecordedRequest) {
    const name = req.path.split('/').at(-1) as SetName;
    return {
      body: {
        name: req.path.replace('/v1beta1/', ''),
        freshnessInfo: {
          freshnesses: [
            { aggregationPeriod: 'DAILY', latestEndTime: { ...dt(this.freshness[name] - 86_400_000), hours: 0, timeZone: { id: 'America/Los_Angeles' } } },
            { aggregationPeriod: 'HOURLY', latestEndTime: dt(this.freshness[name]) },
          ],
        },
      },
    };
  }

  private query(req: RecordedRequest) {
    const name = req.path.split('/').at(-1)!.replace(':query', '') as SetName;
    const body = req.body as {
      timelineSpec: { aggregationPeriod: string; startTime: Parameters<typeof fromDt>[0]; endTime: Parameters<typeof fromDt>[0] };
      dimensions: string[];
      metrics: string[];
      pageSize?: number;
      pageToken?: string;
    };
    if (body.timelineSpec.aggregationPeriod !== 'HOURLY' || !body.dimensions.includes('versionCode')) {
      return { status: 400, body: { error: { code: 400, message: 'fake: only HOURLY by versionCode' } } };
    }
    const from = fromDt(body.timelineSpec.startTime);
    const to = fromDt(body.timelineSpec.endTime);
    if (to > this.freshness[name]) return { status: 400, body: { error: { code: 400, message: 'fake: endTime after freshness' } } };
    const rateMetric = body.metrics.find((m) => m !== 'distinctUsers')!;
    const all = this.rows[name].filter((r) => r.hour >= from && r.hour < to).sort((a, b) => a.hour - b.hour);
    const offset = Number(body.pageToken ?? 0);
    const size = body.pageSize ?? 1000;
    const page = all.slice(offset, offset + size);
    return {
      body: {
        rows: page.map((r) => ({
          aggregationPeriod: 'HOURLY',
          startTime: dt(r.hour),
          dimensions: [{ dimension: 'versionCode', int64Value: r.versionCode }],
          metrics: [
            { metric: rateMetric, decimalValue: { value: String(r.rate) } },
            { metric: 'distinctUsers', decimalValue: { value: String(r.users) } },
          ],
        })),
        ...(offset + size < all.length ? { nextPageToken: String(offset + size) } : {}),
      },
    };
  }
}
