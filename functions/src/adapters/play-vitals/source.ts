import type { Canary } from '../../core/canary';
import type { MetricName, SideCounts, WindowSample } from '../../core/types';
import { systemClock, type Clock } from '../../ports/clock';
import type { CanaryMetrics, MetricsRange, MetricsSource } from '../../ports/metrics';
import { toGooglePlatformError } from '../google-api-error';
import type { ReportingClient } from './client';
import { hourlyFreshness, parseRows, toDateTime, type HourRow } from './rows';

const HOUR = 3_600_000;

export interface PlayVitalsSourceOptions {
  client: () => ReportingClient;
  /** `crashRate` (every crash) or `userPerceivedCrashRate` (crashes while in use; Play's bad-behaviour metric). */
  crashMetric?: 'crashRate' | 'userPerceivedCrashRate';
  /** Read `vitals.anrrate` too and judge it as the error rate (users with an ANR / users). Default true. */
  anr?: boolean;
  /** Hours read back from Play's newest complete hour. Default 24 (Play can publish hours late). */
  lookbackHours?: number;
  pageSize?: number;
  maxPages?: number;
  clock?: Clock;
}

type SetName = 'crash' | 'anr';
/** What both vitals.crashrate and vitals.anrrate offer (their request types differ only by name). */
interface MetricSetResource {
  get(params: { name: string }): Promise<{ data: unknown }>;
  query(params: { name: string; requestBody: Record<string, unknown> }): Promise<{ data: { rows?: unknown; nextPageToken?: string | null } }>;
}
interface SetData {
  complete: number;
  rows: HourRow[];
}
type SetResult = SetData | { error: string; retryable: boolean };

/**
 * A MetricsSource over Google Play's Android vitals (Play Developer Reporting API v1beta1): hourly
 * (UTC) crash and ANR rates per version code. One freshness read and (only when Play has finished
 * a new hour) one query per metric set and app cover every mobile canary of that app.
 *
 * Users are the denominator: Play gives a rate over distinct users, so a window's `sessions` are
 * the distinct users and `crashes` = round(rate x users) (the users who crashed); for ANRs,
 * `requests` are the users and `errors` the users with an ANR. The baseline is the previous
 * version code. Hours Play has not finished (freshnessInfo) are never judged.
 */
