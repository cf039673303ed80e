import { createFirestoreCanaryStore, useDb } from '../../../src/adapters/firestore';
import { evaluateCanaries } from '../../../src/functions/evaluate-canaries';
import { FakePlayReporting } from '../../fakes/play-reporting-server';
import { testFirestore } from '../../support/firestore';
import { canaryFixture } from './canary-fixture';

const H = 3_600_000;
const T0 = Date.parse('2026-01-07T09:00:00Z');
const PKG = 'com.acme.app';
const run = (at: number) => evaluateCanaries.run({ scheduleTime: new Date(at).toISOString(), jobName: 'evaluate' } as Parameters<typeof evaluateCanaries.run>[0]);

/** The deployed function, configured by config/metrics_sources to judge mobile on Play vitals. */
describe('evaluateCanaries with mobile on Play vitals (config/metrics_sources, real client, fake Play)', () => {
  const fs = testFirestore('schedplay');
  const play = new FakePlayReporting();
  const saved = { ...process.env };

  beforeAll(async () => {
    await play.server.start();
    const url = new URL(play.server.url);
    process.env.PLAY_REPORTING_EMULATOR_HOST = `${url.hostname}:${url.port}`;
    process.env.MONITORING_PROJECT = fs.projectId;
    useDb(fs.db);
    await fs.db.doc('config/metrics_sources').set({ platforms: { mobile: { default: 'play_vitals' } } });
    const store = createFirestoreCanaryStore(fs.db);
    const mobile = (id: string, code: string) =>
      canaryFixture({ id, platform: 'mobile', createdAt: T0, target: { playPackage: PKG, versionCodes: [code], previousVersionCodes: ['20'] } });
    await store.createIfAbsent(mobile('mobile__v3__alpha', '30'));
    await store.createIfAbsent(mobile('mobile__v4__alpha', '40'));
    for (let k = 0; k < 2; k++) {
      const hour = T0 + k * H;
      play.rows.crashRateMetricSet.push(
        { hour, versionCode: '20', rate: 0.004, users: 20_000 },
        { hour, versionCode: '30', rate: 0.07, users: 2_000 },
        { hour, versionCode: '40', rate: 0.004, users: 2_000 },
      );
      play.rows.anrRateMetricSet.push(
        { hour, versionCode: '20', rate: 0.001, users: 20_000 },
        { hour, versionCode: '30', rate: 0.001, users: 2_000 },
        { hour, versionCode: '40', rate: 0.001, users: 2_000 },
      );
    }
    play.freshness.crashRateMetricSet = T0 + 2 * H;
    play.freshness.anrRateMetricSet = T0 + 2 * H;
  });
  afterAll(async () => {
    useDb(undefined);
    process.env = saved;
    await play.server.stop();
    await fs.close();
  });

  it('rolls back the mobile canary whose crash rate regressed and lets the healthy one continue', async () => {
    await run(T0 + 2 * H + 5 * 60_000);
    const store = createFirestoreCanaryStore(fs.db);
    const bad = await store.get('mobile__v3__alpha');
    const good = await store.get('mobile__v4__alpha');
    expect(bad?.ok && bad.canary.status).toBe('rollback_requested');
    expect(bad?.ok && bad.canary.rollbackRequest?.reason).toMatch(/Crash rate/);
    expect(good?.ok && good.canary.status).toBe('running');
    // Latency and success rate are not fed by Play: left out, so the healthy canary is green.
    expect(good?.ok && good.canary.lastEvaluation?.verdict).toBe('green');
    // One freshness read and one query per metric set for the app, whatever the number of canaries.
    expect(play.queries()).toHaveLength(2);
    expect(play.server.requests.every((r) => r.headers.authorization === 'Bearer emulator')).toBe(true);
  });

  it('keeps the last good config when config/metrics_sources turns invalid', async () => {
    await fs.db.doc('config/metrics_sources').set({ platforms: { mobile: { default: 'carrier-pigeon' } } });
    play.server.requests.length = 0;
    await run(T0 + 2 * H + 6 * 60_000);
    // Still read from Play (the last good config), not from Cloud Monitoring.
    expect(play.server.requests.length).toBeGreaterThan(0);
  });
});
