import { useDb } from '../../../src/adapters/firestore';
import { createFirestoreCanaryStore } from '../../../src/adapters/firestore';
import { evaluateCanaries } from '../../../src/functions/evaluate-canaries';
import { countPoint, distributionPoint, FakeMonitoringServer, type FakeSeries } from '../../fakes/monitoring-server';
import { testFirestore } from '../../support/firestore';
import { canaryFixture } from './canary-fixture';

const SCHEDULE = '2026-01-07T12:00:00Z';
// The function's range: 30 one-minute windows ending 3 minutes (the ingestion lag) before the schedule time.
const END = Date.parse(SCHEDULE) - 180_000;
const ends = Array.from({ length: 30 }, (_, i) => END - i * 60_000);
const buckets = { explicitBuckets: { bounds: Array.from({ length: 100 }, (_, i) => 10 * (i + 1)) } };
const latencyCounts = [0, 0, 1, 1, 1, 1, 1, 1, 1, 1].map((x) => x * 500);

function revision(name: string, ok: number, failed: number): FakeSeries[] {
  const resource = { type: 'cloud_run_revision', labels: { revision_name: name } };
  return [
    { metric: { type: 'run.googleapis.com/request_count', labels: { response_code_class: '2xx' } }, resource, points: ends.map((e) => countPoint(e, ok)) },
    { metric: { type: 'run.googleapis.com/request_count', labels: { response_code_class: '5xx' } }, resource, points: ends.map((e) => countPoint(e, failed)) },
    { metric: { type: 'run.googleapis.com/request_latencies' }, resource, points: ends.map((e) => distributionPoint(e, buckets, latencyCounts)) },
  ];
}

describe('evaluateCanaries (onSchedule) through fn.run with the real adapters', () => {
  const fs = testFirestore('schedfn');
  const monitoring = new FakeMonitoringServer();
  const saved = { ...process.env };

  beforeAll(async () => {
    await monitoring.start();
    const url = new URL(monitoring.http.url);
    process.env.MONITORING_EMULATOR_HOST = `${url.hostname}:${url.port}`;
    process.env.MONITORING_PROJECT = fs.projectId;
    useDb(fs.db);
    monitoring.series = [...revision('api-v29-1-0', 4000, 1000), ...revision('api-v29-0-0', 40000, 10), ...revision('api-v30-0-0', 3999, 1)];
    const store = createFirestoreCanaryStore(fs.db);
    await store.createIfAbsent(canaryFixture({ id: 'red' }));
    await store.createIfAbsent(canaryFixture({ id: 'green', release: 'v30.0.0', previousRelease: 'v29.0.0' }));
  });
  afterAll(async () => {
    useDb(undefined);
    process.env = saved;
    await monitoring.stop();
    await fs.close();
  });

  it('reads Monitoring, requests the rollback of the red canary and lets the green one continue', async () => {
    await evaluateCanaries.run({ scheduleTime: SCHEDULE, jobName: 'evaluate' } as Parameters<typeof evaluateCanaries.run>[0]);
    const store = createFirestoreCanaryStore(fs.db);
    const red = await store.get('red');
    const green = await store.get('green');
    expect(red?.ok && red.canary.status).toBe('rollback_requested');
    expect(red?.ok && red.canary.rollbackRequest?.reason).toMatch(/Error rate/);
    expect(green?.ok && green.canary.status).toBe('running');
    expect(green?.ok && green.canary.lastEvaluation?.verdict).toBe('green');
    // One query per template of the one platform in use, whatever the number of canaries.
    expect(monitoring.calls).toHaveLength(2);
  });

  it('decides nothing twice when Cloud Scheduler retries the same schedule time', async () => {
    await evaluateCanaries.run({ scheduleTime: SCHEDULE, jobName: 'evaluate' } as Parameters<typeof evaluateCanaries.run>[0]);
    const store = createFirestoreCanaryStore(fs.db);
    expect(await store.listEvaluations('green', 10)).toHaveLength(1);
    const red = await store.get('red');
    expect(red?.ok && red.canary.rollbackRequest?.generation).toBe(1);
  });

  it('lets only one of two overlapping runs act: the other finds the lease held (S1, S2)', async () => {
    const next = '2026-01-07T12:01:00Z';
    const run = () => evaluateCanaries.run({ scheduleTime: next, jobName: 'evaluate' } as Parameters<typeof evaluateCanaries.run>[0]);
    await Promise.all([run(), run()]);
    const store = createFirestoreCanaryStore(fs.db);
    const history = await store.listEvaluations('green', 10);
    expect(history.filter((e) => e.scheduleTime === Date.parse(next))).toHaveLength(1);
  });
});
