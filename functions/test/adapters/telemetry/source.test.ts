import { createTelemetryMetricsSource, type TelemetryEvidence } from '../../../src/adapters/telemetry/source';
import { LATENCY_BUCKET_COUNT } from '../../../src/core/latency-buckets';
import type { MetricsRange } from '../../../src/ports/metrics';
import type { TelemetryAggregates, TelemetryMinute, TelemetryQuery, TelemetryRead } from '../../../src/ports/telemetry';
import { canaryFixture } from '../../app/evaluate/canary-fixture';

const END = Date.parse('2026-01-05T10:00:00Z');
const range: MetricsRange = { end: END, windowMs: 60_000, windows: 3 };
const minute = (i: number) => END - (3 - i) * 60_000;

function m(i: number, counts: Partial<TelemetryMinute>): TelemetryMinute {
  const latency = new Array<number>(LATENCY_BUCKET_COUNT).fill(0);
  return { minute: minute(i), requests: 0, errors: 0, clientErrors: 0, successes: 0, sessions: 0, crashes: 0, latency, installs: 1, errorInstalls: 0, crashInstalls: 0, cappedWindows: 0, ...counts };
}

/** The port in memory: minutes per release, and every query it was asked. */
class MemoryAggregates implements TelemetryAggregates {
  readonly queries: TelemetryQuery[] = [];
  readonly data = new Map<string, TelemetryMinute[] | TelemetryRead>();
  async read(q: TelemetryQuery): Promise<TelemetryRead> {
    this.queries.push(q);
    const d = this.data.get(q.release) ?? [];
    if (!Array.isArray(d)) return d;
    const minutes = d.filter((x) => x.minute >= q.from && x.minute < q.to);
    return { ok: true, minutes, installs: { all: Math.max(0, ...minutes.map((x) => x.installs)), errors: Math.max(0, ...minutes.map((x) => x.errorInstalls)), crashes: 0 } };
  }
}

