import { createCompositeMetricsSource, type SourceRegistry } from '../../../src/app/metrics/composite-source';
import { parseMetricsSources, type MetricsSourcesConfig } from '../../../src/config/metrics-sources';
import type { Canary } from '../../../src/core/canary';
import type { CanaryMetrics, MetricsRange, MetricsSource } from '../../../src/ports/metrics';
import { canaryFixture } from '../evaluate/canary-fixture';
import { latency, side } from '../evaluate/harness';

const H = 3_600_000;
const END = Date.parse('2026-01-05T12:03:00Z');
const range: MetricsRange = { end: END, windowMs: 60_000, windows: 3 };

/** A source that answers by a script and records who asked it for what. */
class Scripted implements MetricsSource {
  readonly calls: { ids: string[]; range: MetricsRange }[] = [];
  constructor(private readonly answer: (c: Canary, r: MetricsRange) => CanaryMetrics) {}
  async fetch(canaries: Canary[], r: MetricsRange) {
    this.calls.push({ ids: canaries.map((c) => c.id), range: r });
    return new Map(canaries.map((c) => [c.id, this.answer(c, r)]));
  }
}
const minutes = (r: MetricsRange, make: (start: number) => ReturnType<typeof side>) =>
  Array.from({ length: r.windows }, (_, i) => {
    const start = r.end - (r.windows - i) * r.windowMs;
    return { start, durationMs: r.windowMs, canary: make(start), baseline: make(start) };
  });

function config(raw: unknown): MetricsSourcesConfig {
  const parsed = parseMetricsSources(raw);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.config;
}