export function createPlayVitalsMetricsSource(options: PlayVitalsSourceOptions): MetricsSource {
  const crashMetric = options.crashMetric ?? 'crashRate';
  const anrMetric = crashMetric === 'userPerceivedCrashRate' ? 'userPerceivedAnrRate' : 'anrRate';
  const withAnr = options.anr ?? true;
  const lookback = options.lookbackHours ?? 24;
  const clock = options.clock ?? systemClock;
  const fed: MetricName[] = withAnr ? ['crash_rate', 'error_rate'] : ['crash_rate'];
  // Per app and metric set: rows of the newest complete hour already read (Play adds an hour at a time).
  const cache = new Map<string, SetData & { from: number }>();

  async function readSet(pkg: string, set: SetName): Promise<SetResult> {
    const vitals = options.client().vitals;
    const resource = (set === 'crash' ? vitals.crashrate : vitals.anrrate) as unknown as MetricSetResource;
    const name = `apps/${pkg}/${set === 'crash' ? 'crashRateMetricSet' : 'anrRateMetricSet'}`;
    const metric = set === 'crash' ? crashMetric : anrMetric;
    try {
      const meta = await resource.get({ name });
      const complete = hourlyFreshness(meta.data);
      if (complete === null) return { error: `Play vitals: ${name} states no HOURLY freshness`, retryable: true };
      const key = `${pkg}|${set}`;
      const hit = cache.get(key);
      if (hit && hit.complete === complete) return hit;
      const from = complete - lookback * HOUR;
      const rows: HourRow[] = [];
      let pageToken: string | undefined;
      for (let page = 0; page < (options.maxPages ?? 20); page++) {
        const res = await resource.query({
          name,
          requestBody: {
            timelineSpec: { aggregationPeriod: 'HOURLY', startTime: toDateTime(from), endTime: toDateTime(complete) },
            dimensions: ['versionCode'],
            metrics: [metric, 'distinctUsers'],
            pageSize: options.pageSize ?? 10_000,
            ...(pageToken ? { pageToken } : {}),
          },
        });
        rows.push(...parseRows(res.data.rows, metric).rows.filter((r) => r.hourStart >= from && r.hourStart + HOUR <= complete));
        pageToken = res.data.nextPageToken || undefined;
        if (!pageToken) break;
      }
      const data = { complete, rows, from };
      cache.set(key, data);
      return data;
    } catch (err) {
      const e = toGooglePlatformError(err, 'play', clock, `Play vitals ${name}`);
      return { error: e.message, retryable: e.retryable };
    }
  }

  return {
    async fetch(canaries: Canary[], _range: MetricsRange): Promise<Map<string, CanaryMetrics>> {
      const out = new Map<string, CanaryMetrics>();
      const byApp = new Map<string, Canary[]>();
      for (const c of canaries) {
        const problem = unusable(c);
        if (problem) out.set(c.id, { ok: false, error: problem, retryable: false });
        else byApp.set(c.target.playPackage!, [...(byApp.get(c.target.playPackage!) ?? []), c]);
      }
      await Promise.all(
        [...byApp].map(async ([pkg, list]) => {
          const [crash, anr] = await Promise.all([readSet(pkg, 'crash'), withAnr ? readSet(pkg, 'anr') : Promise.resolve(null)]);
          const failed = [crash, anr].find((r): r is { error: string; retryable: boolean } => r !== null && 'error' in r);
          for (const c of list) {
            if (failed) out.set(c.id, { ok: false, error: failed.error, retryable: failed.retryable });
            else out.set(c.id, windowsFor(c, crash as SetData, anr as SetData | null));
          }
        }),
      );
      return out;
    },
  };

  function windowsFor(canary: Canary, crash: SetData, anr: SetData | null): CanaryMetrics {
    const complete = Math.min(crash.complete, anr?.complete ?? Infinity);
    const codes = new Set(canary.target.versionCodes);
    const previous = new Set(canary.target.previousVersionCodes ?? previousCode(codes, crash.rows));
    const windows: WindowSample[] = [];
    for (let h = complete - lookback * HOUR; h + HOUR <= complete; h += HOUR) {
      windows.push({ start: h, durationMs: HOUR, canary: side(h, codes, crash, anr), baseline: previous.size ? side(h, previous, crash, anr) : null });
    }
    return { ok: true, windows, metrics: fed, completeUntil: complete };
  }
}

/** Why this canary cannot be read from Play vitals, or null. */
function unusable(c: Canary): string | null {
  // A Play halt does not move installed users back, so there is no restored population to watch.
  if (c.id.endsWith('#restored')) return 'Play cannot take a build back from devices: the restored population is not watched through Play vitals';
  if (!c.target.playPackage) return 'Play vitals needs target.playPackage on the canary';
  if (!c.target.versionCodes?.length) return 'Play vitals needs target.versionCodes on the canary';
  return null;
}

/** The highest version code below the canary's lowest that Play reports: the previous release. */
function previousCode(codes: Set<string>, rows: HourRow[]): string[] {
  const lowest = [...codes].map(BigInt).reduce((a, b) => (b < a ? b : a));
  let best: bigint | null = null;
  for (const r of rows) {
    const v = BigInt(r.versionCode);
    if (v < lowest && (best === null || v > best)) best = v;
  }
  return best === null ? [] : [String(best)];
}

/**
 * One population in one hour. Distinct users of several version codes are added, which counts a
 * user who updated within the hour twice: a small overcount of the denominator, on both sides.
 */
function side(hour: number, codes: Set<string>, crash: SetData, anr: SetData | null): SideCounts | null {
  const pick = (data: SetData | null) => (data ? data.rows.filter((r) => r.hourStart === hour && codes.has(r.versionCode)) : []);
  const crashRows = pick(crash);
  const anrRows = pick(anr);
  if (crashRows.length === 0 && anrRows.length === 0) return null;
  const sum = (rows: HourRow[]) => rows.reduce((acc, r) => ({ users: acc.users + r.users, events: acc.events + Math.min(r.users, Math.round(r.rate * r.users)) }), { users: 0, events: 0 });
  const a = sum(anrRows);
  const s: SideCounts = { requests: a.users, errors: a.events };
  if (crashRows.length) {
    const c = sum(crashRows);
    s.sessions = c.users;
    s.crashes = c.events;
  }
  return s;
}
