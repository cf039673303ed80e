import { createFirestoreTelemetryAggregates } from '../../src/adapters/firestore';
import { createTelemetryMetricsSource, type TelemetryEvidence } from '../../src/adapters/telemetry/source';
import { evaluateAll } from '../../src/app/evaluate';
import { createCompositeMetricsSource } from '../../src/app/metrics/composite-source';
import { parseMetricsSources } from '../../src/config/metrics-sources';
import type { Canary } from '../../src/core/canary';
import type { MetricsSource } from '../../src/ports';
import { canaryFixture } from '../app/evaluate/canary-fixture';
import { harness, type Harness } from '../app/evaluate/harness';
import { addKey, minuteIso, report, startIngest, T0, TestClock, totals, type IngestServer } from '../http/telemetry/harness';
import { testFirestore } from '../support/firestore';

const MINUTES = 5;
const unused: MetricsSource = { fetch: () => Promise.reject(new Error('not configured for web')) };

/** One install's batch for the five minutes T0..T0+4: `requests` a minute, `errors(minute)` of them failed. */
function batch(key: string, release: string, install: string, requests: number, errors: (minute: number) => number) {
  return report(key, {
    release,
    windows: Array.from({ length: MINUTES }, (_, i) => ({ start: minuteIso(T0 + i * 60_000), requests, errors: errors(i), latencyMs: { counts: { '20': requests - errors(i) } } })),
  }, install);
}

async function inParallel<T>(items: T[], size: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: size }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

/**
 * Issue 12's "done when": many installs report through the real ingest endpoint (fake clock), the
 * evaluator reads the aggregates through the telemetry source, a regressing canary is rolled back
 * and a healthy one is not. Then T3: scripted installs with a valid key cannot roll back a healthy one.
 */
describe('client telemetry drives the evaluation end to end (POST /v1/telemetry -> aggregates -> evaluator)', () => {
  const fs = testFirestore('tel-e2e');
  const clock = new TestClock(T0 + MINUTES * 60_000 + 10_000);
  let ingest: IngestServer;
  let key: string;
  let h: Harness;
  const evidence: TelemetryEvidence[] = [];

  beforeAll(async () => {
    key = (await addKey(fs.db)).key;
    ingest = await startIngest(fs.db, clock);
    h = harness({ now: clock.ms });
    const parsed = parseMetricsSources({ platforms: { web: { default: 'telemetry' } } });
    if (!parsed.ok) throw new Error(parsed.error);
    const telemetry = createTelemetryMetricsSource({ aggregates: createFirestoreTelemetryAggregates(fs.db), onEvidence: (e) => evidence.push(e) });
    h.deps.metrics = createCompositeMetricsSource({ sources: { telemetry: () => telemetry, monitoring: () => unused, play_vitals: () => unused }, config: async () => parsed.config });
    h.deps.settings = { ...h.deps.settings, ingestionLagMs: 0 };
  }, 60_000);
  afterAll(async () => {
    await ingest.close();
    await fs.close();
  });

  const web = (release: string, previousRelease: string): Canary =>
    canaryFixture({ id: `web__${release}__alpha`, release, previousRelease, createdAt: T0 - 60_000 });
  async function send(bodies: Record<string, unknown>[]) {
    await inParallel(bodies, 16, async (body) => {
      const reply = await ingest.post(body);
      if (reply.status !== 202) throw new Error(`ingest answered ${reply.status}: ${JSON.stringify(reply.json)}`);
    });
  }
  async function status(id: string) {
    const read = await h.canaries.get(id);
    if (!read?.ok) throw new Error(`canary ${id} unreadable`);
    return read.canary;
  }
  const tick = () => evaluateAll(h.deps, new Date(T0 + MINUTES * 60_000).toISOString());

  test('rolls back the canary whose installs see errors and lets the healthy one continue', async () => {
    await h.canaries.createIfAbsent(web('v2.0.0', 'v1.0.0'));
    await h.canaries.createIfAbsent(web('v3.0.0', 'v1.0.0'));
    const installs = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-install-${String(i).padStart(4, '0')}`);
    // Baseline and healthy canary: 1 request in 100 fails. Regressing canary: 2 in 10.
    await send([
      ...installs('base', 60).map((id, i) => batch(key, 'v1.0.0', id, 10, (m) => ((i + m) % 10 === 0 ? 1 : 0))),
      ...installs('good', 60).map((id, i) => batch(key, 'v3.0.0', id, 10, (m) => ((i + m) % 10 === 0 ? 1 : 0))),
      ...installs('bad', 60).map((id) => batch(key, 'v2.0.0', id, 10, () => 2)),
    ]);
    expect((await totals(fs.db, { release: 'v2.0.0' })).installs.all).toBe(60);

    const report = await tick();
    expect(report.outcomes.find((o) => o.id === 'web__v2.0.0__alpha')).toMatchObject({ status: 'decided', decision: 'rollback' });
    const bad = await status('web__v2.0.0__alpha');
    expect(bad.status).toBe('rollback_requested');
    expect(bad.rollbackRequest?.reason).toMatch(/Error rate 20%/);
    const good = await status('web__v3.0.0__alpha');
    expect(good.status).toBe('running');
    expect(good.lastEvaluation?.metrics.error_rate).toMatchObject({ canary: 0.01, baseline: 0.01 });
    expect(good.lastEvaluation?.decision).toBe('continue');
  }, 120_000);

  test('T3: five scripted installs with a valid key reporting errors do not roll back a healthy canary, and the attack shows', async () => {
    await h.canaries.createIfAbsent(web('v4.0.0', 'v1.0.0'));
    const real = Array.from({ length: 200 }, (_, i) => batch(key, 'v4.0.0', `real-install-${String(i).padStart(4, '0')}`, 10, (m) => ((i + m) % 10 === 0 ? 1 : 0)));
    // Each forged install claims 600 requests and 600 errors a minute; the ingest caps keep 60 errors.
    const forged = Array.from({ length: 5 }, (_, i) => batch(key, 'v4.0.0', `forged-install-${i}`, 600, () => 600));
    await send([...real, ...forged]);

    const stored = await totals(fs.db, { release: 'v4.0.0' });
    // The attack is visible in the aggregates: capped windows and the installs behind the errors.
    expect(stored.cappedWindows).toBe(5 * MINUTES);
    expect(stored.installs).toMatchObject({ all: 205 });
    // Unweighted, the forged errors alone would be 300 a minute over 2,000 real requests: far over alpha's 5 %.
    expect(stored.errors).toBeGreaterThan(stored.requests * 0.05);

    evidence.length = 0;
    await tick();
    const c = await status('web__v4.0.0__alpha');
    expect(c.status).not.toBe('rollback_requested');
    expect(c.rollbackRequest).toBeUndefined();
    expect(c.lastEvaluation?.verdict).not.toBe('red');
    const seen = evidence.find((e) => e.release === 'v4.0.0');
    expect(seen).toMatchObject({ installs: 205, cappedWindows: 5 * MINUTES });
    expect(seen!.errorInstalls).toBeGreaterThanOrEqual(5);
    expect(seen!.unweightedErrors).toBeGreaterThan(0);
  }, 120_000);
});