describe('composite metrics source (per platform and metric, from config/metrics_sources)', () => {
  const web = canaryFixture({ id: 'web__v2__alpha', platform: 'web' });
  const mobile = canaryFixture({ id: 'mobile__v2__alpha', platform: 'mobile', target: { playPackage: 'com.a.b', versionCodes: ['2'] } });

  test('joins web errors from telemetry with latency from Cloud Monitoring, one call per source', async () => {
    const telemetry = new Scripted((_c, r) => ({ ok: true, windows: minutes(r, () => ({ requests: 100, errors: 7, latencyMs: latency(100, 30) })) }));
    const monitoring = new Scripted((_c, r) => ({ ok: true, windows: minutes(r, () => side(900, 1)) }));
    const play = new Scripted(() => {
      throw new Error('not asked');
    });
    let built = 0;
    const sources: SourceRegistry = { telemetry: () => telemetry, monitoring: () => monitoring, play_vitals: () => (built++, play) };
    const cfg = config({ platforms: { web: { default: 'telemetry', metrics: { p95_latency: 'monitoring' } } } });
    const out = await createCompositeMetricsSource({ sources, config: async () => cfg }).fetch([web, { ...web, id: 'web__v3__alpha' }], range);
    const r = out.get(web.id)!;
    if (!r.ok) throw new Error(r.error);
    expect(r.windows).toHaveLength(3);
    expect(r.windows[0].canary).toEqual({ requests: 100, errors: 7, latencyMs: latency(900) });
    expect(r.metrics?.sort()).toEqual(['crash_rate', 'error_rate', 'http_error_rate', 'p95_latency', 'p95_latency_sla', 'success_rate']);
    expect(telemetry.calls).toEqual([{ ids: ['web__v2__alpha', 'web__v3__alpha'], range }]);
    expect(monitoring.calls).toHaveLength(1);
    expect(built).toBe(0);
  });

  test('judges a mobile canary in Play hours when its errors come from telemetry minutes', async () => {
    const complete = Date.parse('2026-01-05T11:00:00Z');
    const play = new Scripted(() => ({
      ok: true,
      completeUntil: complete,
      metrics: ['crash_rate', 'error_rate'],
      windows: [9, 10].map((h) => ({ start: Date.parse(`2026-01-05T${String(h).padStart(2, '0')}:00:00Z`), durationMs: H, canary: { requests: 0, errors: 0, sessions: 1000, crashes: 30 }, baseline: null })),
    }));
    const telemetry = new Scripted((_c, r) => ({ ok: true, windows: minutes(r, () => ({ requests: 10, errors: 1 })) }));
    const cfg = config({ platforms: { mobile: { default: 'telemetry', metrics: { crash_rate: 'play_vitals' } } } });
    const sources: SourceRegistry = { telemetry: () => telemetry, play_vitals: () => play, monitoring: () => new Scripted(() => ({ ok: false, error: 'x', retryable: false })) };
    const r = (await createCompositeMetricsSource({ sources, config: async () => cfg }).fetch([mobile], range)).get(mobile.id)!;
    if (!r.ok) throw new Error(r.error);
    // Telemetry was asked for the two hours Play finished, not for the tick's three minutes.
    expect(telemetry.calls).toEqual([{ ids: [mobile.id], range: { end: complete, windowMs: 60_000, windows: 120 } }]);
    expect(r.completeUntil).toBe(complete);
    expect(r.windows.map((w) => [new Date(w.start).toISOString(), w.durationMs])).toEqual([
      ['2026-01-05T09:00:00.000Z', H],
      ['2026-01-05T10:00:00.000Z', H],
    ]);
    expect(r.windows[1].canary).toEqual({ requests: 600, errors: 60, sessions: 1000, crashes: 30 });
  });

  test('a canary fails when one of its sources fails, naming the source; retryable only if every failure is', async () => {
    const cfg = config({ platforms: { web: { default: 'telemetry', metrics: { p95_latency: 'monitoring' } } } });
    const sources: SourceRegistry = {
      telemetry: () => new Scripted((_c, r) => ({ ok: true, windows: minutes(r, () => side(10, 0)) })),
      monitoring: () => new Scripted(() => ({ ok: false, error: 'permission denied', retryable: false })),
      play_vitals: () => new Scripted(() => ({ ok: false, error: 'x', retryable: true })),
    };
    expect((await createCompositeMetricsSource({ sources, config: async () => cfg }).fetch([web], range)).get(web.id)).toEqual({
      ok: false,
      error: 'monitoring: permission denied',
      retryable: false,
    });
  });

  test('a source that throws is an outage for its canaries, not for the tick', async () => {
    const cfg = config({ platforms: { web: { default: 'telemetry' } } });
    const sources: SourceRegistry = {
      telemetry: () => ({ fetch: () => Promise.reject(new Error('boom')) }),
      monitoring: () => new Scripted(() => ({ ok: false, error: 'x', retryable: true })),
      play_vitals: () => new Scripted(() => ({ ok: false, error: 'x', retryable: true })),
    };
    expect((await createCompositeMetricsSource({ sources, config: async () => cfg }).fetch([web], range)).get(web.id)).toMatchObject({ ok: false, retryable: true, error: expect.stringContaining('boom') });
  });
});

describe('config/metrics_sources validation', () => {
  test.each([
    [{ platforms: { web: { default: 'carrier-pigeon' } } }, 'platforms.web.default'],
    [{ platforms: { mobile: { default: 'telemetry', metrics: { p95_latency: 'play_vitals' } } } }, 'platforms.mobile.metrics.p95_latency'],
    [{ platforms: { web: { default: 'telemetry', metrics: { error_rate: 'monitoring' } } } }, 'platforms.web.metrics.success_rate'],
    [{ platforms: {}, surprise: 1 }, '(root)'],
    [{ playVitals: { lookbackHours: 1 } }, 'playVitals.lookbackHours'],
  ])('refuses %j, naming %s', (raw, path) => {
    const parsed = parseMetricsSources(raw);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.startsWith(path)).toBe(true);
  });

  test('defaults to Cloud Monitoring everywhere, Play vitals reading crashRate and ANRs over 24 h', () => {
    expect(config({})).toEqual({ platforms: {}, playVitals: { crashMetric: 'crashRate', anr: true, lookbackHours: 24 }, mixedHours: 2 });
  });
});