describe('telemetry metrics source (reads the ingest aggregates through their port)', () => {
  const canary = canaryFixture({ id: 'web__v29.1.0__alpha', platform: 'web' });

  test('turns the release and its previous release into canary and baseline windows, a silent minute as no data', async () => {
    const agg = new MemoryAggregates();
    const lat = new Array<number>(LATENCY_BUCKET_COUNT).fill(0);
    lat[20] = 90;
    agg.data.set('v29.1.0', [m(0, { requests: 100, errors: 5, successes: 93, installs: 50, errorInstalls: 5, latency: lat }), m(2, { requests: 80, errors: 0, successes: 80, sessions: 10, crashes: 1, installs: 40, crashInstalls: 1 })]);
    agg.data.set('v29.0.0', [m(0, { requests: 1000, errors: 10, successes: 990, installs: 500, errorInstalls: 10 })]);
    const result = (await createTelemetryMetricsSource({ aggregates: agg }).fetch([canary], range)).get(canary.id)!;
    if (!result.ok) throw new Error(result.error);
    expect(agg.queries).toEqual([
      { platform: 'web', release: 'v29.1.0', from: minute(0), to: END },
      { platform: 'web', release: 'v29.0.0', from: minute(0), to: END },
    ]);
    expect(result.windows.map((w) => w.start)).toEqual([minute(0), minute(1), minute(2)]);
    expect(result.windows[0].canary).toMatchObject({ requests: 100, errors: 5, successes: 93 });
    expect(result.windows[0].canary?.latencyMs?.counts[20]).toBe(90);
    expect(result.windows[0].baseline).toMatchObject({ requests: 1000, errors: 10 });
    expect(result.windows[1]).toMatchObject({ canary: null, baseline: null });
    expect(result.windows[2].canary).toEqual({ requests: 80, errors: 0, successes: 80, sessions: 10, crashes: 1 });
  });

  test('carries the 4xx count (clientErrors) into the windows, never above requests - errors', async () => {
    const agg = new MemoryAggregates();
    agg.data.set('v29.1.0', [m(0, { requests: 100, errors: 5, clientErrors: 12, successes: 83, installs: 50, errorInstalls: 5 }), m(1, { requests: 10, errors: 0, successes: 10, installs: 5 })]);
    agg.data.set('v29.0.0', [m(0, { requests: 1000, errors: 10, clientErrors: 30, successes: 960, installs: 500, errorInstalls: 10 })]);
    const result = (await createTelemetryMetricsSource({ aggregates: agg }).fetch([canary], range)).get(canary.id)!;
    if (!result.ok) throw new Error(result.error);
    expect(result.windows[0].canary).toMatchObject({ requests: 100, errors: 5, clientErrors: 12 });
    expect(result.windows[0].baseline).toMatchObject({ clientErrors: 30 });
    expect(result.windows[1].canary?.clientErrors).toBeUndefined();
  });

  test('a few installs cannot count for more errors than their share of the traffic, and it is reported', async () => {
    const agg = new MemoryAggregates();
    // 1,000 real installs making 5,000 requests with 50 errors, and 10 forged installs claiming 1,000 errors.
    agg.data.set('v29.1.0', [m(0, { requests: 6000, errors: 1050, successes: 4950, installs: 1010, errorInstalls: 20, cappedWindows: 10 })]);
    const seen: TelemetryEvidence[] = [];
    const result = (await createTelemetryMetricsSource({ aggregates: agg, onEvidence: (e) => seen.push(e) }).fetch([canary], range)).get(canary.id)!;
    if (!result.ok) throw new Error(result.error);
    // 20 installs with errors x ceil(6000 / 1010) = 6 requests each: at most 120 errors count.
    expect(result.windows[0].canary).toMatchObject({ requests: 6000, errors: 120 });
    expect(result.windows[0].canary!.successes).toBe(5880);
    expect(seen).toEqual([expect.objectContaining({ canaryId: canary.id, errorInstalls: 20, cappedWindows: 10, unweightedErrors: 930 })]);
  });

  test('with a baseline, an erroring install counts for at most twice the errors of an erroring baseline install', async () => {
    const agg = new MemoryAggregates();
    // Baseline: 100 erroring installs report 104 errors (1.04 each): each canary erroring install counts for at most 3.
    agg.data.set('v29.0.0', [m(0, { requests: 10_000, errors: 104, successes: 9896, installs: 1000, errorInstalls: 100 })]);
    // Canary: 96 real erroring installs (100 errors) and 10 forged ones at the ingest cap (60 errors each).
    agg.data.set('v29.1.0', [m(0, { requests: 10_600, errors: 700, successes: 9900, installs: 1010, errorInstalls: 106 })]);
    const seen: TelemetryEvidence[] = [];
    const result = (await createTelemetryMetricsSource({ aggregates: agg, onEvidence: (e) => seen.push(e) }).fetch([canary], range)).get(canary.id)!;
    if (!result.ok) throw new Error(result.error);
    expect(result.windows[0].canary).toMatchObject({ errors: 318 });
    expect(seen[0]).toMatchObject({ errorInstalls: 106, unweightedErrors: 382 });
    // A real regression: most installs see errors, a few each; nothing is left out.
    agg.data.set('v29.1.0', [m(0, { requests: 10_000, errors: 900, successes: 9100, installs: 1000, errorInstalls: 600 })]);
    const real = (await createTelemetryMetricsSource({ aggregates: agg }).fetch([canary], range)).get(canary.id)!;
    if (real.ok) expect(real.windows[0].canary).toMatchObject({ errors: 900 });
  });

  test('a regression that reaches most installs is counted in full', async () => {
    const agg = new MemoryAggregates();
    agg.data.set('v29.1.0', [m(0, { requests: 5000, errors: 900, successes: 4100, installs: 1000, errorInstalls: 700 })]);
    const seen: TelemetryEvidence[] = [];
    const result = (await createTelemetryMetricsSource({ aggregates: agg, onEvidence: (e) => seen.push(e) }).fetch([canary], range)).get(canary.id)!;
    if (!result.ok) throw new Error(result.error);
    expect(result.windows[0].canary).toMatchObject({ errors: 900 });
    expect(seen).toEqual([]);
  });

  test('a failed read of the release is the canary\'s data error; a failed baseline only drops the baseline', async () => {
    const agg = new MemoryAggregates();
    agg.data.set('v29.0.0', { ok: false, error: 'firestore unavailable', retryable: true });
    agg.data.set('v29.1.0', [m(0, { requests: 10, successes: 10 })]);
    const ok = (await createTelemetryMetricsSource({ aggregates: agg }).fetch([canary], range)).get(canary.id)!;
    expect(ok).toMatchObject({ ok: true });
    if (ok.ok) expect(ok.windows[0].baseline).toBeNull();
    agg.data.set('v29.1.0', { ok: false, error: 'firestore unavailable', retryable: true });
    expect((await createTelemetryMetricsSource({ aggregates: agg }).fetch([canary], range)).get(canary.id)).toEqual({ ok: false, error: 'firestore unavailable', retryable: true });
  });

  test('canaries of the same release on two channels share one read', async () => {
    const agg = new MemoryAggregates();
    await createTelemetryMetricsSource({ aggregates: agg }).fetch([canary, { ...canary, id: 'web__v29.1.0__beta' }], range);
    expect(agg.queries).toHaveLength(2);
  });
});
